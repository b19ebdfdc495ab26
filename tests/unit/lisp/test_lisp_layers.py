# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Captured bytes dissect into the scapy layers once the package's layers are imported."""

from __future__ import annotations

import ipaddress

import pytest
from scapy.layers.inet import IP, UDP
from scapy.layers.inet6 import IPv6
from scapy.packet import Packet, Padding, Raw

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.auth import Algorithm
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.codec import (
    decode,
    encode_ecm,
    encode_map_notify,
    encode_map_notify_ack,
    encode_map_register,
    encode_map_reply,
    encode_map_request,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.types import (
    Eid,
    Mapping,
    Rloc,
)
from ansible_collections.lispnet.ms_recovery.tests.support.lisp_layers import (
    LispAddressIPv4,
    LispAddressIPv6,
    LispControl,
    LispEcm,
    LispLcafInstanceId,
    LispMapNotify,
    LispMapNotifyAck,
    LispMapRegister,
    LispMapReply,
    LispMapRequest,
    LispUnknownMessage,
)
from ansible_collections.lispnet.ms_recovery.tests.unit.lisp import scapy_build

ip = ipaddress.ip_address
RECORDS = (
    Mapping(Eid.parse("[42]10.1.0.0/24"), (Rloc.of("127.0.0.2"), Rloc.of("::2", priority=7))),
    Mapping(Eid.parse("2001:db8::/32"), (), action=3, ttl=15),
)
REQUEST = encode_map_request(
    [Eid.parse("10.1.0.9/32")],
    nonce=0xABCDEF,
    itr_rlocs=[ip("127.0.0.1")],
    source_eid=Eid.parse("[42]10.3.0.1/32"),
)
AUTH = {"key": b"k", "key_id": 2, "algorithm": Algorithm.HMAC_SHA_256, "nonce": 99}
MESSAGES: list[tuple[bytes, type[Packet]]] = [
    (REQUEST, LispMapRequest),
    (encode_map_reply(RECORDS, nonce=5), LispMapReply),
    (encode_map_register(RECORDS, xtr_id=b"\x01" * 16, site_id=3, **AUTH), LispMapRegister),  # type: ignore[arg-type]
    (encode_map_notify(RECORDS, **AUTH), LispMapNotify),  # type: ignore[arg-type]
    (encode_map_notify_ack(RECORDS, **AUTH), LispMapNotifyAck),  # type: ignore[arg-type]
    (encode_ecm(REQUEST, src=ip("127.0.0.1"), dst=ip("127.0.0.2"), sport=4342), LispEcm),
]


def over_udp(payload: bytes, sport: int = 4342, dport: int = 4342) -> Packet:
    return IP(bytes(IP(src="127.0.0.1", dst="127.0.0.2") / UDP(sport=sport, dport=dport) / payload))


@pytest.mark.parametrize(("payload", "layer"), MESSAGES, ids=lambda v: getattr(v, "__name__", ""))
def test_captured_bytes_dissect_into_layers(payload: bytes, layer: type[Packet]) -> None:
    for sport, dport in ((4342, 4342), (61000, 4342), (4342, 61000)):
        packet = over_udp(payload, sport, dport)
        assert layer in packet
        assert bytes(packet[layer]) == payload
        assert Raw not in packet and Padding not in packet


def test_register_fields_dissect_to_what_was_sent() -> None:
    packet = over_udp(MESSAGES[2][0])[LispMapRegister]
    assert (packet.nonce, packet.key_id, packet.algorithm_id) == (99, 2, 2)
    assert packet.auth_data_len == 32 and packet.want_map_notify == 1
    assert packet.xtr_id_present == 1 and packet.xtr_id == b"\x01" * 16 and packet.site_id == 3
    first, second = packet.records
    assert isinstance(first.eid, LispLcafInstanceId)
    assert first.eid.instance_id == 42 and first.eid.address.address == "10.1.0.0"
    assert [type(loc.locator) for loc in first.locators] == [LispAddressIPv4, LispAddressIPv6]
    assert first.locators[1].priority == 7
    assert second.locator_count == 0 and second.act == 3 and second.eid.address == "2001:db8::"


def test_ecm_inner_packet_dissects() -> None:
    packet = over_udp(MESSAGES[5][0])
    assert IP in packet[LispEcm].payload
    inner = packet[LispEcm][LispMapRequest]
    assert inner.nonce == 0xABCDEF and inner.source_eid.instance_id == 42
    v6 = encode_ecm(REQUEST, src=ip("::1"), dst=ip("::2"), sport=4342)
    assert IPv6 in over_udp(v6)[LispEcm]
    assert LispMapRequest in over_udp(v6)


def test_unmodelled_type_still_dissects() -> None:
    packet = over_udp(b"\x60\x00\x00\x00" + bytes(8))
    assert LispUnknownMessage in packet


def test_dispatcher_picks_class_from_type_nibble() -> None:
    assert isinstance(LispControl(REQUEST), LispMapRequest)
    assert isinstance(LispControl(MESSAGES[4][0]), LispMapNotifyAck)


def test_building_under_udp_sets_control_port() -> None:
    udp = UDP(bytes(UDP() / LispMapReply(nonce=1)))
    assert (udp.sport, udp.dport) == (4342, 4342)
    assert LispMapReply in udp


def test_map_request_with_map_reply_record_decodes() -> None:
    # The M bit appends the requester's own mapping: the codec must parse past it.
    base = LispMapRequest(REQUEST)
    with_record = LispMapRequest(
        map_data_present=1,
        nonce=base.nonce,
        source_eid=base.source_eid,
        itr_rlocs=base.itr_rlocs,
        records=base.records,
        map_reply_record=scapy_build.eid_record(RECORDS[0]),
    )
    message = decode(bytes(with_record))
    assert message == decode(REQUEST)
