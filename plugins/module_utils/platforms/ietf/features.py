# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the ietf platform can do with a server, from the modules it announces.

A standard server offers the IETF LISP modules and RFC 7317 ietf-system: its
boot-datetime tells a reboot. The project's lispnet-ms-recovery augment, when
announced, adds the unit's HA role (a switchover), per-registration detail,
the stored sites and the send-reregistration RPC (method ``ms``).
"""

from __future__ import annotations

from collections.abc import Iterable

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.base import (
    Capabilities,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.ietf.namespaces import (
    LMR,
    SYS,
)

AUGMENT = "lispnet-ms-recovery"
# Methods that need nothing of the Map-Server but its standard Map-Register
# handling (or, for netconf, the ETRs' own reregister-now, checked per ETR).
_STANDARD_METHODS = frozenset({"lisp", "netconf", "register", "auto"})


def announces(capabilities: Iterable[str], namespace: str) -> bool:
    """Whether a hello's capability URIs name the module of ``namespace``."""
    return any(uri.split("?", 1)[0] == namespace for uri in capabilities)


def ietf_capabilities(announced: Iterable[str]) -> Capabilities:
    uris = frozenset(announced)
    if announces(uris, LMR):
        return Capabilities(
            reboot=f"{AUGMENT} boot-time and reboot-count",
            switchover=f"{AUGMENT} ha-role",
            methods=_STANDARD_METHODS | {"ms"},
            registration_detail="site, xTR, RLOCs, source, TTL, first and last registration",
        )
    return Capabilities(
        reboot="ietf-system boot-datetime" if announces(uris, SYS) else None,
        # A standard server has no HA role: a switchover to a unit with another
        # boot time reads as that unit's reboot, which asks for the same recovery.
        switchover=None,
        methods=_STANDARD_METHODS,
        registration_detail="site-id, xTR, RLOCs, TTL, last registration per EID",
        refused={"ms": f"the {AUGMENT} module's send-reregistration RPC"},
    )
