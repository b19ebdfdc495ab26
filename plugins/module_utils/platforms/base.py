# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the modules need from a router platform, whatever YANG models it speaks.

A platform turns the project's questions ("what does this Map-Server unit
hold?", "ask the sites to re-register") into NETCONF operations on one
:class:`NetconfSession` and parses the replies into the plain values of
``yang/ms_state.py``. The IETF adapter (ietf.py) serves the project's own
routers; another vendor (Cisco IOS-XE's Cisco-IOS-XE-lisp-oper, say) would be
one more file implementing this protocol, registered in ``__init__.py``.

Every method raises :class:`NetconfFailure` when the operation fails or the
reply cannot be read, so that callers have one exception to report.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.types import Eid
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.netconf_session import (
    NetconfSession,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.yang.ms_state import (
    EtrSnapshot,
    MsSnapshot,
    MsSummary,
    RegistrationBrief,
    RegistrationRecord,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.yang.rpcs import (
    ReregistrationResult,
)


class Platform(Protocol):
    name: str

    def read_ms(self, session: NetconfSession) -> MsSnapshot:
        """Everything the Map-Server serves (sites, registrations, stored sites, unit)."""
        ...

    def read_ms_unit(self, session: NetconfSession) -> MsSnapshot:
        """Unit info and counters only: cheap enough to poll during a reboot."""
        ...

    def read_ms_unit_summary(self, session: NetconfSession) -> tuple[MsSnapshot, MsSummary | None]:
        """``read_ms_unit`` plus the summary counts, from the same single read."""
        ...

    def read_registrations(self, session: NetconfSession) -> tuple[RegistrationRecord, ...]:
        """The registration table of the unit (empty on a standby unit)."""
        ...

    def read_registered(
        self, session: NetconfSession, known: Iterable[Eid] = ()
    ) -> tuple[RegistrationBrief, ...]:
        """What checking the table needs of each registration (EID, site,
        RLOC addresses, last registration): much less to send and parse than
        ``read_registrations`` on a large Map-Server. ``known``: the caller's
        EIDs (its inventory's), reused instead of parsing equal ones."""
        ...

    def send_reregistration(
        self,
        session: NetconfSession,
        sites: Sequence[str],
        wait_for_acks: bool,
        timeout: int,
    ) -> ReregistrationResult:
        """Ask the Map-Server to notify the ETRs of ``sites`` (all when empty)."""
        ...

    def read_etr(self, session: NetconfSession) -> EtrSnapshot | None:
        """What an ETR serves; None when the reply holds no ETR."""
        ...

    def etr_reregister_now(self, session: NetconfSession) -> int:
        """Ask an ETR to register at once; returns the Map-Registers it sent."""
        ...
