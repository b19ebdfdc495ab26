"""A million hostile datagrams cost the lab's routers no memory.

Unauthenticated input must not be cached (the decoder's caches once filled from
forged Map-Registers: gigabytes at line rate). The datagrams are built to be
as expensive as possible for a router that decodes and caches before it checks
the MAC: every forged Map-Register, Map-Notify and -Ack is distinct, well formed
and names a real site's EID first (ECM Map-Requests cycle through 20,000 EIDs). They go
over loopback to the Map-Server and to an ETR, paced by the receiving sockets'
queues (read from /proc/net/udp) so that the routers really read them, and
each lab process's RSS (from /proc) is compared before and after.
"""

from __future__ import annotations

import ipaddress
import json
import socket
import struct
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ansible_collections.lispnet.ms_recovery.lab import paths
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.codec import (
    encode_ecm,
    encode_map_request,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.types import Eid
from ansible_collections.lispnet.ms_recovery.tests.support.lab import (
    NO_PASSIVE_REFILL,
    running_lab,
)

pytestmark = [pytest.mark.integration, pytest.mark.timeout(600)]

TOTAL = 1_000_000
CHUNK = 2_000
GROWTH_LIMIT = 50 * 1024 * 1024
RECORDS = 8  # per forged register / notify: each one a fresh cache key
QUEUE_LOW = 256 * 1024  # wait until a receiver's queue is below this (octets)
_RECORD = struct.Struct("!IBBHHH4sBBBBHH4s")  # EID-record, IPv4 EID, one IPv4 locator


def _rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"no VmRSS for {pid}")


def _queue(address: str) -> tuple[int, int]:
    """(rx_queue octets, drops) of the UDP socket bound to address:4342."""
    want = f"{int(ipaddress.IPv4Address(address).packed[::-1].hex(), 16):08X}:10F6"
    for line in Path("/proc/net/udp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[1] == want:
            return int(fields[4].split(":")[1], 16), int(fields[-1])
    raise AssertionError(f"no UDP socket on {address}:4342")


_HEADER = 48  # type/flags, nonce, key id, algorithm, auth length, 32-octet MAC
_U16 = struct.Struct("!H")
_U64 = struct.Struct("!Q")


def _template(kind: int, first: Eid) -> bytearray:
    """A Map-Register (3), Map-Notify (4) or -Ack (5) with a forged MAC: a real
    site's EID first, then /32s; _vary makes every copy distinct."""
    word0 = (kind << 28) | (0x100 if kind == 3 else 0) | RECORDS
    parts = [struct.pack("!IQBBH", word0, 0, 0, 2, 32), bytes(32)]
    for n in range(RECORDS):
        if n == 0:
            eid, mask = first.prefix.network_address.packed, first.prefix.prefixlen
        else:
            eid, mask = bytes((10, 200 + n, 0, 0)), 32
        locator = bytes((127, 9, 0, 0))
        parts.append(_RECORD.pack(1440, 1, mask, 0, 0, 1, eid, 1, 100, 255, 0, 4, 1, locator))
    return bytearray(b"".join(parts))


def _vary(template: bytearray, serial: int) -> bytes:
    """Nonce, MAC and every /32 EID and locator of the copy from ``serial``."""
    _U64.pack_into(template, 4, serial)
    _U64.pack_into(template, _HEADER - 8, serial)
    low = serial & 0xFFFF
    for n in range(RECORDS):
        record = _HEADER + n * _RECORD.size
        if n:
            _U16.pack_into(template, record + 14, low)
        _U16.pack_into(template, record + 26, (low + n) & 0xFFFF)
    return bytes(template)


def _requests(itr: str, service: str, count: int = 20_000) -> list[bytes]:
    src, dst = ipaddress.ip_address(itr), ipaddress.ip_address(service)
    out = []
    for serial in range(count):
        eid = Eid.parse(f"10.{240 + serial % 10}.{serial >> 8 & 255}.{serial & 255}/32")
        inner = encode_map_request([eid], nonce=serial, itr_rlocs=[src])
        out.append(encode_ecm(inner, src=src, dst=dst, sport=4342))
    return out


def _hostile(
    ms_eid: Eid, etr_eid: Eid, itr: str, service: str, etr: str
) -> Iterator[tuple[bytes, str]]:
    register, ack, notify = _template(3, ms_eid), _template(5, ms_eid), _template(4, etr_eid)
    requests = _requests(itr, service)
    for serial in range(TOTAL):
        roll = serial % 10
        if roll < 5:
            yield _vary(register, serial), service
        elif roll < 6:
            yield requests[serial % len(requests)], service
        elif roll < 7:
            yield _vary(ack, serial), service
        else:
            yield _vary(notify, serial), etr


def _wait_drained(addresses: list[str]) -> None:
    deadline = time.monotonic() + 30.0
    while time.monotonic() < deadline:
        if all(_queue(a)[0] < QUEUE_LOW for a in addresses):
            return
        time.sleep(0.005)


def test_a_million_hostile_datagrams_cost_no_process_50_mb(tmp_path: Path) -> None:
    with running_lab(tmp_path / "lab", sites=5, register_interval=NO_PASSIVE_REFILL) as lab:
        pids = {k: int(v) for k, v in json.loads(paths.pids(lab.dir).read_text()).items()}
        service = str(lab.spec.service_address)
        etr = str(lab.spec.etr_address(0))
        itr = str(lab.spec.host(250, 66))
        targets = [service, etr]
        drops_before = {a: _queue(a)[1] for a in targets}
        before = {name: _rss(pid) for name, pid in pids.items()}

        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as attacker:
            attacker.bind((itr, 4342))
            eids = lab.spec.site_eids(0)
            for n, (data, address) in enumerate(_hostile(eids[0], eids[0], itr, service, etr)):
                try:
                    attacker.sendto(data, (address, 4342))
                except BlockingIOError:
                    pass
                if n % CHUNK == CHUNK - 1:
                    _wait_drained(targets)
            _wait_drained(targets)

        after = {name: _rss(pid) for name, pid in pids.items()}
        dropped = sum(_queue(a)[1] - drops_before[a] for a in targets)
        # The routers really read them: the kernel dropped only a few.
        assert dropped < TOTAL // 10, dropped
        growth = {name: after[name] - before[name] for name in pids}
        assert all(g <= GROWTH_LIMIT for g in growth.values()), growth
        # And the table is untouched: nothing forged got registered.
        assert lab.registered() == {
            eid: frozenset({lab.spec.etr_address(s)})
            for s in range(lab.spec.sites)
            for eid in lab.spec.site_eids(s)
        }
