# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Wire bytes to decoded messages: strict, and never raising anything but MalformedMessage.

A hand-written reader rather than scapy dissection, because scapy is lenient
by design (it stops quietly when bytes run out and turns errors into Raw
layers), and because the Map-Server decodes every Map-Register it receives.
"""

from __future__ import annotations

import ipaddress
import struct
from collections.abc import Callable
from typing import TypeVar

from .auth import Algorithm
from .encode import REGISTER_TTL_TIMEOUT_BIT
from .inet import parse_ip_udp
from .model import (
    EcmMessage,
    LispMessage,
    MalformedMessage,
    MapNotifyMessage,
    MapRegisterMessage,
    MapReplyMessage,
    MapRequestMessage,
)
from .types import Eid, IPAddress, Mapping, Rloc

AFI_NONE = 0
AFI_IPV4 = 1
AFI_IPV6 = 2
AFI_LCAF = 16387
LCAF_INSTANCE_ID = 2
XTR_ID_LENGTH = 16

_U16 = struct.Struct("!H")
_U32 = struct.Struct("!I")
_U64 = struct.Struct("!Q")
_RECORD = struct.Struct("!IBBHH")
_LOCATOR = struct.Struct("!BBBBH")
_LCAF = struct.Struct("!BBBBH")
_AUTH_HEADER = struct.Struct("!IQBBH")
_HEADER = struct.Struct("!IQ")
_REQUEST_RECORD = struct.Struct("!BB")
_KNOWN_ALGORITHMS = {int(a): a for a in Algorithm}
_Key = TypeVar("_Key")
_Value = TypeVar("_Value")


class _Reader:
    """A cursor over the message that reports running out as MalformedMessage.

    ``remember``: values decoded here may enter the caches below. Only for
    bytes whose MAC the caller has verified: unauthenticated input must not
    cost memory (anyone can send distinct datagrams without end).
    """

    __slots__ = ("data", "pos", "remember")

    def __init__(self, data: bytes, remember: bool = False) -> None:
        self.data = data
        self.pos = 0
        self.remember = remember

    def unpack(self, fmt: struct.Struct, what: str) -> tuple[int, ...]:
        end = self.pos + fmt.size
        if end > len(self.data):
            raise MalformedMessage(f"truncated {what}")
        values = fmt.unpack_from(self.data, self.pos)
        self.pos = end
        return values

    def take(self, length: int, what: str) -> bytes:
        end = self.pos + length
        if end > len(self.data):
            raise MalformedMessage(f"truncated {what}")
        chunk = self.data[self.pos : end]
        self.pos = end
        return chunk

    def finish(self) -> None:
        if self.pos != len(self.data):
            raise MalformedMessage(f"{len(self.data) - self.pos} trailing bytes")


def _plain(reader: _Reader, afi: int, what: str) -> IPAddress:
    if afi == AFI_IPV4:
        return ipaddress.IPv4Address(reader.take(4, what))
    if afi == AFI_IPV6:
        return ipaddress.IPv6Address(reader.take(16, what))
    raise MalformedMessage(f"unknown AFI {afi} in {what}")


def _rloc_address(reader: _Reader, what: str) -> IPAddress:
    (afi,) = reader.unpack(_U16, what)
    return _plain(reader, afi, what)


def _eid_address(reader: _Reader, what: str) -> tuple[int, IPAddress] | None:
    """(instance-id, address) of an EID, or None for AFI 0."""
    (afi,) = reader.unpack(_U16, what)
    if afi == AFI_NONE:
        return None
    if afi != AFI_LCAF:
        return 0, _plain(reader, afi, what)
    _reserved, _flags, lcaf_type, _iid_mask_len, length = reader.unpack(_LCAF, what)
    if lcaf_type != LCAF_INSTANCE_ID:
        raise MalformedMessage(f"unsupported LCAF type {lcaf_type} in {what}")
    start = reader.pos
    (iid_field,) = reader.unpack(_U32, what)
    if iid_field >> 24:
        raise MalformedMessage(f"instance-id {iid_field:#x} wider than 24 bits in {what}")
    (inner_afi,) = reader.unpack(_U16, what)
    address = _plain(reader, inner_afi, what)
    if reader.pos - start != length:
        raise MalformedMessage(f"LCAF length {length} does not match its contents in {what}")
    return iid_field, address


# Values decoded before, by their exact encoding (authenticated input only, see
# _Reader). A Map-Server decodes the same
# EID-records in every periodic Map-Register and in every Map-Notify-Ack of a
# recovery: building ip_network, IPv4Address and the dataclasses again was most
# of its time at 10,000 ETRs. Only encodings that once decoded without error
# (and consumed exactly the cached bytes) are cached, and every cached value is
# immutable, so a cache hit is exactly what a fresh decode would return.
_CACHE_MAX = 1 << 17
# A bigger encoding is decoded every time: an ETR's record is a few dozen
# octets, and the cache's memory stays bounded by entries times this size.
_CACHE_KEY_MAX = 160
_EID_CACHE: dict[tuple[bytes, int], Eid] = {}
_LOCATOR_CACHE: dict[bytes, Rloc] = {}
_RECORD_CACHE: dict[bytes, Mapping] = {}
_PLAIN_SIZE = {AFI_IPV4: 6, AFI_IPV6: 18}  # AFI included
_LCAF_HEADER_SIZE = 8  # AFI included; the LCAF length field counts what follows


def _remember(reader: _Reader, cache: dict[_Key, _Value], key: _Key, value: _Value) -> None:
    if not reader.remember:
        return
    # Cleared rather than evicted one by one: simpler, and refilling is cheap.
    if len(cache) >= _CACHE_MAX:
        cache.clear()
    cache[key] = value


def _plain_size(data: bytes, pos: int) -> int | None:
    """Octets of the IPv4/IPv6 address (AFI included) at ``pos``, or None."""
    if pos + 2 > len(data):
        return None
    size = _PLAIN_SIZE.get(data[pos] << 8 | data[pos + 1])
    if size is None or pos + size > len(data):
        return None
    return size


def _eid_size(data: bytes, pos: int) -> int | None:
    """Octets of the EID address (AFI included, maybe an LCAF) at ``pos``, or None."""
    size = _plain_size(data, pos)
    if size is not None:
        return size
    if pos + _LCAF_HEADER_SIZE > len(data) or data[pos] << 8 | data[pos + 1] != AFI_LCAF:
        return None
    size = _LCAF_HEADER_SIZE + (data[pos + 6] << 8 | data[pos + 7])
    return size if pos + size <= len(data) else None


def _locator_size(data: bytes, pos: int) -> int | None:
    size = _plain_size(data, pos + _LOCATOR.size)
    return None if size is None else _LOCATOR.size + size


def _record_size(data: bytes, pos: int) -> int | None:
    """Octets of the EID-record at ``pos`` as its AFIs and counts say, or None."""
    end = pos + _RECORD.size
    if end > len(data):
        return None
    size = _eid_size(data, end)
    if size is None:
        return None
    end += size
    for _index in range(data[pos + 4]):  # the locator count
        size = _locator_size(data, end)
        if size is None:
            return None
        end += size
    return end - pos


def _eid(reader: _Reader, mask_len: int, what: str) -> Eid:
    data, start = reader.data, reader.pos
    size = _eid_size(data, start)
    key = None if size is None or size > _CACHE_KEY_MAX else (data[start : start + size], mask_len)
    if key is not None:
        cached = _EID_CACHE.get(key)
        if cached is not None:
            reader.pos += len(key[0])
            return cached
    found = _eid_address(reader, what)
    if found is None:
        raise MalformedMessage(f"AFI 0 where an EID prefix is required in {what}")
    instance_id, address = found
    # From the integer: given an address object, ipaddress formats it as text
    # and parses that again (most of a Map-Notify-Ack's decoding at 10,000 ETRs).
    network = ipaddress.IPv4Network if address.version == 4 else ipaddress.IPv6Network
    try:
        eid = Eid(instance_id, network((int(address), mask_len)))
    except ValueError as exc:
        raise MalformedMessage(f"bad EID prefix in {what}: {exc}") from None
    if key is not None and reader.pos - start == len(key[0]):
        _remember(reader, _EID_CACHE, key, eid)
    return eid


def _locator(reader: _Reader) -> Rloc:
    data, start = reader.data, reader.pos
    size = _locator_size(data, start)
    key = None if size is None or size > _CACHE_KEY_MAX else data[start : start + size]
    if key is not None:
        cached = _LOCATOR_CACHE.get(key)
        if cached is not None:
            reader.pos += len(key)
            return cached
    priority, weight, m_priority, m_weight, flags = reader.unpack(_LOCATOR, "RLOC-record")
    rloc = Rloc(
        _rloc_address(reader, "RLOC-record"),
        priority=priority,
        weight=weight,
        m_priority=m_priority,
        m_weight=m_weight,
        local=bool(flags & 0x4),
        probed=bool(flags & 0x2),
        reachable=bool(flags & 0x1),
    )
    if key is not None and reader.pos - start == len(key):
        _remember(reader, _LOCATOR_CACHE, key, rloc)
    return rloc


def _record(reader: _Reader) -> Mapping:
    # The whole record first: an ETR sends the same records every time, so
    # this one lookup usually stands for the EID and every locator below.
    data, start = reader.data, reader.pos
    size = _record_size(data, start)
    key = None if size is None or size > _CACHE_KEY_MAX else data[start : start + size]
    if key is not None:
        cached = _RECORD_CACHE.get(key)
        if cached is not None:
            reader.pos += len(key)
            return cached
    mapping = _fresh_record(reader)
    if key is not None and reader.pos - start == len(key):
        _remember(reader, _RECORD_CACHE, key, mapping)
    return mapping


def _fresh_record(reader: _Reader) -> Mapping:
    ttl, locator_count, mask_len, word, version_word = reader.unpack(_RECORD, "EID-record")
    eid = _eid(reader, mask_len, "EID-record")
    rlocs = tuple(_locator(reader) for _index in range(locator_count))
    return Mapping(
        eid,
        rlocs,
        ttl=ttl,
        action=word >> 13,
        authoritative=bool(word & 0x1000),
        map_version=version_word & 0x0FFF,
    )


def _records(reader: _Reader, count: int) -> tuple[Mapping, ...]:
    return tuple(_record(reader) for _index in range(count))


def _authenticated(
    reader: _Reader, has_trailer: bool, unflagged_trailer: bytes | None = None
) -> tuple[int, int, Algorithm | int, tuple[Mapping, ...], bytes | None, int | None]:
    word0, nonce, key_id, alg, auth_length = reader.unpack(_AUTH_HEADER, "header")
    reader.take(auth_length, "authentication data")
    records = _records(reader, word0 & 0xFF)
    xtr_id: bytes | None = None
    site_id: int | None = None
    if not has_trailer and unflagged_trailer is not None:
        # lispers.net appends the register's xTR-ID and Site-ID to its
        # Map-Notify without the I bit: taken exactly when it is ours.
        has_trailer = reader.data[reader.pos :] == unflagged_trailer
    if has_trailer:
        xtr_id = reader.take(XTR_ID_LENGTH, "xTR-ID")
        (site_id,) = reader.unpack(_U64, "Site-ID")
    reader.finish()
    return nonce, key_id, _KNOWN_ALGORITHMS.get(alg, alg), records, xtr_id, site_id


def _map_register(data: bytes, remember: bool, trailer: bytes | None) -> MapRegisterMessage:
    word0 = _U32.unpack_from(data)[0]
    nonce, key_id, alg, records, xtr_id, site_id = _authenticated(
        _Reader(data, remember), bool(word0 & 0x02000000)
    )
    return MapRegisterMessage(
        nonce=nonce,
        key_id=key_id,
        algorithm=alg,
        records=records,
        proxy_reply=bool(word0 & 0x08000000),
        want_map_notify=bool(word0 & 0x100),
        xtr_id=xtr_id,
        site_id=site_id,
        ttl_timeout=bool(word0 & REGISTER_TTL_TIMEOUT_BIT),
    )


def _map_notify(data: bytes, remember: bool, trailer: bytes | None) -> MapNotifyMessage:
    word0 = _U32.unpack_from(data)[0]
    nonce, key_id, alg, records, xtr_id, site_id = _authenticated(
        _Reader(data, remember), bool(word0 & 0x08000000), trailer
    )
    is_ack = data[0] >> 4 == 5
    return MapNotifyMessage(nonce, key_id, alg, records, xtr_id, site_id, is_ack)


def _map_request(data: bytes, remember: bool, trailer: bytes | None) -> MapRequestMessage:
    reader = _Reader(data, remember)
    word0, nonce = reader.unpack(_HEADER, "header")
    source = _eid_address(reader, "source EID")
    source_eid = None
    if source is not None:
        source_eid = Eid(source[0], ipaddress.ip_network(source[1]))
    itr_rlocs = tuple(
        _rloc_address(reader, "ITR-RLOC") for _index in range(((word0 >> 8) & 0x1F) + 1)
    )
    eids = []
    for _index in range(word0 & 0xFF):
        _reserved, mask_len = reader.unpack(_REQUEST_RECORD, "Map-Request record")
        eids.append(_eid(reader, mask_len, "Map-Request record"))
    if word0 & 0x04000000:
        # The M bit appends the requester's own mapping; nobody here needs it,
        # but it must parse for the length check to mean anything.
        _record(reader)
    reader.finish()
    return MapRequestMessage(
        nonce=nonce,
        eids=tuple(eids),
        itr_rlocs=itr_rlocs,
        source_eid=source_eid,
        smr=bool(word0 & 0x01000000),
        probe=bool(word0 & 0x02000000),
        authoritative=bool(word0 & 0x08000000),
    )


def _map_reply(data: bytes, remember: bool, trailer: bytes | None) -> MapReplyMessage:
    reader = _Reader(data, remember)
    word0, nonce = reader.unpack(_HEADER, "header")
    records = _records(reader, word0 & 0xFF)
    reader.finish()
    return MapReplyMessage(nonce, records, probe=bool(word0 & 0x08000000))


def _ecm(data: bytes, remember: bool, trailer: bytes | None) -> EcmMessage:
    src, dst, sport, dport, inner = parse_ip_udp(data[4:])
    if message_type(inner) == 8:
        raise MalformedMessage("ECM inside an ECM")
    message = _decode(inner, remember, None)
    if isinstance(message, EcmMessage):  # ruled out above, before decoding it
        raise MalformedMessage("ECM inside an ECM")
    return EcmMessage(src, dst, sport, dport, message)


def message_type(data: bytes) -> int | None:
    """The type nibble, or None for an empty datagram."""
    return data[0] >> 4 if data else None


_Decoder = Callable[[bytes, bool, "bytes | None"], LispMessage]
_DECODERS: dict[int, _Decoder] = {
    1: _map_request,
    2: _map_reply,
    3: _map_register,
    4: _map_notify,
    5: _map_notify,
    8: _ecm,
}


def _decode(data: bytes, remember: bool, trailer: bytes | None) -> LispMessage:
    if len(data) < 4:
        raise MalformedMessage("shorter than a LISP control header")
    kind = data[0] >> 4
    decoder = _DECODERS.get(kind)
    if decoder is None:
        raise MalformedMessage(f"unsupported message type {kind}")
    return decoder(data, remember, trailer)


def first_record_eid(data: bytes) -> Eid:
    """The EID of the first record of a Map-Register, Map-Notify or -Ack, read
    without decoding the rest or caching anything: what a Map-Server needs to
    find the site whose key must authenticate the message before it spends
    more on it."""
    try:
        reader = _Reader(bytes(data))
        word0, _nonce, _key_id, _algorithm, auth_length = reader.unpack(_AUTH_HEADER, "header")
        if not word0 & 0xFF:
            raise MalformedMessage("no EID-record")
        reader.take(auth_length, "authentication data")
        _ttl, _locators, mask_len, _flags, _version = reader.unpack(_RECORD, "EID-record")
        return _eid(reader, mask_len, "EID-record")
    except MalformedMessage:
        raise
    except Exception as exc:
        raise MalformedMessage(f"undecodable: {type(exc).__name__}: {exc}") from None


def register_trailer(xtr_id: bytes, site_id: int) -> bytes:
    """The xTR-ID + Site-ID trailer of a Map-Register, as its bytes."""
    return xtr_id + _U64.pack(site_id)


def decode(
    data: bytes, *, remember: bool = False, sent_trailer: bytes | None = None
) -> LispMessage:
    """Decode one LISP control message (the UDP payload). Does not check authentication.

    ``remember``: the caller has verified the MAC of ``data``, so its values
    may be cached for the next decode of the same encodings (a Map-Server
    decodes the same records in every periodic Map-Register). Never for
    unauthenticated input. ``sent_trailer``: the xTR-ID + Site-ID this node put
    in its Map-Register (:func:`register_trailer`); a Map-Notify that carries
    exactly these 24 octets at its end without the I bit (lispers.net) is
    accepted with them. Any other leftover is malformed.
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise MalformedMessage(f"expected bytes, got {type(data).__name__}")
    try:
        return _decode(bytes(data), remember, sent_trailer)
    except MalformedMessage:
        raise
    except Exception as exc:
        # Whatever slipped past the checks above, callers get one exception type.
        raise MalformedMessage(f"undecodable: {type(exc).__name__}: {exc}") from None
