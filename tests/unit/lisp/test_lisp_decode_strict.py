# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""decode refuses malformed input with MalformedMessage, and never raises anything else."""

from __future__ import annotations

import contextlib
import ipaddress
import struct

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp import decode as decoder
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.auth import Algorithm
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.codec import (
    MalformedMessage,
    MapRegisterMessage,
    MapReplyMessage,
    decode,
    encode_ecm,
    encode_map_notify,
    encode_map_register,
    encode_map_reply,
    encode_map_request,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.inet import (
    internet_checksum,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.types import (
    Eid,
    Mapping,
    Rloc,
)

ip = ipaddress.ip_address
RECORD = Mapping(Eid.parse("10.1.0.0/24"), (Rloc.of("127.0.0.2"),))
IID_RECORD = Mapping(Eid.parse("[5]10.1.0.0/24"), (Rloc.of("::1"),))
REPLY = encode_map_reply((RECORD,), nonce=1)
# Offsets inside REPLY: 12-octet header, 10-octet record header, EID AFI at 22, RLOC AFI at 34.
EID_AFI, RLOC_AFI = 22, 34
IID_REPLY = encode_map_reply((IID_RECORD,), nonce=1)
REQUEST = encode_map_request(
    [Eid.parse("10.1.0.1/32")], nonce=2, itr_rlocs=[ip("127.0.0.1")], source_eid=None
)
VALID = [
    REPLY,
    IID_REPLY,
    REQUEST,
    encode_map_register(
        (RECORD, IID_RECORD),
        key=b"k",
        key_id=0,
        algorithm=Algorithm.HMAC_SHA_256,
        nonce=3,
        xtr_id=bytes(16),
        site_id=1,
    ),
    encode_map_notify((IID_RECORD,), key=b"k", key_id=0, algorithm=Algorithm.HMAC_SHA_1, nonce=4),
    encode_ecm(REQUEST, src=ip("127.0.0.1"), dst=ip("127.0.0.2"), sport=4342),
    encode_ecm(REQUEST, src=ip("::1"), dst=ip("::2"), sport=4342),
]


def patched(data: bytes, offset: int, new: bytes) -> bytes:
    return data[:offset] + new + data[offset + len(new) :]


def rejects(data: bytes, reason: str) -> None:
    with pytest.raises(MalformedMessage, match=reason):
        decode(data)


@pytest.mark.parametrize("data", VALID)
def test_every_truncation_is_rejected(data: bytes) -> None:
    decode(data)
    for cut in range(len(data)):
        with pytest.raises(MalformedMessage):
            decode(data[:cut])


@pytest.mark.parametrize("data", VALID)
def test_trailing_bytes_are_rejected(data: bytes) -> None:
    with pytest.raises(MalformedMessage):
        decode(data + b"\x00")


@pytest.mark.parametrize("kind", [0, 6, 7, 9, 15])
def test_unknown_types_are_rejected(kind: int) -> None:
    rejects(bytes([kind << 4]) + REPLY[1:], "unsupported message type")


def test_short_input() -> None:
    rejects(b"", "shorter")
    rejects(b"\x20\x00\x00", "shorter")


def test_non_bytes_input() -> None:
    rejects(42, "expected bytes")  # type: ignore[arg-type]
    rejects(None, "expected bytes")  # type: ignore[arg-type]


def test_unknown_afi() -> None:
    rejects(patched(REPLY, EID_AFI, b"\x00\x07"), "unknown AFI 7")
    rejects(patched(REPLY, RLOC_AFI, b"\x40\x03"), "unknown AFI 16387")
    rejects(patched(REPLY, EID_AFI, b"\x00\x00"), "AFI 0")


def test_ipv6_afi_where_bytes_are_ipv4() -> None:
    with pytest.raises(MalformedMessage):
        decode(patched(REPLY, EID_AFI, b"\x00\x02"))


def test_record_count_larger_than_records() -> None:
    rejects(patched(REPLY, 3, b"\x02"), "truncated")


def test_record_count_smaller_than_records() -> None:
    rejects(patched(REPLY, 3, b"\x00"), "trailing")


def test_locator_count_mismatch() -> None:
    rejects(patched(REPLY, 16, b"\x02"), "truncated")
    rejects(patched(REPLY, 16, b"\x00"), "trailing")


def test_mask_length_too_long_or_host_bits() -> None:
    rejects(patched(REPLY, 17, b"\x21"), "bad EID prefix")
    rejects(patched(REPLY, 17, b"\x08"), "bad EID prefix")


def test_lcaf_problems() -> None:
    # IID_REPLY: EID AFI 16387 at 22, LCAF type at 26, length at 28, IID at 30, AFI at 34.
    assert IID_REPLY[22:24] == b"\x40\x03"
    rejects(patched(IID_REPLY, 26, b"\x01"), "unsupported LCAF type 1")
    rejects(patched(IID_REPLY, 28, b"\x00\x0b"), "LCAF length")
    rejects(patched(IID_REPLY, 30, b"\x01"), "wider than 24 bits")
    rejects(patched(IID_REPLY, 34, b"\x40\x03"), "unknown AFI 16387")


def test_auth_length_beyond_message() -> None:
    register = VALID[3]
    rejects(patched(register, 14, b"\xff\xff"), "truncated")


def test_map_request_irc_beyond_rlocs() -> None:
    rejects(patched(REQUEST, 2, b"\x01"), "truncated|unknown AFI")


def _ecm_v4() -> bytes:
    return VALID[5]


def _fix_ip_checksum(data: bytes) -> bytes:
    header = patched(data[4:24], 10, b"\x00\x00")
    return data[:4] + patched(header, 10, struct.pack("!H", internet_checksum(header))) + data[24:]


def test_ecm_bad_inner_headers() -> None:
    ecm = _ecm_v4()
    rejects(patched(ecm, 14, b"\xff\xff"), "IPv4 header checksum")
    rejects(_fix_ip_checksum(patched(ecm, 6, b"\x00\x10")), "total length")
    rejects(_fix_ip_checksum(patched(ecm, 13, b"\x06")), "not UDP")
    rejects(_fix_ip_checksum(patched(ecm, 10, b"\x20\x00")), "fragmented")
    rejects(_fix_ip_checksum(patched(ecm, 4, b"\x44")), "header length")
    rejects(patched(ecm, 4, b"\x55"), "inner IP version 5")
    rejects(patched(ecm, 30, b"\xde\xad"), "UDP checksum")
    rejects(patched(ecm, 28, b"\x00\x09"), "UDP length")
    rejects(ecm[:4], "without inner IP")


def test_ecm_ipv4_without_udp_checksum_is_accepted() -> None:
    decode(patched(_ecm_v4(), 30, b"\x00\x00"))


def test_ecm_ipv6_inner_problems() -> None:
    ecm6 = VALID[6]
    rejects(patched(ecm6, 4 + 40 + 6, b"\x00\x00"), "without checksum")
    rejects(patched(ecm6, 4 + 40 + 6, b"\x12\x34"), "UDP checksum")
    rejects(patched(ecm6, 4 + 4, b"\x00\x01"), "payload length")
    rejects(patched(ecm6, 4 + 6, b"\x3a"), "not UDP")


def test_nested_ecm_is_rejected() -> None:
    outer = encode_ecm(_ecm_v4(), src=ip("127.0.0.1"), dst=ip("127.0.0.2"), sport=4342)
    rejects(outer, "ECM inside an ECM")


FUZZ = settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _decode_or_refuse(data: bytes) -> None:
    with contextlib.suppress(MalformedMessage):
        decode(data)


@FUZZ
@given(st.binary(max_size=300))
def test_random_bytes_never_crash(data: bytes) -> None:
    _decode_or_refuse(data)


@FUZZ
@given(st.sampled_from([1, 2, 3, 4, 5, 8]), st.binary(max_size=300))
def test_random_bodies_of_known_types_never_crash(kind: int, body: bytes) -> None:
    _decode_or_refuse(bytes([kind << 4]) + body)


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(VALID)))
    for _unused in range(draw(st.integers(1, 4))):
        action = draw(st.sampled_from(["flip", "set", "insert", "delete", "cut"]))
        position = draw(st.integers(0, max(len(data) - 1, 0)))
        if action == "flip" and data:
            data[position] ^= 1 << draw(st.integers(0, 7))
        elif action == "set" and data:
            data[position] = draw(st.integers(0, 255))
        elif action == "insert":
            data[position:position] = draw(st.binary(min_size=1, max_size=20))
        elif action == "delete" and data:
            del data[position : position + draw(st.integers(1, 20))]
        elif action == "cut":
            del data[position:]
    return bytes(data)


