# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ETR state from NETCONF XML (ietf-lisp-etr + lispnet-ms-recovery).

``parse_etr`` tolerates a reply without any part: no etr container gives
None; a missing map-servers or local-eids list gives an empty tuple; a
missing lmr:ms-recovery gives name, site and last_register_time None and no
counters. ``registration_interval`` is carried on every local-eid and read
from the first one (60, the YANG default, when there is none). A local-eid's
locators are those of the LISP instance's locator set its ``rlocs`` names
(none when the set is not in the reply).

Only what ietf-lisp-etr models round-trips: of a Mapping, the EID, the
RLOCs' address/priorities/weights and the TTL; RLOC flags, action,
authoritative and map-version come back at their defaults.
"""

from __future__ import annotations

import ipaddress

try:
    from lxml import etree
except ImportError:  # a module reports it missing first (module_utils/libraries.py)
    pass

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.types import (
    Mapping,
    Rloc,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.ms import (
    EtrSnapshot,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.times import (
    parse_time,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.ietf.counters import (
    parse_counters,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.ietf.namespaces import (
    T,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.ietf.tree import (
    find_role,
    int_or_none,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.ietf.values import (
    algorithm_name,
    eid_from_parts,
    key_id_number,
)

_DEFAULT_INTERVAL = 60


def parse_etr(data: etree._Element) -> EtrSnapshot | None:
    """Read what ``render_etr`` wrote, or a filtered part of it."""
    etr = find_role(data, T.etr)
    if etr is None:
        return None
    servers = etr.findall(f"{T.map_servers}/{T.e_map_server}")
    key = None if not servers else servers[0].find(f"{T.e_auth_keys}/{T.e_auth_key}")
    local_eids, interval = _parse_local_eids(etr, _locator_sets(etr.getparent()))
    rec = etr.find(T.ms_recovery)
    last = None if rec is None else rec.findtext(T.last_register_time)
    return EtrSnapshot(
        name=None if rec is None else rec.findtext(T.etr_name),
        site=None if rec is None else rec.findtext(T.site_name),
        map_servers=tuple(ipaddress.ip_address(s.findtext(T.ms_address) or "") for s in servers),
        local_eids=local_eids,
        registration_interval=interval,
        last_register_time=None if last is None else parse_time(last),
        counters={} if rec is None else parse_counters(rec),
        key_id=None if key is None else key_id_number(key.findtext(T.e_key_id)),
        algorithm=None
        if key is None
        else algorithm_name(a.text or "" for a in key.iterfind(T.e_algorithm)),
    )


def _locator_sets(lisp: etree._Element | None) -> dict[str, tuple[Rloc, ...]]:
    """The LISP instance's locator sets by name."""
    sets: dict[str, tuple[Rloc, ...]] = {}
    if lisp is None:
        return sets
    for locator_set in lisp.iterfind(f"{T.locator_sets}/{T.locator_set}"):
        name = locator_set.findtext(T.locator_set_name) or ""
        sets[name] = tuple(_rloc(loc, name) for loc in locator_set.iterfind(T.l_locator))
    return sets


def _rloc(loc: etree._Element, set_name: str) -> Rloc:
    address = loc.find(T.l_locator_address)
    text = None
    if address is not None:
        text = address.findtext(T.l_ipv4) or address.findtext(T.l_ipv6)
    if text is None:
        raise ValueError(
            f"locator {loc.findtext(T.l_locator_id)} of locator set {set_name}"
            " lacks an IP locator-address"
        )
    # The draft gives priority and weight no default: RFC 9301's usual values.
    return Rloc(
        ipaddress.ip_address(text),
        int(loc.findtext(T.l_priority) or 1),
        int(loc.findtext(T.l_weight) or 100),
        int(loc.findtext(T.l_m_priority) or 255),
        int(loc.findtext(T.l_m_weight) or 0),
    )


def _parse_local_eids(
    etr: etree._Element, sets: dict[str, tuple[Rloc, ...]]
) -> tuple[tuple[Mapping, ...], int]:
    mappings = []
    interval: int | None = None
    for vpn in etr.iterfind(f"{T.local_eids}/{T.e_vpn}"):
        iid = int(vpn.findtext(T.e_instance_id) or 0)
        for local in vpn.iterfind(f"{T.e_eids}/{T.local_eid}"):
            address = local.find(T.e_eid_address)
            prefix = None
            if address is not None:
                prefix = address.findtext(T.e_ipv4_prefix) or address.findtext(T.e_ipv6_prefix)
            if prefix is None:
                raise ValueError(f"local-eid {local.findtext(T.e_eid_id)} lacks eid-address")
            rlocs = sets.get(local.findtext(T.e_rlocs) or "", ())
            ttl = int(local.findtext(T.record_ttl) or 1440)
            mappings.append(Mapping(eid_from_parts(iid, prefix), rlocs, ttl))
            if interval is None:
                interval = int_or_none(local, T.registration_interval)
    return tuple(mappings), _DEFAULT_INTERVAL if interval is None else interval
