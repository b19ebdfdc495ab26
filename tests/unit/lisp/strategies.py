# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Hypothesis strategies for the LISP value types."""

from __future__ import annotations

import ipaddress

from hypothesis import strategies as st

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.types import (
    MAX_INSTANCE_ID,
    Eid,
    IPAddress,
    Mapping,
    Rloc,
)

u8 = st.integers(0, 255)

ipv4 = st.builds(ipaddress.IPv4Address, st.integers(0, 2**32 - 1))
ipv6 = st.builds(ipaddress.IPv6Address, st.integers(0, 2**128 - 1))
addresses: st.SearchStrategy[IPAddress] = st.one_of(ipv4, ipv6)
instance_ids = st.one_of(st.just(0), st.integers(0, MAX_INSTANCE_ID))


@st.composite
def eids(draw: st.DrawFn) -> Eid:
    address = draw(addresses)
    length = draw(st.integers(0, address.max_prefixlen))
    network = ipaddress.ip_network((address, length), strict=False)
    return Eid(draw(instance_ids), network)


@st.composite
def host_eids(draw: st.DrawFn) -> Eid:
    return Eid(draw(instance_ids), ipaddress.ip_network(draw(addresses)))


rlocs = st.builds(
    Rloc,
    addresses,
    priority=u8,
    weight=u8,
    m_priority=u8,
    m_weight=u8,
    local=st.booleans(),
    probed=st.booleans(),
    reachable=st.booleans(),
)


@st.composite
def mappings(draw: st.DrawFn) -> Mapping:
    locators = tuple(draw(st.lists(rlocs, max_size=4)))
    return Mapping(
        draw(eids()),
        locators,
        ttl=draw(st.integers(0, 2**32 - 1)),
        action=draw(st.integers(0, 7)) if not locators else 0,
        authoritative=draw(st.booleans()),
        map_version=draw(st.integers(0, 4095)),
    )


record_lists = st.lists(mappings(), max_size=4).map(tuple)
nonces = st.integers(0, 2**64 - 1)
xtr_ids = st.binary(min_size=16, max_size=16)
site_ids = st.integers(0, 2**64 - 1)
keys = st.binary(min_size=1, max_size=40)