@FUZZ
@given(mutated())
def test_mutated_valid_messages_never_crash(data: bytes) -> None:
    _decode_or_refuse(data)


CACHES = (decoder._EID_CACHE, decoder._LOCATOR_CACHE, decoder._RECORD_CACHE)


def _clear_caches() -> None:
    for cache in CACHES:
        cache.clear()


def _outcome(data: bytes) -> object:
    try:
        return decode(data, remember=True)
    except MalformedMessage as exc:
        return f"MalformedMessage: {exc}"


@FUZZ
@given(mutated())
def test_cached_decoding_equals_fresh_decoding(data: bytes) -> None:
    # Whatever the caches hold (VALID's records, earlier examples, this one's),
    # decoding gives what it gives with empty caches: same value or same error.
    warm = _outcome(data)
    assert _outcome(data) == warm
    _clear_caches()
    assert _outcome(data) == warm


def test_a_repeated_record_is_decoded_once() -> None:
    first, second = decode(VALID[3], remember=True), decode(VALID[3], remember=True)
    assert isinstance(first, MapRegisterMessage) and isinstance(second, MapRegisterMessage)
    assert first == second
    assert all(a is b for a, b in zip(first.records, second.records, strict=True))


def test_unauthenticated_input_is_never_cached() -> None:
    # Anyone can send distinct datagrams without end: decoding them as they
    # come (no MAC checked yet) must leave nothing behind.
    _clear_caches()
    for data in VALID:
        decode(data)
    assert not any(CACHES)
    decode(VALID[3], remember=True)
    assert all(CACHES)


