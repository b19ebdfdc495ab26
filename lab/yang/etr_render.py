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
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.types import (
    Mapping,
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
    ETR_ROLE,
    LADDR,
    LISP,
    T,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.ietf.tree import (
    leaf,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.ietf.values import (
    algorithm_identity,
    locator_key,
    mapping_key,
)

_SE = etree.SubElement


def render_etr(snapshot: EtrSnapshot, protocol_name: str = DEFAULT_PROTOCOL_NAME) -> etree._Element:
    """The <data> an ETR answers a <get> with."""
    data = new_data()
    lisp = add_lisp_instance(data, protocol_name, ETR_ROLE)
    # The draft's local-eid names its locators by a locator set of the LISP
    # instance: one set per local EID, named as the EID's key.
    lisp.insert(0, _locator_sets(snapshot.local_eids))
    etr = _SE(lisp, T.etr, nsmap=role_nsmap(ETR))
    servers = _SE(etr, T.map_servers)
    for address in snapshot.map_servers:
        server = _SE(servers, T.e_map_server)
        leaf(server, T.ms_address, str(address))
        if snapshot.key_id is not None:
            key = _SE(_SE(server, T.e_auth_keys), T.e_auth_key)
            leaf(key, T.e_key_id, str(snapshot.key_id))
            if snapshot.algorithm is not None:
                algorithm = _SE(key, T.e_algorithm, nsmap={"lisp": LISP})
                algorithm.text = f"lisp:{algorithm_identity(snapshot.algorithm)}"
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


def _locator_sets(mappings: tuple[Mapping, ...]) -> etree._Element:
    sets = etree.Element(T.locator_sets)
    for mapping in mappings:
        locator_set = _SE(sets, T.locator_set)
        leaf(locator_set, T.locator_set_name, mapping_key(mapping.eid))
        for rloc in mapping.rlocs:
            loc = _SE(locator_set, T.l_locator)
            leaf(loc, T.l_locator_id, locator_key(rloc.address))
            address = _SE(loc, T.l_locator_address)
            v4 = rloc.address.version == 4
            _SE(address, T.l_address_type, nsmap={"laddr": LADDR}).text = (
                "laddr:ipv4-afi" if v4 else "laddr:ipv6-afi"
            )
            leaf(address, T.l_ipv4 if v4 else T.l_ipv6, str(rloc.address))
            leaf(loc, T.l_priority, str(rloc.priority))
            leaf(loc, T.l_weight, str(rloc.weight))
            leaf(loc, T.l_m_priority, str(rloc.m_priority))
            leaf(loc, T.l_m_weight, str(rloc.m_weight))
    return sets


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
        leaf(local, T.e_eid_id, mapping_key(eid))
        address = _SE(local, T.e_eid_address)
        v4 = eid.prefix.version == 4
        _SE(address, T.e_address_type, nsmap={"laddr": LADDR}).text = (
            "laddr:ipv4-prefix-afi" if v4 else "laddr:ipv6-prefix-afi"
        )
        leaf(address, T.e_ipv4_prefix if v4 else T.e_ipv6_prefix, str(eid.prefix))
        leaf(local, T.e_rlocs, mapping_key(eid))
        leaf(local, T.record_ttl, str(mapping.ttl))
        leaf(local, T.registration_interval, interval)
