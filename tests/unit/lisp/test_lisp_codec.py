# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Round trips of every message type through encode and decode, with hand-picked values."""

from __future__ import annotations

import ipaddress

import pytest

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.auth import (
    Algorithm,
    verify,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.codec import (
    EcmMessage,
    MapNotifyMessage,
    MapRegisterMessage,
    MapReplyMessage,
    MapRequestMessage,
    decode,
    encode_ecm,
    encode_map_notify,
    encode_map_notify_ack,
    encode_map_notify_for_register,
    encode_map_register,
    encode_map_reply,
    encode_map_request,
    message_type,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.types import (
    Action,
    Eid,
    Mapping,
    Rloc,
)
from ansible_collections.lispnet.ms_recovery.tests.support.lisp_layers import (
    LispMapRegister,
)

ip = ipaddress.ip_address
KEY = b"secret"
XTR_ID = bytes(range(16))

V4 = Mapping(Eid.parse("10.1.0.0/24"), (Rloc.of("127.0.0.2"), Rloc.of("127.0.0.3", priority=2)))
V6 = Mapping(
    Eid.parse("2001:db8:1::/48"),
    (Rloc.of("::1", weight=50, local=True, probed=True, reachable=False),),
    ttl=60,
    map_version=4095,
)
IID = Mapping(Eid.parse("[4100]192.168.7.0/24"), (Rloc.of("fd00::7"),), authoritative=False)
IID6 = Mapping(Eid.parse("[16777215]fd10::/64"), (Rloc.of("127.0.0.9"),))
NEGATIVE = Mapping(
    Eid.parse("[7]10.9.0.0/16"), (), ttl=1, action=Action.NATIVELY_FORWARD, authoritative=False
)
ALL = (V4, V6, IID, IID6, NEGATIVE)


@pytest.mark.parametrize("alg", [Algorithm.NONE, Algorithm.HMAC_SHA_1, Algorithm.HMAC_SHA_256])
@pytest.mark.parametrize("trailer", [False, True])
def test_map_register(alg: Algorithm, trailer: bool) -> None:
    extra = {"xtr_id": XTR_ID, "site_id": 2**64 - 1} if trailer else {}
    data = encode_map_register(
        ALL, key=KEY, key_id=3, algorithm=alg, nonce=2**64 - 1, proxy_reply=True, **extra
    )
    assert message_type(data) == 3
    assert decode(data) == MapRegisterMessage(
        nonce=2**64 - 1,
        key_id=3,
        algorithm=alg,
        records=ALL,
        proxy_reply=True,
        want_map_notify=True,
        xtr_id=XTR_ID if trailer else None,
        site_id=2**64 - 1 if trailer else None,
    )
    assert verify(data, KEY) is (alg != Algorithm.NONE)


def test_map_register_flags_off() -> None:
    data = encode_map_register(
        (V4,), key=KEY, key_id=0, algorithm=Algorithm.HMAC_SHA_1, nonce=1, want_map_notify=False
    )
    message = decode(data)
    assert isinstance(message, MapRegisterMessage)
    assert not message.want_map_notify and not message.proxy_reply
    assert data[:4] == bytes([0x30, 0, 0, 1])


def test_map_register_t_bit() -> None:
    """The T bit (RFC 9301 5.6, "use TTL for timeout") is bit 11 of the first
    word, the one scapy's layer calls ttl_timeout, and decodes back."""
    data = encode_map_register(
        (V4,), key=KEY, key_id=0, algorithm=Algorithm.HMAC_SHA_1, nonce=1, ttl_timeout=True
    )
    assert data[:4] == bytes([0x30, 0, 0x09, 1])
    assert LispMapRegister(data).ttl_timeout == 1
    message = decode(data)
    assert isinstance(message, MapRegisterMessage) and message.ttl_timeout
    plain = decode(encode_map_register((V4,), key=KEY, key_id=0, algorithm=Algorithm.NONE, nonce=1))
    assert isinstance(plain, MapRegisterMessage) and not plain.ttl_timeout


def test_xtr_id_alone_sets_trailer_with_site_zero() -> None:
    data = encode_map_register(
        (V4,), key=KEY, key_id=0, algorithm=Algorithm.HMAC_SHA_1, nonce=1, xtr_id=XTR_ID
    )
    message = decode(data)
    assert isinstance(message, MapRegisterMessage)
    assert (message.xtr_id, message.site_id) == (XTR_ID, 0)


@pytest.mark.parametrize("encoder", [encode_map_notify, encode_map_notify_ack])
@pytest.mark.parametrize("trailer", [False, True])
def test_map_notify_and_ack(encoder: object, trailer: bool) -> None:
    extra = {"xtr_id": XTR_ID, "site_id": 9} if trailer else {}
    data = encoder(ALL, key=KEY, key_id=1, algorithm=Algorithm.HMAC_SHA_256, nonce=5, **extra)  # type: ignore[operator]
    is_ack = encoder is encode_map_notify_ack
    assert message_type(data) == (5 if is_ack else 4)
    assert decode(data) == MapNotifyMessage(
        5,
        1,
        Algorithm.HMAC_SHA_256,
        ALL,
        XTR_ID if trailer else None,
        9 if trailer else None,
        is_ack,
    )
    assert verify(data, KEY, expected=Algorithm.HMAC_SHA_256)


MULTI_RLOC = Mapping(
    Eid.parse("[12]10.3.0.0/16"),
    (Rloc.of("127.0.0.4"), Rloc.of("fd00::4", priority=3), Rloc.of("127.0.0.5", weight=0)),
    ttl=3,
)


@pytest.mark.parametrize("alg", [Algorithm.HMAC_SHA_1, Algorithm.HMAC_SHA_256])
@pytest.mark.parametrize("trailer", [False, True])
@pytest.mark.parametrize(
    "records", [(V4,), (V6, IID6), ALL, (MULTI_RLOC, IID, V4)], ids=["v4", "v6-iid", "all", "rlocs"]
)
def test_map_notify_for_register_equals_encoding_the_records(
    alg: Algorithm, trailer: bool, records: tuple[Mapping, ...]
) -> None:
    extra = {"xtr_id": XTR_ID, "site_id": 2**63 + 5} if trailer else {}
    register = encode_map_register(
        records, key=KEY, key_id=7, algorithm=alg, nonce=2**64 - 2, proxy_reply=True, **extra
    )
    reply = encode_map_notify_for_register(register, key=KEY)
    # The register's P and M bits have no place in a Map-Notify: only I carries over.
    assert reply == encode_map_notify(
        records, key=KEY, key_id=7, algorithm=alg, nonce=2**64 - 2, **extra
    )
    assert verify(reply, KEY, expected=alg)


def test_map_notify_for_register_refuses_other_messages() -> None:
    notify = encode_map_notify((V4,), key=KEY, key_id=0, algorithm=Algorithm.HMAC_SHA_1, nonce=1)
    for data in (notify, notify[:15], encode_map_reply((V4,), nonce=1)):
        with pytest.raises(ValueError):
            encode_map_notify_for_register(data, key=KEY)


@pytest.mark.parametrize("source", [None, Eid.parse("10.1.0.5/32"), Eid.parse("[3]fd00::5/128")])
def test_map_request(source: Eid | None) -> None:
    eids = (Eid.parse("10.2.0.0/24"), Eid.parse("[9]2001:db8::/32"), Eid.parse("0.0.0.0/0"))
    rlocs = (ip("127.0.0.1"), ip("::1"))
    data = encode_map_request(
        eids, nonce=77, itr_rlocs=rlocs, source_eid=source, smr=True, probe=True, authoritative=True
    )
    assert message_type(data) == 1
    assert decode(data) == MapRequestMessage(77, eids, rlocs, source, True, True, True)


def test_map_request_flags_off_and_irc() -> None:
    rlocs = tuple(ip(f"127.0.0.{i}") for i in range(1, 33))
    data = encode_map_request([], nonce=1, itr_rlocs=rlocs)
    assert data[2] & 0x1F == 31
    assert decode(data) == MapRequestMessage(1, (), rlocs, None, False, False, False)


def test_map_request_needs_an_itr_rloc() -> None:
    with pytest.raises(ValueError):
        encode_map_request([], nonce=1, itr_rlocs=[])
    with pytest.raises(ValueError):
        encode_map_request([], nonce=1, itr_rlocs=[ip("127.0.0.1")] * 33)


@pytest.mark.parametrize("probe", [False, True])
def test_map_reply(probe: bool) -> None:
    data = encode_map_reply(ALL, nonce=123456789, probe=probe)
    assert message_type(data) == 2
    assert decode(data) == MapReplyMessage(123456789, ALL, probe)


def test_negative_map_reply_carries_action() -> None:
    data = encode_map_reply((NEGATIVE,), nonce=1)
    # Record starts after the 12-octet header; ACT is the top 3 bits of octet 6.
    assert data[12 + 6] >> 5 == Action.NATIVELY_FORWARD
    assert data[12 + 4] == 0  # locator count


@pytest.mark.parametrize(
    ("src", "dst"), [("127.0.0.1", "127.0.0.2"), ("::1", "fd00::2")], ids=["ipv4", "ipv6"]
)
def test_ecm_around_map_request(src: str, dst: str) -> None:
    inner = encode_map_request(
        [Eid.parse("10.2.0.1/32")], nonce=8, itr_rlocs=[ip("127.0.0.1")], source_eid=None
    )
    data = encode_ecm(inner, src=ip(src), dst=ip(dst), sport=61000)
    assert message_type(data) == 8
    assert decode(data) == EcmMessage(ip(src), ip(dst), 61000, 4342, decode(inner))


def test_ecm_around_map_register_keeps_auth_verifiable() -> None:
    inner = encode_map_register((V4,), key=KEY, key_id=0, algorithm=Algorithm.HMAC_SHA_1, nonce=3)
    data = encode_ecm(inner, src=ip("127.0.0.1"), dst=ip("127.0.0.2"), sport=4342, dport=4342)
    message = decode(data)
    assert isinstance(message, EcmMessage)
    assert message.message == decode(inner)
    assert verify(data[-len(inner) :], KEY)


def test_ecm_refuses_mixed_families() -> None:
    with pytest.raises(ValueError):
        encode_ecm(b"\x10", src=ip("127.0.0.1"), dst=ip("::1"), sport=1)


@pytest.mark.parametrize(
    "bad",
    [
        {"ttl": 2**32},
        {"map_version": 4096},
        {"action": 8},
    ],
)
def test_values_that_do_not_fit_raise(bad: dict[str, int]) -> None:
    mapping = Mapping(V4.eid, **bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        encode_map_reply((mapping,), nonce=1)


def test_out_of_range_header_values_raise() -> None:
    with pytest.raises(ValueError):
        encode_map_reply((), nonce=2**64)
    with pytest.raises(ValueError):
        encode_map_reply((V4,) * 256, nonce=1)
    with pytest.raises(ValueError):
        encode_map_register((), key=KEY, key_id=256, algorithm=Algorithm.NONE, nonce=1)
    with pytest.raises(ValueError):
        encode_map_register((), key=KEY, key_id=0, algorithm=Algorithm.NONE, nonce=1, xtr_id=b"x")
    with pytest.raises(ValueError):
        encode_map_reply((Mapping(V4.eid, (Rloc.of("127.0.0.1", priority=256),)),), nonce=1)


def test_message_type_peek() -> None:
    assert message_type(b"") is None
    assert message_type(b"\xf0") == 15
