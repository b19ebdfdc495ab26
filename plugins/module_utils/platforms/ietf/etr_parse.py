# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ETR state from NETCONF XML (ietf-lisp-etr + lispnet-ms-recovery).

``parse_etr`` tolerates a reply without any part: no etr container gives
None; a missing map-servers or local-eids list gives an empty tuple; a
missing lmr:ms-recovery gives name, site and last_register_time None and no
counters. ``registration_interval`` is carried on every local-eid and read
from the first one (60, the YANG default, when there is none).

Only what ietf-lisp-etr models round-trips: of a Mapping, the EID, the
RLOCs' address/priorities/weights and the TTL; RLOC flags, action,
authoritative and map-version come back at their defaults.
"""

from __future__ import annotations

import ipaddress

from lxml import etree

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
    eid_from_parts,
)

_DEFAULT_INTERVAL = 60


def parse_etr(data: etree._Element) -> EtrSnapshot | None:
    """Read what ``render_etr`` wrote, or a filtered part of it."""
    etr = find_role(data, T.etr)
    if etr is None:
        return None
    servers = etr.findall(f"{T.map_servers}/{T.e_map_server}")
    first = servers[0] if servers else None
    local_eids, interval = _parse_local_eids(etr)
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
        key_id=None if first is None else int_or_none(first, T.e_key_id),
        algorithm=None if first is None else first.findtext(T.e_algorithm),
    )


def _parse_local_eids(etr: etree._Element) -> tuple[tuple[Mapping, ...], int]:
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
                raise ValueError(f"local-eid {local.findtext(T.e_id)} lacks eid-address")
            rlocs = tuple(
                Rloc(
                    ipaddress.ip_address(loc.findtext(T.e_locator_address) or ""),
                    int(loc.findtext(T.e_priority) or 1),
                    int(loc.findtext(T.e_weight) or 100),
                    int(loc.findtext(T.e_m_priority) or 255),
                    int(loc.findtext(T.e_m_weight) or 0),
                )
                for loc in local.iterfind(f"{T.e_rlocs}/{T.e_locator}")
            )
            ttl = int(local.findtext(T.record_ttl) or 1440)
            mappings.append(Mapping(eid_from_parts(iid, prefix), rlocs, ttl))
            if interval is None:
                interval = int_or_none(local, T.registration_interval)
    return tuple(mappings), _DEFAULT_INTERVAL if interval is None else interval
