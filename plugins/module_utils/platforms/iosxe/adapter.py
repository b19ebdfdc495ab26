# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Cisco IOS-XE Map-Servers, through Cisco's published YANG models (models.py).

The MS table from Cisco-IOS-XE-lisp-oper ms-registrations, a reboot from
Cisco-IOS-XE-device-hardware-oper boot-time, the HA role (a switchover) from
Cisco-IOS-XE-ha-oper ha-infra, the sites from the Cisco-IOS-XE-lisp config.
Whether an RP switchover keeps the table (``router lisp / redundancy / sso``)
is not documented: callers read the table before acting, as on any platform.
"""

from __future__ import annotations

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
    MissingCapability,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.iosxe import (
    filters,
    parse,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.iosxe.features import (
    REFUSED,
    iosxe_capabilities,
)

_R = TypeVar("_R")


NC = "urn:ietf:params:xml:ns:netconf:base:1.0"


def get_all(session: NetconfSession, subtree_filters: Iterable[str]) -> etree._Element:
    """One <data> holding the replies to one <get> per filter."""
    data = etree.Element(f"{{{NC}}}data", nsmap={None: NC})
    for subtree in subtree_filters:
        reply = session.get(subtree)
        found = reply if etree.QName(reply).localname == "data" else reply.find(f"{{{NC}}}data")
        if found is not None:
            data.extend(list(found))
    return data


def _parsed(what: str, read: Callable[[etree._Element], _R], data: etree._Element) -> _R:
    try:
        return read(data)
    except (ValueError, TypeError, KeyError) as exc:
        raise NetconfFailure(f"{what}: cannot read the IOS-XE reply: {exc}") from exc


class IosxePlatform:
    """Cisco-IOS-XE-lisp-oper / device-hardware-oper / ha-oper / lisp (config)."""

    name = "iosxe"
    network_os = ("lispnet.ms_recovery.iosxe", "iosxe")

    def capabilities(self, session: NetconfSession) -> Capabilities:
        return iosxe_capabilities(session.server_capabilities())

    def read_ms(self, session: NetconfSession) -> MsSnapshot:
        unit = get_all(session, filters.unit_filters())
        table = session.get(filters.registrations_filter())
        sites = session.get(filters.sites_filter())
        return MsSnapshot(
            unit=_parsed("IOS-XE unit", parse.parse_unit, unit),
            sites=_parsed("IOS-XE sites", parse.parse_sites, sites),
            registrations=_parsed("IOS-XE ms-registrations", parse.parse_registrations, table),
        )

    def read_ms_unit(self, session: NetconfSession) -> MsSnapshot:
        return self.read_ms_unit_summary(session)[0]

    def read_ms_unit_summary(self, session: NetconfSession) -> tuple[MsSnapshot, MsSummary | None]:
        data = get_all(session, filters.unit_filters())
        return (
            MsSnapshot(unit=_parsed("IOS-XE unit", parse.parse_unit, data)),
            _parsed("IOS-XE summary", parse.parse_summary, data),
        )

    def read_registrations(self, session: NetconfSession) -> tuple[Registration, ...]:
        data = session.get(filters.registrations_filter())
        return _parsed("IOS-XE ms-registrations", parse.parse_registrations, data)

    def read_registered(
        self, session: NetconfSession, known: Iterable[Eid] = ()
    ) -> tuple[Registration, ...]:
        data = session.get(filters.registered_filter())
        return _parsed("IOS-XE ms-registrations", parse.parse_registered, data)

    def send_reregistration(
        self,
        session: NetconfSession,
        sites: Sequence[str],
        wait_for_acks: bool,
        timeout: int,
    ) -> ReregistrationResult:
        raise MissingCapability(f"method ms needs {REFUSED['ms']}; use method register or auto")

    def read_etr(self, session: NetconfSession) -> EtrSnapshot | None:
        return None  # the modules read ETRs only for the netconf method, refused here

    def etr_reregister_now(
        self, session: NetconfSession, map_server: IPAddress | None = None
    ) -> int:
        raise MissingCapability(f"method netconf needs {REFUSED['netconf']}")
