# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ETR state <-> NETCONF XML (ietf-lisp-etr + lispnet-ms-recovery).

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
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.yang.counters import (
    parse_counters,
    render_counters,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.yang.ms_state import (
    ETR_COUNTERS,
    EtrSnapshot,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.yang.namespaces import (
    DEFAULT_PROTOCOL_NAME,
    ETR,
    T,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.yang.tree import (
    add_lisp_instance,
    find_role,
    int_or_none,
    leaf,
    new_data,
    role_nsmap,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.yang.values import (
    eid_from_parts,
    format_time,
    parse_time,
)

_SE = etree.SubElement
_DEFAULT_INTERVAL = 60


def render_etr(snapshot: EtrSnapshot, protocol_name: str = DEFAULT_PROTOCOL_NAME) -> etree._Element:
    """The <data> an ETR answers a <get> with."""
    data = new_data()
    etr = _SE(add_lisp_instance(data, protocol_name), T.etr, nsmap=role_nsmap(ETR))
    servers = _SE(etr, T.map_servers)
    for address in snapshot.map_servers:
        server = _SE(servers, T.e_map_server)
        leaf(server, T.ms_address, str(address))
        if snapshot.key_id is not None:
            leaf(server, T.e_key_id, str(snapshot.key_id))
        if snapshot.algorithm is not None:
            leaf(server, T.e_algorithm, snapshot.algorithm)
    _render_local_eids(_SE(etr, T.local_eids), snapshot)
    rec = _SE(etr, T.ms_recovery)
    if snapshot.name is not None:
        leaf(rec, T.etr_name, snapshot.name)
    if snapshot.site is not None:
        leaf(rec, T.site_name, snapshot.site)
    if snapshot.last_register_time is not None:
        leaf(rec, T.last_register_time, format_time(snapshot.last_register_time))
    render_counters(rec, snapshot.counters, ETR_COUNTERS)
    return data


def _render_local_eids(parent: etree._Element, snapshot: EtrSnapshot) -> None:
    vpns: dict[int, etree._Element] = {}
    interval = str(snapshot.registration_interval)
    for mapping in snapshot.local_eids:
        eid = mapping.eid
        eids = vpns.get(eid.instance_id)
        if eids is None:
            vpn = _SE(parent, T.e_vpn)
            leaf(vpn, T.e_instance_id, str(eid.instance_id))
            eids = vpns[eid.instance_id] = _SE(vpn, T.e_eids)
        local = _SE(eids, T.local_eid)
        leaf(local, T.e_id, str(eid))
        address = _SE(local, T.e_eid_address)
        v4 = eid.prefix.version == 4
        leaf(address, T.e_address_type, "ipv4-prefix" if v4 else "ipv6-prefix")
        leaf(address, T.e_ipv4_prefix if v4 else T.e_ipv6_prefix, str(eid.prefix))
        rlocs = _SE(local, T.e_rlocs)
        for rloc in mapping.rlocs:
            loc = _SE(rlocs, T.e_locator)
            leaf(loc, T.e_locator_id, str(rloc.address))
            leaf(loc, T.e_locator_address, str(rloc.address))
            leaf(loc, T.e_priority, str(rloc.priority))
            leaf(loc, T.e_weight, str(rloc.weight))
            leaf(loc, T.e_m_priority, str(rloc.m_priority))
            leaf(loc, T.e_m_weight, str(rloc.m_weight))
        leaf(local, T.record_ttl, str(mapping.ttl))
        leaf(local, T.registration_interval, interval)


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
