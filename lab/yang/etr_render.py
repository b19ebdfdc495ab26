# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A virtual ETR's state rendered as NETCONF XML (ietf-lisp-etr +
lispnet-ms-recovery); plugins/module_utils/platforms/ietf/etr_parse.py reads it."""

from __future__ import annotations

from lxml import etree

from ansible_collections.lispnet.ms_recovery.lab.yang.counters import (
    render_counters,
)
from ansible_collections.lispnet.ms_recovery.lab.yang.tree import (
    add_lisp_instance,
    new_data,
    role_nsmap,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.ms import (
    ETR_COUNTERS,
    EtrSnapshot,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.times import (
    format_time,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.ietf.namespaces import (
    DEFAULT_PROTOCOL_NAME,
    ETR,
    T,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.ietf.tree import (
    leaf,
)

_SE = etree.SubElement


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
