# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The IETF LISP YANG models plus the lispnet-ms-recovery augment.

It composes the filters, parsers and RPC builders of this folder, the single
place that knows those data paths, and turns parse errors into
:class:`NetconfFailure`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

try:
    from lxml import etree
except ImportError:  # a module reports it missing first (module_utils/libraries.py)
    pass

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.types import (
    Eid,
    IPAddress,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.ms import (
    EtrSnapshot,
    MsSnapshot,
    MsSummary,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.registration import (
    Registration,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.reregistration import (
    ReregistrationResult,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.netconf_session import (
    NetconfFailure,
    NetconfSession,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.base import (
    Capabilities,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.ietf import filters
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.ietf.etr_parse import (
    parse_etr,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.ietf.features import (
    announces,
    ietf_capabilities,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.ietf.ms_parse import (
    parse_ms,
    parse_ms_summary,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.ietf.namespaces import (
    LMR,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.ietf.registered import (
    parse_registered_text,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.ietf.rpcs import (
    parse_reregister_now_reply,
    parse_send_reregistration_reply,
    reregister_now_rpc,
    send_reregistration_rpc,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.ietf.system import (
    parse_system_unit,
)

_R = TypeVar("_R")
_Reply = TypeVar("_Reply", "etree._Element", bytes)  # quoted: lxml may be missing


def _parsed(what: str, parse: Callable[[_Reply], _R], element: _Reply) -> _R:
    # A reply the parser rejects (rpc-error, missing leaf, bad value) is a
    # NETCONF failure for the caller: it cannot tell it apart from a bad session.
    try:
        return parse(element)
    except (ValueError, TypeError, KeyError) as exc:
        raise NetconfFailure(f"{what}: cannot read the reply: {exc}") from exc


class IetfPlatform:
    """ietf-lisp / ietf-lisp-mapserver / ietf-lisp-etr + lispnet-ms-recovery."""

    name = "ietf"
    network_os = ("lispnet.ms_recovery.ietf", "ansible.netcommon.default", "default", "ietf")

    def capabilities(self, session: NetconfSession) -> Capabilities:
        return ietf_capabilities(session.server_capabilities())

    def read_ms(self, session: NetconfSession) -> MsSnapshot:
        ms = _parsed("map-server", parse_ms, session.get(filters.ms_full_filter()))
        if ms.unit is None and not self._augment(session):
            return dataclasses.replace(ms, unit=self.read_ms_unit(session).unit)
        return ms

    def read_ms_unit(self, session: NetconfSession) -> MsSnapshot:
        return self.read_ms_unit_summary(session)[0]

    def read_ms_unit_summary(self, session: NetconfSession) -> tuple[MsSnapshot, MsSummary | None]:
        if not self._augment(session):
            data = session.get(filters.standard_summary_filter())
            clock = session.get(filters.system_clock_filter())
            system = session.get(filters.system_hostname_filter())
            unit = _parsed("ietf-system", lambda c: parse_system_unit(c, system, data), clock)
            return MsSnapshot(unit=unit), _parsed("map-server summary", parse_ms_summary, data)
        data = session.get(filters.ms_unit_filter())
        return (
            _parsed("map-server unit", parse_ms, data),
            _parsed("map-server summary", parse_ms_summary, data),
        )

    def _augment(self, session: NetconfSession) -> bool:
        return announces(session.server_capabilities(), LMR)

    def read_registrations(self, session: NetconfSession) -> tuple[Registration, ...]:
        data = session.get(filters.ms_registrations_filter())
        return _parsed("map-server registrations", parse_ms, data).registrations

    def read_registered(
        self, session: NetconfSession, known: Iterable[Eid] = ()
    ) -> tuple[Registration, ...]:
        text = session.get_text(filters.ms_registered_filter(self._augment(session)))
        return _parsed("map-server registrations", lambda t: parse_registered_text(t, known), text)

    def send_reregistration(
        self,
        session: NetconfSession,
        sites: Sequence[str],
        wait_for_acks: bool,
        timeout: int,
    ) -> ReregistrationResult:
        self.capabilities(session).require("ms")
        request = etree.tostring(send_reregistration_rpc(sites, wait_for_acks, timeout))
        reply = session.rpc(request.decode("utf-8"))
        return _parsed("send-reregistration", parse_send_reregistration_reply, reply)

    def read_etr(self, session: NetconfSession) -> EtrSnapshot | None:
        return _parsed("etr", parse_etr, session.get(filters.etr_filter()))

    def etr_reregister_now(
        self, session: NetconfSession, map_server: IPAddress | None = None
    ) -> int:
        reply = session.rpc(etree.tostring(reregister_now_rpc(map_server)).decode("utf-8"))
        return _parsed("reregister-now", parse_reregister_now_reply, reply)
