# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""AFI-tagged LISP addresses (RFC 9301 uses RFC 1700 AFIs; LCAF is RFC 8060).

``LispAddress`` is never instantiated itself: its ``dispatch_hook`` looks at
the AFI (and for LCAF at the LCAF type) and hands the bytes to the class that
knows that encoding, so any field holding an address can simply name
``LispAddress``.
"""

from __future__ import annotations

from typing import Any, ClassVar

from scapy.fields import (
    ByteEnumField,
    ByteField,
    IP6Field,
    IPField,
    PacketField,
    ShortEnumField,
    ShortField,
    StrLenField,
    X3BytesField,
)
from scapy.packet import Packet

AFI_NONE = 0
AFI_IPV4 = 1
AFI_IPV6 = 2
AFI_LCAF = 16387
LCAF_INSTANCE_ID = 2

AFI_NAMES = {AFI_NONE: "none", AFI_IPV4: "IPv4", AFI_IPV6: "IPv6", AFI_LCAF: "LCAF"}
LCAF_TYPE_NAMES = {LCAF_INSTANCE_ID: "Instance ID"}

# The LCAF header after the AFI: Rsvd1, Flags, Type, Rsvd2, Length(16).
LCAF_HEADER_LEN = 6


class LispAddress(Packet):
    """Dispatcher: pick the concrete address class from the leading AFI."""

    name = "LISP address"
    fields_desc: ClassVar[list[Any]] = [ShortEnumField("afi", AFI_NONE, AFI_NAMES)]

    @classmethod
    def dispatch_hook(cls, _pkt: bytes | None = None, *args: Any, **kargs: Any) -> type[Packet]:
        if not _pkt or len(_pkt) < 2:
            return cls
        afi = int.from_bytes(_pkt[:2], "big")
        if afi == AFI_LCAF:
            if len(_pkt) >= 5 and _pkt[4] == LCAF_INSTANCE_ID:
                return LispLcafInstanceId
            return LispLcafOther
        return _BY_AFI.get(afi, LispAddressUnknown)

    def extract_padding(self, s: bytes) -> tuple[bytes, bytes]:
        # An address never has a payload: what follows belongs to the enclosing record.
        return b"", s


class LispAddressNone(LispAddress):
    name = "LISP address (no address)"
    fields_desc: ClassVar[list[Any]] = [ShortEnumField("afi", AFI_NONE, AFI_NAMES)]


class LispAddressIPv4(LispAddress):
    name = "LISP IPv4 address"
    fields_desc: ClassVar[list[Any]] = [
        ShortEnumField("afi", AFI_IPV4, AFI_NAMES),
        IPField("address", "0.0.0.0"),
    ]


class LispAddressIPv6(LispAddress):
    name = "LISP IPv6 address"
    fields_desc: ClassVar[list[Any]] = [
        ShortEnumField("afi", AFI_IPV6, AFI_NAMES),
        IP6Field("address", "::"),
    ]


class LispAddressUnknown(LispAddress):
    """An AFI this layer cannot size: dissection of the enclosing message stops making sense."""

    name = "LISP address (unknown AFI)"
    fields_desc: ClassVar[list[Any]] = [ShortEnumField("afi", 0xFFFF, AFI_NAMES)]


def _lcaf_header(lcaf_type: int, rsvd2_name: str) -> list[Any]:
    return [
        ShortEnumField("afi", AFI_LCAF, AFI_NAMES),
        ByteField("rsvd1", 0),
        ByteField("flags", 0),
        ByteEnumField("lcaf_type", lcaf_type, LCAF_TYPE_NAMES),
        ByteField(rsvd2_name, 0),
        ShortField("length", None),
    ]


class _LcafBase(LispAddress):
    def post_build(self, pkt: bytes, pay: bytes) -> bytes:
        if self.length is None:
            body = len(pkt) - 2 - LCAF_HEADER_LEN
            pkt = pkt[:6] + body.to_bytes(2, "big") + pkt[8:]
        return pkt + pay


class LispLcafInstanceId(_LcafBase):
    """Instance-ID LCAF (type 2): 24-bit IID in a 32-bit field, then an AFI address."""

    name = "LISP Instance-ID LCAF"
    fields_desc: ClassVar[list[Any]] = [
        *_lcaf_header(LCAF_INSTANCE_ID, "iid_mask_len"),
        ByteField("iid_reserved", 0),
        X3BytesField("instance_id", 0),
        PacketField("address", LispAddressIPv4(), LispAddress),
    ]


class LispLcafOther(_LcafBase):
    """Any other LCAF type, kept as opaque bytes so that a capture still dissects."""

    name = "LISP LCAF (opaque)"
    fields_desc: ClassVar[list[Any]] = [
        *_lcaf_header(0, "rsvd2"),
        StrLenField("body", b"", length_from=lambda pkt: pkt.length or 0),
    ]


_BY_AFI: dict[int, type[Packet]] = {
    AFI_NONE: LispAddressNone,
    AFI_IPV4: LispAddressIPv4,
    AFI_IPV6: LispAddressIPv6,
}
