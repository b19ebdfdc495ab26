# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Domain values to wire bytes, in one pass with ``struct``.

The layout is the one the scapy layers in ``layers/`` describe; the tests
build the same messages with those layers and compare bytes. Values that do
not fit their field raise ValueError instead of being truncated silently.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Sequence

from . import auth
from .auth import Algorithm
from .inet import build_ip_udp
from .types import Eid, IPAddress, Mapping, Rloc

AFI_NONE = 0
AFI_LCAF = 16387
LCAF_INSTANCE_ID = 2
TYPE_MAP_REQUEST = 1
TYPE_MAP_REPLY = 2
TYPE_MAP_REGISTER = 3
TYPE_MAP_NOTIFY = 4
TYPE_MAP_NOTIFY_ACK = 5
TYPE_ECM = 8
MAX_ITR_RLOCS = 32
XTR_ID_LENGTH = 16
# The I bit (xTR-ID and Site-ID trailer present) sits in a different place in
# a Map-Register and in a Map-Notify / Map-Notify-Ack.
REGISTER_TRAILER_BIT = 1 << 25
NOTIFY_TRAILER_BIT = 1 << 27
# Map-Register T bit, "use TTL for timeout" (RFC 9301 section 5.6).
REGISTER_TTL_TIMEOUT_BIT = 1 << 11
_RECORD_COUNT_MASK = 0xFF

_RECORD = struct.Struct("!IBBHH")
_LOCATOR = struct.Struct("!BBBBH")
_LCAF_IID = struct.Struct("!HBBBBHI")
_AUTH_HEADER = struct.Struct("!IQBBH")
_REQUEST_HEADER = struct.Struct("!IQ")
_WORD = struct.Struct("!I")


def _fits(value: int, bits: int, what: str) -> int:
    if not 0 <= value < (1 << bits):
        raise ValueError(f"{what} {value} does not fit in {bits} bits")
    return value


def _plain_address(address: IPAddress) -> bytes:
    return struct.pack("!H", 1 if address.version == 4 else 2) + address.packed


def _eid_address(instance_id: int, address: IPAddress) -> bytes:
    plain = _plain_address(address)
    if instance_id == 0:
        # Instance 0 is the default VPN: a bare AFI keeps such EIDs readable by
        # implementations that never learned LCAF.
        return plain
    length = 4 + len(plain)
    return _LCAF_IID.pack(AFI_LCAF, 0, 0, LCAF_INSTANCE_ID, 0, length, instance_id) + plain


def _locator(rloc: Rloc) -> bytes:
    flags = (rloc.local << 2) | (rloc.probed << 1) | int(rloc.reachable)
    head = _LOCATOR.pack(
        _fits(rloc.priority, 8, "priority"),
        _fits(rloc.weight, 8, "weight"),
        _fits(rloc.m_priority, 8, "multicast priority"),
        _fits(rloc.m_weight, 8, "multicast weight"),
        flags,
    )
    return head + _plain_address(rloc.address)


def _record(mapping: Mapping) -> bytes:
    eid = mapping.eid
    word = (_fits(mapping.action, 3, "action") << 13) | (int(mapping.authoritative) << 12)
    head = _RECORD.pack(
        _fits(mapping.ttl, 32, "record TTL"),
        _fits(len(mapping.rlocs), 8, "locator count"),
        eid.prefix.prefixlen,
        word,
        _fits(mapping.map_version, 12, "map-version"),
    )
    parts = [head, _eid_address(eid.instance_id, eid.prefix.network_address)]
    parts.extend(_locator(rloc) for rloc in mapping.rlocs)
    return b"".join(parts)


def record_length(mapping: Mapping) -> int:
    """Octets ``mapping`` takes as an EID-record: for packing records into
    messages of a given size without encoding each message twice."""
    return len(_record(mapping))


def authenticated_header_length(algorithm: Algorithm) -> int:
    """Octets of a Map-Register / Map-Notify before its first EID-record."""
    return _AUTH_HEADER.size + auth.digest_length(algorithm)


def _records(records: Sequence[Mapping]) -> bytes:
    _fits(len(records), 8, "record count")
    return b"".join(_record(m) for m in records)


def _trailer(xtr_id: bytes | None, site_id: int | None) -> bytes:
    if xtr_id is None and site_id is None:
        return b""
    xtr = bytes(XTR_ID_LENGTH) if xtr_id is None else bytes(xtr_id)
    if len(xtr) != XTR_ID_LENGTH:
        raise ValueError(f"xTR-ID must be {XTR_ID_LENGTH} octets, got {len(xtr)}")
    return xtr + struct.pack("!Q", _fits(site_id or 0, 64, "site-id"))


def _authenticated(
    word0: int,
    records: Sequence[Mapping],
    key: bytes,
    key_id: int,
    algorithm: Algorithm,
    nonce: int,
    trailer: bytes,
) -> bytes:
    if algorithm not in (Algorithm.NONE, Algorithm.HMAC_SHA_1, Algorithm.HMAC_SHA_256):
        raise ValueError(f"cannot sign with authentication algorithm {algorithm}")
    auth_length = auth.digest_length(algorithm)
    body = _records(records)
    head = _AUTH_HEADER.pack(
        word0 | len(records),
        _fits(nonce, 64, "nonce"),
        _fits(key_id, 8, "key-id"),
        algorithm,
        auth_length,
    )
    message = head + bytes(auth_length) + body + trailer
    return auth.seal(message, key)


