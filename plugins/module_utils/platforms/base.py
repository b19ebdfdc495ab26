# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the modules need from a router platform, whatever YANG models it speaks.

A platform turns the project's questions ("what does this Map-Server unit
hold?", "ask the sites to re-register") into NETCONF operations on one
:class:`NetconfSession` and parses the replies into the vendor-neutral values
of ``model/``. Each platform is one folder, ``platforms/<name>/``, whose
``__init__`` names its adapter ``PLATFORM``; the registry (``__init__.py``
here) lists the folders.

Every method raises :class:`NetconfFailure` when the operation fails or the
reply cannot be read, so that callers have one exception to report, and
:class:`MissingCapability` (a NetconfFailure) before sending anything the
server does not announce it can do.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import ClassVar, Protocol

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


class MissingCapability(NetconfFailure):
    """The server does not announce what an operation needs; nothing was sent."""


@dataclass(frozen=True)
class Capabilities:
    """What a platform can do with one server, from what the server announces.

    ``reboot`` and ``switchover`` say how each is detected (None: it cannot
    be). ``methods`` are the ``reregister`` methods the platform offers this
    server; ``refused`` maps each other method to the capability it lacks.
    ``registration_detail`` names what a registration read carries.
    ``switchover_time`` names where the server tells when a switchover
    happened (None: it does not; the tool then bounds it by its own reads).
    """

    reboot: str | None
    switchover: str | None
    methods: frozenset[str]
    registration_detail: str
    refused: dict[str, str] = field(default_factory=dict)
    switchover_time: str | None = None

    def require(self, method: str) -> None:
        """Raise MissingCapability naming what ``method`` lacks on this server."""
        if method in self.methods:
            return
        lacking = self.refused.get(method, "support for it in this platform")
        raise MissingCapability(f"method {method} needs {lacking}, which the server lacks")


class Platform(Protocol):
    name: ClassVar[str]
    # ansible_network_os values (the FQCN of a netconf plugin) meaning this platform.
    network_os: ClassVar[tuple[str, ...]]

    def capabilities(self, session: NetconfSession) -> Capabilities:
        """What this platform can do with the server behind ``session``."""

    def read_ms(self, session: NetconfSession) -> MsSnapshot:
        """Everything the Map-Server serves (sites, registrations, stored sites, unit)."""

    def read_ms_unit(self, session: NetconfSession) -> MsSnapshot:
        """Unit info and counters only: cheap enough to poll during a reboot."""

    def read_ms_unit_summary(self, session: NetconfSession) -> tuple[MsSnapshot, MsSummary | None]:
        """``read_ms_unit`` plus the summary counts, from the same single read."""

    def read_registrations(self, session: NetconfSession) -> tuple[Registration, ...]:
        """The registration table of the unit (empty on a standby unit)."""

    def read_registered(
        self, session: NetconfSession, known: Iterable[Eid] = ()
    ) -> tuple[Registration, ...]:
        """What checking the table needs of each registration (EID, site,
        RLOC addresses, last registration): much less to send and parse than
        ``read_registrations`` on a large Map-Server. ``known``: the caller's
        EIDs (its inventory's), reused instead of parsing equal ones."""

    def send_reregistration(
        self,
        session: NetconfSession,
        sites: Sequence[str],
        wait_for_acks: bool,
        timeout: int,
    ) -> ReregistrationResult:
        """Ask the Map-Server to notify the ETRs of ``sites`` (all when empty)."""

    def read_etr(self, session: NetconfSession) -> EtrSnapshot | None:
        """What an ETR serves; None when the reply holds no ETR."""

    def etr_reregister_now(
        self, session: NetconfSession, map_server: IPAddress | None = None
    ) -> int:
        """Ask an ETR to register at once, to ``map_server`` only (None: to
        each of its Map-Servers); returns the Map-Registers it sent."""
