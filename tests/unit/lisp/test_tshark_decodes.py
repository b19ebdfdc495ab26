# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Wireshark's LISP dissector, an independent implementation, reads what the codec writes."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.auth import (
    AUTH_DATA_OFFSET,
    Algorithm,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.codec import (
    encode_ecm,
    encode_map_notify,
    encode_map_notify_ack,
    encode_map_register,
    encode_map_reply,
    encode_map_request,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.types import (
    Action,
    Eid,
    Mapping,
    Rloc,
)
from ansible_collections.lispnet.ms_recovery.tests.support.pcap import write_pcap
from ansible_collections.lispnet.ms_recovery.tests.support.tshark import (
    tshark_fields,
    tshark_problems,
    tshark_test,
)

pytestmark = tshark_test

ip = ipaddress.ip_address
KEY = b"tshark-check"
XTR_ID = bytes.fromhex("00112233445566778899aabbccddeeff")
REGISTERED = (
    Mapping(
        Eid.parse("10.1.0.0/24"), (Rloc.of("127.0.0.2"), Rloc.of("::2", priority=2, weight=50))
    ),
    Mapping(Eid.parse("[42]fd00:1::/48"), (Rloc.of("127.0.0.3", local=True),), ttl=3),
    Mapping(Eid.parse("[16777215]192.168.0.0/16"), (Rloc.of("fd00::3"),)),
    Mapping(Eid.parse("2001:db8:5::/48"), (Rloc.of("127.0.0.4", reachable=False),), map_version=7),
)
REPLIED = (
    REGISTERED[0],
    Mapping(
        Eid.parse("[7]10.9.0.0/16"), (), ttl=1, action=Action.NATIVELY_FORWARD, authoritative=False
    ),
    Mapping(Eid.parse("2001:db8:9::/48"), (), ttl=15, action=Action.DROP, authoritative=False),
)
REQUESTED = (Eid.parse("10.1.0.9/32"), Eid.parse("[42]fd00:1::9/128"))
ITR_RLOCS = (ip("127.0.0.1"), ip("::1"))
SOURCE = Eid.parse("[42]10.3.0.1/32")


@dataclass
class Sent:
    """One datagram and the LISP fields tshark must find in it."""

    payload: bytes
    src: str = "127.0.0.1"
    dst: str = "127.0.0.2"
    sport: int = 4342
    expect: dict[str, list[str]] = field(default_factory=dict)


def records_fields(records: tuple[Mapping, ...]) -> dict[str, list[str]]:
    def plain(version: int) -> list[str]:
        return [
            str(m.eid.prefix.network_address)
            for m in records
            if m.eid.instance_id == 0 and m.eid.prefix.version == version
        ]

    def in_iid(version: int) -> list[str]:
        return [
            str(m.eid.prefix.network_address)
            for m in records
            if m.eid.instance_id and m.eid.prefix.version == version
        ]

    rlocs = [r for m in records for r in m.rlocs]
    return {
        "lisp.records": [str(len(records))],
        "lisp.mapping.ttl": [str(m.ttl) for m in records],
        "lisp.mapping.loccnt": [str(len(m.rlocs)) for m in records],
        "lisp.mapping.eid.masklen": [str(m.eid.prefix.prefixlen) for m in records],
        "lisp.mapping.act": [str(m.action) for m in records],
        "lisp.mapping.auth": [flag(m.authoritative) for m in records],
        "lisp.mapping.ver": [str(m.map_version) for m in records],
        "lisp.mapping.eid.ipv4": plain(4),
        "lisp.mapping.eid.ipv6": plain(6),
        "lisp.lcaf.iid": [str(m.eid.instance_id) for m in records if m.eid.instance_id],
        "lisp.lcaf.iid.ipv4": in_iid(4),
        "lisp.lcaf.iid.ipv6": in_iid(6),
        "lisp.loc.locator": [str(r.address) for r in rlocs],
        "lisp.loc.priority": [str(r.priority) for r in rlocs],
        "lisp.loc.weight": [str(r.weight) for r in rlocs],
        "lisp.loc.flags.local": [flag(r.local) for r in rlocs],
        "lisp.loc.flags.reach": [flag(r.reachable) for r in rlocs],
    }


def flag(value: bool) -> str:
    return "1" if value else "0"


def auth_fields(payload: bytes, key_id: int, alg: Algorithm, length: int) -> dict[str, list[str]]:
    return {
        # tshark 4.0 still reads the pre-RFC 9301 16-bit Key ID: key id and algorithm id.
        "lisp.keyid": [f"0x{(key_id << 8) | alg:04x}"],
        "lisp.authlen": [str(length)],
        "lisp.auth": [payload[AUTH_DATA_OFFSET : AUTH_DATA_OFFSET + length].hex()],
    }


def build() -> list[Sent]:
    sent = []
    register1 = encode_map_register(
        REGISTERED,
        key=KEY,
        key_id=1,
        algorithm=Algorithm.HMAC_SHA_1,
        nonce=0x0102030405060708,
        xtr_id=XTR_ID,
        site_id=0x1234,
    )
    sent.append(
        Sent(
            register1,
            expect={
                "lisp.type": ["3"],
                "lisp.nonce": ["0x0102030405060708"],
                "lisp.mreg.flags.xtrid": ["1"],
                "lisp.mreg.flags.wmn": ["1"],
                "lisp.mreg.flags.pmr": ["0"],
                "lisp.xtrid": [XTR_ID.hex()],
                "lisp.siteid": [f"{0x1234:016x}"],
                **auth_fields(register1, 1, Algorithm.HMAC_SHA_1, 20),
                **records_fields(REGISTERED),
            },
        )
    )
    register2 = encode_map_register(
        REGISTERED[1:],
        key=KEY,
        key_id=0,
        algorithm=Algorithm.HMAC_SHA_256,
        nonce=2**64 - 1,
        want_map_notify=False,
        proxy_reply=True,
        ttl_timeout=True,  # a bridge withdrawal's T bit: tshark counts it as reserved
    )
    sent.append(
        Sent(
            register2,
            src="::1",
            dst="::2",
            expect={
                "lisp.type": ["3"],
                "lisp.nonce": ["0xffffffffffffffff"],
                "lisp.mreg.flags.xtrid": ["0"],
                "lisp.mreg.flags.wmn": ["0"],
                "lisp.mreg.flags.pmr": ["1"],
                **auth_fields(register2, 0, Algorithm.HMAC_SHA_256, 32),
                **records_fields(REGISTERED[1:]),
            },
        )
    )
    notify = encode_map_notify(
        REGISTERED,
        key=KEY,
        key_id=2,
        algorithm=Algorithm.HMAC_SHA_256,
        nonce=77,
        xtr_id=XTR_ID,
        site_id=9,
    )
    sent.append(
        Sent(
            notify,
            src="::1",
            dst="::2",
            expect={
                "lisp.type": ["4"],
                "lisp.nonce": [f"0x{77:016x}"],
                "lisp.mnot.flags.xtrid": ["1"],
                "lisp.xtrid": [XTR_ID.hex()],
                "lisp.siteid": [f"{9:016x}"],
                **auth_fields(notify, 2, Algorithm.HMAC_SHA_256, 32),
                **records_fields(REGISTERED),
            },
        )
    )
    ack = encode_map_notify_ack(
        REGISTERED[:2], key=KEY, key_id=0, algorithm=Algorithm.HMAC_SHA_1, nonce=77
    )
    # tshark 4.0 has no Map-Notify-Ack dissector (it shows "Unknown (5)"). RFC 9301
    # gives the Ack the Map-Notify layout, so the same bytes retyped as 4 check it.
    sent.append(Sent(ack, expect={"lisp.type": ["5"]}))
    as_notify = bytes([0x40 | (ack[0] & 0x0F)]) + ack[1:]
    sent.append(
        Sent(
            as_notify,
            expect={
                "lisp.type": ["4"],
                "lisp.nonce": [f"0x{77:016x}"],
                "lisp.mnot.flags.xtrid": ["0"],
                **auth_fields(ack, 0, Algorithm.HMAC_SHA_1, 20),
                **records_fields(REGISTERED[:2]),
            },
        )
    )
    request = encode_map_request(
        REQUESTED,
        nonce=0xABCDEF,
        itr_rlocs=ITR_RLOCS,
        source_eid=SOURCE,
        smr=True,
    )
    request_fields = {
        "lisp.nonce": [f"0x{0xABCDEF:016x}"],
        "lisp.records": ["2"],
        "lisp.irc": ["1"],
        "lisp.mreq.flags.smr": ["1"],
        "lisp.mreq.flags.probe": ["0"],
        "lisp.mreq.flags.auth": ["0"],
        "lisp.mreq.itr_rloc_ipv4": ["127.0.0.1"],
        "lisp.mreq.itr_rloc_ipv6": ["::1"],
        "lisp.mreq.record.prefix.length": ["32", "128"],
        "lisp.mreq.record.prefix.ipv4": ["10.1.0.9"],
        "lisp.lcaf.iid": ["42", "42"],
        "lisp.lcaf.iid.ipv4": ["10.3.0.1"],
        "lisp.lcaf.iid.ipv6": ["fd00:1::9"],
    }
    sent.append(Sent(request, expect={"lisp.type": ["1"], **request_fields}))
    reply = encode_map_reply(REPLIED, nonce=5, probe=True)
    sent.append(
        Sent(
            reply,
            expect={
                "lisp.type": ["2"],
                "lisp.nonce": [f"0x{5:016x}"],
                "lisp.mrep.flags.probe": ["1"],
                **records_fields(REPLIED),
            },
        )
    )
    for src, dst in (("127.0.0.1", "127.0.0.2"), ("::1", "::2")):
        ecm = encode_ecm(request, src=ip(src), dst=ip(dst), sport=61000)
        sent.append(
            Sent(
                ecm,
                src=src,
                dst=dst,
                sport=61000,
                expect={
                    "lisp.type": ["8", "1"],
                    **request_fields,
                    "ip.src" if ":" not in src else "ipv6.src": [src, src],
                    "udp.srcport": ["61000", "61000"],
                    "udp.dstport": ["4342", "4342"],
                },
            )
        )
    return sent


@pytest.fixture(scope="module")
def capture(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Sent]]:
    sent = build()
    path = tmp_path_factory.mktemp("tshark") / "lisp.pcap"
    write_pcap(path, [(s.src, s.sport, s.dst, 4342, s.payload) for s in sent])
    return path, sent


