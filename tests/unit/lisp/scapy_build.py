# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Build messages with the scapy layers from domain values.

The codec encodes by hand for speed; building the same message through the
declarative layers and comparing bytes checks one against the other.
"""

from __future__ import annotations

from collections.abc import Sequence

from scapy.packet import Packet

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.types import (
    Eid,
    IPAddress,
    Mapping,
)
from ansible_collections.lispnet.ms_recovery.tests.support.lisp_layers import (
    LispAddressIPv4,
    LispAddressIPv6,
    LispAddressNone,
    LispEidRecord,
    LispLcafInstanceId,
    LispLocator,
    LispRequestRecord,
)


def plain(address: IPAddress) -> Packet:
    if address.version == 4:
        return LispAddressIPv4(address=str(address))
    return LispAddressIPv6(address=str(address))


def eid_address(eid: Eid | None) -> Packet:
    if eid is None:
        return LispAddressNone()
    address = plain(eid.prefix.network_address)
    if eid.instance_id == 0:
        return address
    return LispLcafInstanceId(instance_id=eid.instance_id, address=address)


def eid_record(mapping: Mapping) -> Packet:
    return LispEidRecord(
        ttl=mapping.ttl,
        eid_mask_len=mapping.eid.prefix.prefixlen,
        act=mapping.action,
        authoritative=int(mapping.authoritative),
        map_version=mapping.map_version,
        eid=eid_address(mapping.eid),
        locators=[
            LispLocator(
                priority=r.priority,
                weight=r.weight,
                m_priority=r.m_priority,
                m_weight=r.m_weight,
                local=int(r.local),
                probed=int(r.probed),
                reachable=int(r.reachable),
                locator=plain(r.address),
            )
            for r in mapping.rlocs
        ],
    )


def eid_records(records: Sequence[Mapping]) -> list[Packet]:
    return [eid_record(m) for m in records]


def request_records(eids: Sequence[Eid]) -> list[Packet]:
    return [LispRequestRecord(eid_mask_len=e.prefix.prefixlen, eid=eid_address(e)) for e in eids]
