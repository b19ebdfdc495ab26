# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the iosxe platform can do with a server, from the modules it announces.

IOS-XE has no NETCONF operation that makes a Map-Server or an ETR register
(Cisco-IOS-XE-rpc ``clear`` has no LISP case; Cisco-IOS-XE-cli-rpc runs
config-mode commands only), so its recovery methods are those that need only
standard Map-Register handling: ``register`` (bridge registrations signed
with the site keys), ``lisp`` and ``auto``. ``netconf`` asks each ETR for the
project's reregister-now RPC, which an IOS-XE ETR does not have.
"""

from __future__ import annotations

from collections.abc import Iterable

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.base import (
    Capabilities,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.iosxe.models import (
    HA,
    HARDWARE,
    OPER,
)

METHODS = frozenset({"register", "lisp", "auto"})
REFUSED = {
    "ms": "an MS-native re-registration RPC (IOS-XE has none)",
    "netconf": "the lispnet-ms-recovery reregister-now RPC on the ETRs (IOS-XE ETRs have none)",
}


def _announces(uris: Iterable[str], namespace: str) -> bool:
    return any(uri.split("?", 1)[0] == namespace for uri in uris)


def iosxe_capabilities(announced: Iterable[str]) -> Capabilities:
    uris = frozenset(announced)
    missing = [ns for ns in (OPER,) if not _announces(uris, ns)]
    return Capabilities(
        reboot=(
            "Cisco-IOS-XE-device-hardware-oper boot-time" if _announces(uris, HARDWARE) else None
        ),
        switchover=(
            "Cisco-IOS-XE-ha-oper ha-infra ha-state (the active unit's role)"
            if _announces(uris, HA)
            else None
        ),
        methods=METHODS if not missing else frozenset(),
        registration_detail=(
            "site, RLOCs (priority, weight), source address and port, TTL,"
            " first and last registration per ETR; no xTR-ID"
        ),
        refused=dict(REFUSED)
        if not missing
        else {m: "Cisco-IOS-XE-lisp-oper" for m in ("register", "lisp", "auto", *REFUSED)},
        switchover_time=(
            "Cisco-IOS-XE-ha-oper last-switchover-time" if _announces(uris, HA) else None
        ),
    )