def test_a_record_too_big_for_the_cache_is_not_cached() -> None:
    _clear_caches()
    rlocs = tuple(Rloc.of(f"127.0.2.{n}") for n in range(1, 60))
    record = Mapping(Eid.parse("10.9.0.0/16"), rlocs)
    decode(encode_map_reply((record,), nonce=1), remember=True)
    assert not decoder._RECORD_CACHE
    assert decoder._EID_CACHE  # its parts are small


@pytest.mark.parametrize(
    "data",
    [patched(REPLY, 17, b"\x08"), patched(IID_REPLY, 28, b"\x00\x0b"), patched(REPLY, 16, b"\x02")],
    ids=["host-bits", "lcaf-length", "locator-count"],
)
def test_malformed_records_are_not_cached(data: bytes) -> None:
    _clear_caches()
    with pytest.raises(MalformedMessage):
        decode(data, remember=True)
    assert not decoder._RECORD_CACHE
    with pytest.raises(MalformedMessage):
        decode(data, remember=True)


def test_caches_stay_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(decoder, "_CACHE_MAX", 4)
    _clear_caches()
    for n in range(20):
        record = Mapping(Eid.parse(f"10.{n}.0.0/16"), (Rloc.of(f"127.0.1.{n}"),))
        message = decode(encode_map_reply((record,), nonce=n), remember=True)
        assert message == MapReplyMessage(n, (record,), False)
    assert all(0 < len(cache) <= 4 for cache in CACHES)