def encode_map_register(
    records: Sequence[Mapping],
    *,
    key: bytes,
    key_id: int,
    algorithm: Algorithm,
    nonce: int,
    want_map_notify: bool = True,
    proxy_reply: bool = False,
    xtr_id: bytes | None = None,
    site_id: int | None = None,
    ttl_timeout: bool = False,
) -> bytes:
    """A sealed Map-Register; giving ``xtr_id`` or ``site_id`` sets the I bit,
    ``ttl_timeout`` the T bit."""
    trailer = _trailer(xtr_id, site_id)
    word0 = (TYPE_MAP_REGISTER << 28) | (int(proxy_reply) << 27) | (int(want_map_notify) << 8)
    if trailer:
        word0 |= REGISTER_TRAILER_BIT
    if ttl_timeout:
        word0 |= REGISTER_TTL_TIMEOUT_BIT
    return _authenticated(word0, records, key, key_id, algorithm, nonce, trailer)


def _notify(
    message_type: int,
    records: Sequence[Mapping],
    key: bytes,
    key_id: int,
    algorithm: Algorithm,
    nonce: int,
    xtr_id: bytes | None,
    site_id: int | None,
) -> bytes:
    trailer = _trailer(xtr_id, site_id)
    word0 = (message_type << 28) | (NOTIFY_TRAILER_BIT if trailer else 0)
    return _authenticated(word0, records, key, key_id, algorithm, nonce, trailer)


def encode_map_notify(
    records: Sequence[Mapping],
    *,
    key: bytes,
    key_id: int,
    algorithm: Algorithm,
    nonce: int,
    xtr_id: bytes | None = None,
    site_id: int | None = None,
) -> bytes:
    return _notify(TYPE_MAP_NOTIFY, records, key, key_id, algorithm, nonce, xtr_id, site_id)


def encode_map_notify_for_register(register: bytes, *, key: bytes) -> bytes:
    """The Map-Notify that answers a Map-Register with the M bit, built from its bytes.

    RFC 9301 has that Map-Notify carry the Map-Register's nonce and
    EID-records, so they are copied rather than decoded and encoded again
    (the Map-Server's cost per registration): only the first word changes, to
    the Map-Notify type, the I bit and the record count, and the MAC is
    recomputed with ``key``. The key-id, algorithm and xTR-ID/Site-ID trailer
    are kept. For a Map-Register this codec wrote, the result is byte for byte
    ``encode_map_notify(records, ...)`` of its decoded values; from another
    implementation, reserved bits inside the records come back as it sent them.

    ``register`` must already have been authenticated with ``key`` (auth.verify):
    ValueError when it is not a Map-Register, or its auth data length does not
    fit its algorithm.
    """
    if len(register) < auth.AUTH_DATA_OFFSET or register[0] >> 4 != TYPE_MAP_REGISTER:
        raise ValueError("not a Map-Register")
    (word0,) = _WORD.unpack_from(register)
    notify_word0 = (TYPE_MAP_NOTIFY << 28) | (word0 & _RECORD_COUNT_MASK)
    if word0 & REGISTER_TRAILER_BIT:
        notify_word0 |= NOTIFY_TRAILER_BIT
    return auth.seal(_WORD.pack(notify_word0) + register[_WORD.size :], key)


def encode_map_notify_ack(
    records: Sequence[Mapping],
    *,
    key: bytes,
    key_id: int,
    algorithm: Algorithm,
    nonce: int,
    xtr_id: bytes | None = None,
    site_id: int | None = None,
) -> bytes:
    return _notify(TYPE_MAP_NOTIFY_ACK, records, key, key_id, algorithm, nonce, xtr_id, site_id)


def _request_records(eids: Iterable[Eid]) -> bytes:
    return b"".join(
        struct.pack("!BB", 0, eid.prefix.prefixlen)
        + _eid_address(eid.instance_id, eid.prefix.network_address)
        for eid in eids
    )


def encode_map_request(
    eids: Sequence[Eid],
    *,
    nonce: int,
    itr_rlocs: Sequence[IPAddress],
    source_eid: Eid | None = None,
    smr: bool = False,
    probe: bool = False,
    authoritative: bool = False,
) -> bytes:
    """A Map-Request; ``source_eid`` travels as its address (the wire has no mask-len)."""
    if not 1 <= len(itr_rlocs) <= MAX_ITR_RLOCS:
        raise ValueError(f"a Map-Request carries 1..{MAX_ITR_RLOCS} ITR-RLOCs")
    word0 = (
        (TYPE_MAP_REQUEST << 28)
        | (int(authoritative) << 27)
        | (int(probe) << 25)
        | (int(smr) << 24)
        | ((len(itr_rlocs) - 1) << 8)
        | _fits(len(eids), 8, "record count")
    )
    if source_eid is None:
        source = struct.pack("!H", AFI_NONE)
    else:
        source = _eid_address(source_eid.instance_id, source_eid.prefix.network_address)
    parts = [_REQUEST_HEADER.pack(word0, _fits(nonce, 64, "nonce")), source]
    parts.extend(_plain_address(rloc) for rloc in itr_rlocs)
    parts.append(_request_records(eids))
    return b"".join(parts)


def encode_map_reply(records: Sequence[Mapping], *, nonce: int, probe: bool = False) -> bytes:
    body = _records(records)
    word0 = (TYPE_MAP_REPLY << 28) | (int(probe) << 27) | len(records)
    return _REQUEST_HEADER.pack(word0, _fits(nonce, 64, "nonce")) + body


def encode_ecm(
    inner: bytes, *, src: IPAddress, dst: IPAddress, sport: int, dport: int = 4342
) -> bytes:
    """Wrap an encoded control message in an ECM with inner IP and UDP headers."""
    return struct.pack("!I", TYPE_ECM << 28) + build_ip_udp(inner, src, dst, sport, dport)
