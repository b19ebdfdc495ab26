# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""EID-records, their RLOC-records, and the Map-Request's short EID-record (RFC 9301 5.2-5.4)."""

from __future__ import annotations

from typing import Any, ClassVar

from scapy.fields import (
    BitEnumField,
    BitField,
    ByteField,
    FieldLenField,
    IntField,
    PacketField,
    PacketListField,
)
from scapy.packet import Packet

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.types import ACTION_NAMES

from .addresses import LispAddress, LispAddressIPv4


class _Embedded(Packet):
    def extract_padding(self, s: bytes) -> tuple[bytes, bytes]:
        # Records are list items: the bytes after one belong to the next one.
        return b"", s


class LispLocator(_Embedded):
    """RLOC-record."""

    name = "LISP RLOC-record"
    fields_desc: ClassVar[list[Any]] = [
        ByteField("priority", 1),
        ByteField("weight", 100),
        ByteField("m_priority", 255),
        ByteField("m_weight", 0),
        BitField("unused_flags", 0, 13),
        BitField("local", 0, 1),
        BitField("probed", 0, 1),
        BitField("reachable", 1, 1),
        PacketField("locator", LispAddressIPv4(), LispAddress),
    ]


class LispEidRecord(_Embedded):
    """EID-record of a Map-Reply, Map-Register, Map-Notify or Map-Notify-Ack."""

    name = "LISP EID-record"
    fields_desc: ClassVar[list[Any]] = [
        IntField("ttl", 1440),
        FieldLenField("locator_count", None, fmt="B", count_of="locators"),
        ByteField("eid_mask_len", 0),
        BitEnumField("act", 0, 3, ACTION_NAMES),
        BitField("authoritative", 1, 1),
        BitField("reserved", 0, 12),
        BitField("rsvd", 0, 4),
        BitField("map_version", 0, 12),
        PacketField("eid", LispAddressIPv4(), LispAddress),
        PacketListField("locators", [], LispLocator, count_from=lambda pkt: pkt.locator_count),
    ]


class LispRequestRecord(_Embedded):
    """EID-record of a Map-Request: only the prefix being asked for."""

    name = "LISP Map-Request EID-record"
    fields_desc: ClassVar[list[Any]] = [
        ByteField("reserved", 0),
        ByteField("eid_mask_len", 0),
        PacketField("eid", LispAddressIPv4(), LispAddress),
    ]