def test_no_malformed_packets_or_expert_warnings(capture: tuple[Path, list[Sent]]) -> None:
    path, _unused = capture
    assert tshark_problems(path) == []


def test_fields_decode_to_what_was_sent(capture: tuple[Path, list[Sent]]) -> None:
    path, sent = capture
    names = sorted({name for s in sent for name in s.expect})
    frames = tshark_fields(path, names)
    assert len(frames) == len(sent)
    mismatches = []
    for number, (frame, datagram) in enumerate(zip(frames, sent, strict=True), start=1):
        for name, expected in datagram.expect.items():
            got = [value.replace(":", "") if name in _HEX else value for value in frame[name]]
            if got != expected:
                mismatches.append(f"frame {number} {name}: sent {expected}, tshark {got}")
    assert mismatches == []


_HEX = {"lisp.auth", "lisp.xtrid", "lisp.siteid"}


def test_problem_detector_sees_broken_packets(tmp_path: Path) -> None:
    # Without this, an empty problem list could just mean the detector is blind.
    truncated = encode_map_reply(REPLIED, nonce=1)[:-3]
    path = write_pcap(tmp_path / "bad.pcap", [("127.0.0.1", 4342, "127.0.0.2", 4342, truncated)])
    problems = tshark_problems(path)
    assert problems and all(p.startswith("frame 1:") for p in problems)
