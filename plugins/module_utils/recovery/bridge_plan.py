# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bridge registrations: what the controller registers to a Map-Server for a site.

A standard ETR does not re-register when notified, but whoever holds a site's
key can register the site's stored EIDs and ETR RLOCs to the Map-Server
itself (an authenticated Map-Register, M bit set so that the MS confirms it
with a Map-Notify). Such a bridge closes the gap until the site's ETR registers
on its own timer. Pure functions: which sites may be bridged (stale safety),
the EID-records of a site, and how they pack into messages.
"""

from __future__ import annotations

import os
import time
from collections.abc import Collection, Iterable, Sequence
from collections.abc import Mapping as MappingType
from dataclasses import dataclass
from typing import Any

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory import Site
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.codec import (
    encode_map_register,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.encode import (
    authenticated_header_length,
    record_length,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.types import (
    IPAddress,
    Mapping,
    Rloc,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.registered import (
    RegisteredTable,
    registered_table,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.registration import (
    UNTOLD_REGISTRANT,
    Registration,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.recovery.notifier import (
    NotifyTarget,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.recovery.reregister_plan import (
    missing_eids,
)

# Largest Map-Register a bridge sends, LISP message only: with IPv6 and UDP
# headers it still fits a 1,500-byte MTU, so nothing is fragmented.
MESSAGE_LIMIT = 1400
MAX_RECORDS = 255  # the record count is one octet
# RFC 9301's default record TTL (minutes), what an ETR registers unless told otherwise.
RECORD_TTL = 1440
# A withdrawal: the same records with TTL 0 and the T bit set. RFC 9301 has no
# de-registration message; its T bit (section 5.6) asks the Map-Server to time
# the registration out by the records' TTL instead of its default timeout
# (section 8.2), and a record TTL of 0 means "remove at once" (section 5.4,
# whose record definition section 5.6 refers to). Without the T bit the
# Map-Server applies its default timeout: TTL 0 would be one more refresh.
WITHDRAW_TTL = 0
# An ETR's Map-Register retransmissions while unconfirmed (lab ETRs and the
# RFC's ETR alike): 5 sends over 10 s.
RETRANSMIT_SCHEDULE: tuple[float, ...] = (1.0, 1.0, 2.0, 2.0, 4.0)


def site_records(site: Site, ttl: int = RECORD_TTL) -> tuple[Mapping, ...]:
    """The site's stored EIDs, each with every ETR RLOC of the site.

    The locators carry the inventory's priority and weight; the L (local)
    bit is clear because the sender, the controller, is not one of them."""
    rlocs = tuple(Rloc(etr.rloc, priority=etr.priority, weight=etr.weight) for etr in site.etrs)
    return tuple(Mapping(eid, rlocs, ttl=ttl) for eid in site.eids)


def pack(
    records: Sequence[Mapping], header: int, limit: int = MESSAGE_LIMIT
) -> list[tuple[Mapping, ...]]:
    """Records in order, packed into as few messages of at most ``limit``
    octets (``header`` included) as fit; a record too large for a message
    alone still gets one of its own."""
    groups: list[tuple[Mapping, ...]] = []
    current: list[Mapping] = []
    size = header
    for record in records:
        length = record_length(record)
        if current and (size + length > limit or len(current) == MAX_RECORDS):
            groups.append(tuple(current))
            current, size = [], header
        current.append(record)
        size += length
    if current:
        groups.append(tuple(current))
    return groups


def _builder(site: Site, records: tuple[Mapping, ...], ttl_timeout: bool) -> Any:
    key, key_id, algorithm = site.key.reveal(), site.key_id, site.algorithm
    proxy_reply = site.proxy_reply

    def build(nonce: int) -> bytes:
        # No xTR-ID (I bit clear): the MS's per-xTR-ID nonce state of the
        # site's real ETRs (RFC 9301 section 5.6) is never touched.
        return encode_map_register(
            records,
            key=key,
            key_id=key_id,
            algorithm=algorithm,
            nonce=nonce,
            want_map_notify=True,
            proxy_reply=proxy_reply,
            ttl_timeout=ttl_timeout,
        )

    return build


def bridge_targets(
    sites: Iterable[Site], map_server: IPAddress, *, withdraw: bool = False
) -> list[NotifyTarget]:
    """One target per Map-Register: every site's records packed, each message
    confirmed by the MS's Map-Notify. ``withdraw``: the same records with TTL 0
    and the T bit set (see WITHDRAW_TTL)."""
    ttl = WITHDRAW_TTL if withdraw else RECORD_TTL
    targets: list[NotifyTarget] = []
    for site in sites:
        groups = pack(site_records(site, ttl), authenticated_header_length(site.algorithm))
        for index, records in enumerate(groups):
            targets.append(
                NotifyTarget(
                    site=site.name,
                    etr=f"map-register {index + 1}/{len(groups)}",
                    rloc=map_server,
                    records=records,
                    key=site.key.reveal(),
                    key_id=site.key_id,
                    algorithm=site.algorithm,
                    build=_builder(site, records, ttl_timeout=withdraw),
                )
            )
    return targets


def would_register(sites: Sequence[Site], map_server: IPAddress) -> list[dict[str, Any]]:
    """Check mode: per site what a run would register (never a key)."""
    out = []
    for site in sites:
        header = authenticated_header_length(site.algorithm)
        out.append(
            {
                "site": site.name,
                "map_server_address": str(map_server),
                "map_registers": len(pack(site_records(site), header)),
                "eids": [str(eid) for eid in site.eids],
                "rlocs": [str(etr.rloc) for etr in site.etrs],
            }
        )
    return out


def stale_sites(
    sites: Sequence[Site],
    drift: MappingType[str, Any] | None,
    inventory_path: str | None,
    max_age: float | None,
    now: float | None = None,
) -> dict[str, str]:
    """Sites whose stored info is known or likely to be stale, with why.

    ``drift`` is ``eid_snapshot``'s RV(drift): a site whose EIDs, RLOCs or
    settings differ on the Map-Server, or that the MS no longer has, would be
    bridged with wrong data. An inventory file older than ``max_age`` seconds
    makes every site suspect."""
    reasons: dict[str, str] = {}
    if max_age is not None and inventory_path:
        age = (time.time() if now is None else now) - os.stat(inventory_path).st_mtime
        if age > max_age:
            why = f"the EID inventory is {age:.0f} s old (max_inventory_age {max_age:g} s)"
            return {site.name: why for site in sites}
    drift = drift or {}
    changed: dict[str, list[str]] = {}
    for name in drift.get("sites_removed") or ():
        changed.setdefault(str(name), []).append("site no longer on the Map-Server")
    for part in ("eids", "rlocs", "settings"):
        for name in drift.get(part) or {}:
            changed.setdefault(str(name), []).append(f"{part} drifted")
    for site in sites:
        if site.name in changed:
            reasons[site.name] = "eid_snapshot drift: " + ", ".join(changed[site.name])
    return reasons


@dataclass(frozen=True)
class Handback:
    """Which bridged sites the Map-Server shows registered by their own ETRs."""

    confirmed: tuple[str, ...]
    waiting: tuple[str, ...]


def etr_confirmed(
    sites: Sequence[Site],
    records: Iterable[Registration],
    bridge_registrants: Collection[tuple[IPAddress, int]],
) -> Handback:
    """A site is confirmed when every EID of it is registered, with every ETR
    RLOC of the site, by registrants other than the bridge itself, and the
    bridge's own registration shows under its own key beside them.

    The second condition keeps a server that names registrants otherwise than
    predicted (a real IETF server keys a registration without xTR-ID as it
    likes) or not at all (a read that tells no registrant) from passing the
    bridge off as the ETRs' own: the bridge would be withdrawn before any ETR
    registered. Such a server's bridges are left to expire instead."""
    own: list[Registration] = []
    others: list[Registration] = []
    for record in records:
        registrant = record.registrant
        if registrant in bridge_registrants:
            own.append(record)
        elif registrant != UNTOLD_REGISTRANT:
            others.append(record)
    own_table: RegisteredTable = registered_table(own)
    others_table: RegisteredTable = registered_table(others)
    confirmed: list[str] = []
    waiting: list[str] = []
    for site in sites:
        seen = not missing_eids(site, own_table) and not missing_eids(site, others_table)
        (confirmed if seen else waiting).append(site.name)
    return Handback(tuple(confirmed), tuple(waiting))
