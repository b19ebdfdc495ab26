# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""LISP control messages (RFC 9301 section 5) and their binding to UDP port 4342.

Field names follow the RFC's one-letter flags spelled out, so that
``pkt.want_map_notify`` reads without the RFC at hand.
"""

from __future__ import annotations

from typing import Any, ClassVar

from scapy.fields import (
    BitField,
    BitFieldLenField,
    ByteEnumField,
    ByteField,
    ConditionalField,
    FieldLenField,
    PacketField,
    PacketListField,
    StrLenField,
    XLongField,
    XStrFixedLenField,
)
from scapy.layers.inet import IP, UDP
from scapy.layers.inet6 import IPv6
from scapy.packet import Packet, Raw, bind_bottom_up, bind_top_down

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.encode import (
    TYPE_ECM,
    TYPE_MAP_NOTIFY,
    TYPE_MAP_NOTIFY_ACK,
    TYPE_MAP_REGISTER,
    TYPE_MAP_REPLY,
    TYPE_MAP_REQUEST,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.recovery.notifier import (
    LISP_CONTROL_PORT,
)

from .addresses import LispAddress, LispAddressNone
from .records import LispEidRecord, LispRequestRecord

TYPE_NAMES = {
    TYPE_MAP_REQUEST: "Map-Request",
    TYPE_MAP_REPLY: "Map-Reply",
    TYPE_MAP_REGISTER: "Map-Register",
    TYPE_MAP_NOTIFY: "Map-Notify",
    TYPE_MAP_NOTIFY_ACK: "Map-Notify-Ack",
    6: "Map-Referral",
    TYPE_ECM: "Encapsulated Control Message",
    15: "Shared Extension",
}

ALGORITHM_NAMES = {0: "none", 1: "HMAC-SHA-1-96", 2: "HMAC-SHA-256-128", 3: "HMAC-SHA-256-HKDF"}

# Offsets inside Map-Register/-Notify/-Ack, shared with auth.py.
KEY_ID_OFFSET = 12
AUTH_DATA_OFFSET = 16


def _type_field(value: int) -> BitField:
    return BitField("type", value, 4)


def _flag(name: str) -> BitField:
    return BitField(name, 0, 1)


def _record_count() -> FieldLenField:
    return FieldLenField("record_count", None, fmt="B", count_of="records")


def _records() -> PacketListField:
    return PacketListField("records", [], LispEidRecord, count_from=lambda pkt: pkt.record_count)


def _authenticated_body() -> list[Any]:
    """Nonce, key, auth data, records and the optional xTR-ID/Site-ID trailer."""

    def has_trailer(pkt: Packet) -> bool:
        return bool(pkt.xtr_id_present)

    return [
        XLongField("nonce", 0),
        ByteField("key_id", 0),
        ByteEnumField("algorithm_id", 0, ALGORITHM_NAMES),
        FieldLenField("auth_data_len", None, fmt="H", length_of="auth_data"),
        StrLenField("auth_data", b"", length_from=lambda pkt: pkt.auth_data_len),
        _records(),
        ConditionalField(XStrFixedLenField("xtr_id", b"\x00" * 16, 16), has_trailer),
        ConditionalField(XLongField("site_id", 0), has_trailer),
    ]


class _LispMessage(Packet):
    def extract_padding(self, s: bytes) -> tuple[bytes, bytes]:
        # Nothing follows a control message in its UDP datagram; keep leftovers visible.
        return b"", s


class LispMapRequest(_LispMessage):
    name = "LISP Map-Request"
    fields_desc: ClassVar[list[Any]] = [
        _type_field(TYPE_MAP_REQUEST),
        _flag("authoritative"),
        _flag("map_data_present"),
        _flag("probe"),
        _flag("smr"),
        _flag("pitr"),
        _flag("smr_invoked"),
        BitField("reserved", 0, 7),
        _flag("local_xtr"),
        _flag("dont_map_reply"),
        # IRC is the ITR-RLOC count minus one: a Map-Request always carries one.
        BitFieldLenField(
            "irc", None, 5, count_of="itr_rlocs", adjust=lambda pkt, count: max(count - 1, 0)
        ),
        _record_count(),
        XLongField("nonce", 0),
        PacketField("source_eid", LispAddressNone(), LispAddress),
        PacketListField("itr_rlocs", [], LispAddress, count_from=lambda pkt: pkt.irc + 1),
        PacketListField("records", [], LispRequestRecord, count_from=lambda pkt: pkt.record_count),
        ConditionalField(
            PacketField("map_reply_record", None, LispEidRecord),
            lambda pkt: bool(pkt.map_data_present),
        ),
    ]


class LispMapReply(_LispMessage):
    name = "LISP Map-Reply"
    fields_desc: ClassVar[list[Any]] = [
        _type_field(TYPE_MAP_REPLY),
        _flag("probe"),
        _flag("echo_nonce"),
        _flag("security"),
        BitField("reserved", 0, 17),
        _record_count(),
        XLongField("nonce", 0),
        _records(),
    ]


class LispMapRegister(_LispMessage):
    name = "LISP Map-Register"
    fields_desc: ClassVar[list[Any]] = [
        _type_field(TYPE_MAP_REGISTER),
        _flag("proxy_reply"),
        _flag("security"),
        _flag("xtr_id_present"),
        BitField("reserved", 0, 12),
        _flag("echo_nonce"),
        _flag("ttl_timeout"),
        _flag("merge_request"),
        _flag("rtr"),
        _flag("want_map_notify"),
        _record_count(),
        *_authenticated_body(),
    ]


class LispMapNotify(_LispMessage):
    name = "LISP Map-Notify"
    fields_desc: ClassVar[list[Any]] = [
        _type_field(TYPE_MAP_NOTIFY),
        _flag("xtr_id_present"),
        _flag("rtr"),
        BitField("reserved", 0, 18),
        _record_count(),
        *_authenticated_body(),
    ]


class LispMapNotifyAck(LispMapNotify):
    name = "LISP Map-Notify-Ack"
    fields_desc: ClassVar[list[Any]] = [
        _type_field(TYPE_MAP_NOTIFY_ACK),
        *LispMapNotify.fields_desc[1:],
    ]


class LispEcm(Packet):
    """Encapsulated Control Message: the payload is an inner IP header, UDP, and a message."""

    name = "LISP Encapsulated Control Message"
    fields_desc: ClassVar[list[Any]] = [
        _type_field(TYPE_ECM),
        _flag("security"),
        _flag("ddt"),
        _flag("e_bit"),
        _flag("m_bit"),
        BitField("reserved", 0, 24),
    ]

    def guess_payload_class(self, payload: bytes) -> type[Packet]:
        version = payload[0] >> 4 if payload else 0
        return {4: IP, 6: IPv6}.get(version, Raw)


class LispUnknownMessage(_LispMessage):
    """A type this layer does not model (Map-Referral, Shared Extension, reserved)."""

    name = "LISP control message (unmodelled type)"
    fields_desc: ClassVar[list[Any]] = [BitField("type", 0, 4), BitField("flags", 0, 28)]

    def extract_padding(self, s: bytes) -> tuple[bytes, bytes]:
        return s, b""


_BY_TYPE: dict[int, type[Packet]] = {
    TYPE_MAP_REQUEST: LispMapRequest,
    TYPE_MAP_REPLY: LispMapReply,
    TYPE_MAP_REGISTER: LispMapRegister,
    TYPE_MAP_NOTIFY: LispMapNotify,
    TYPE_MAP_NOTIFY_ACK: LispMapNotifyAck,
    TYPE_ECM: LispEcm,
}


class LispControl(Packet):
    """What UDP port 4342 carries: dispatches on the type nibble."""

    name = "LISP control message"
    fields_desc: ClassVar[list[Any]] = [BitField("type", 0, 4), BitField("flags", 0, 28)]

    @classmethod
    def dispatch_hook(cls, _pkt: bytes | None = None, *args: Any, **kargs: Any) -> type[Packet]:
        if not _pkt:
            return cls
        return _BY_TYPE.get(_pkt[0] >> 4, LispUnknownMessage)


# Dissection goes through the dispatcher; building any concrete message under
# UDP fills in the control port on both sides.
bind_bottom_up(UDP, LispControl, dport=LISP_CONTROL_PORT)
bind_bottom_up(UDP, LispControl, sport=LISP_CONTROL_PORT)
_bound: list[type[Packet]] = [*_BY_TYPE.values(), LispUnknownMessage]
for _cls in _bound:
    bind_top_down(UDP, _cls, sport=LISP_CONTROL_PORT, dport=LISP_CONTROL_PORT)
