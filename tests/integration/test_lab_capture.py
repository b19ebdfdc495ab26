"""Wireshark's dissector reads the lab's own traffic: every message type the lab
sends, captured on the loopback interface, with no malformed packet and no expert
error, and with nonces and EIDs that decode to what was exchanged."""

from __future__ import annotations

import ipaddress
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
from lxml import etree

from ansible_collections.lispnet.ms_recovery.lab.processes import wait_ms_back
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory import (
    load_inventory,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.codec import (
    MapReplyMessage,
    decode,
    encode_ecm,
    encode_map_request,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.nonce import new_nonce
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.types import Eid
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.ietf.rpcs import (
    parse_send_reregistration_reply,
    send_reregistration_rpc,
)
from ansible_collections.lispnet.ms_recovery.tests.support.lab import Lab
from ansible_collections.lispnet.ms_recovery.tests.support.tshark import (
    tshark_fields,
    tshark_problems,
    tshark_test,
)

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120), *tshark_test]

LISP_TYPES = {"1": "Map-Request", "2": "Map-Reply", "3": "Map-Register", "4": "Map-Notify"}


class Capture:
    """tshark writing loopback traffic of one lab subnet to a file, stopped by PID."""

    def __init__(self, pcap: Path, subnet: int) -> None:
        tshark = shutil.which("tshark")
        assert tshark is not None
        self.pcap = pcap
        self.process = subprocess.Popen(
            [
                tshark,
                "-n",
                "-i",
                "lo",
                "-f",
                f"udp port 4342 and net 127.{subnet}.0.0/16",
                "-a",
                "duration:90",
                "-w",
                str(pcap),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 20
        assert self.process.stderr is not None
        for line in self.process.stderr:
            if "Capturing on" in line or time.monotonic() > deadline:
                break
        if self.process.poll() is not None:
            pytest.skip(f"tshark cannot capture on lo here (exit {self.process.returncode})")

    def stop(self) -> None:
        time.sleep(0.5)  # let the last replies reach the capture
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)


def map_request(lab: Lab, eid: Eid) -> MapReplyMessage:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(3.0)
    try:
        me = ipaddress.ip_address("127.0.0.1")
        port = sock.getsockname()[1]
        host = Eid(
            eid.instance_id,
            ipaddress.ip_network(f"{eid.prefix.network_address + 1}/{eid.prefix.max_prefixlen}"),
        )
        nonce = new_nonce()
        inner = encode_map_request([host], nonce=nonce, itr_rlocs=[me])
        sock.sendto(
            encode_ecm(inner, src=me, dst=lab.spec.service_address, sport=port),
            (str(lab.spec.service_address), 4342),
        )
        reply = decode(sock.recvfrom(4096)[0])
        assert isinstance(reply, MapReplyMessage) and reply.nonce == nonce
        return reply
    finally:
        sock.close()


def test_every_message_type_the_lab_sends_decodes_cleanly(lab: Lab, tmp_path: Path) -> None:
    inventory = load_inventory(lab.eids)
    proxied, forwarded = inventory.sites[0], inventory.sites[1]
    capture = Capture(tmp_path / "lab.pcap", lab.spec.subnet)
    try:
        lab.control("reboot", down_for=1.0)
        wait_ms_back(lab.dir, timeout=20)
        negative = map_request(lab, forwarded.eids[0])  # nothing registered yet
        assert negative.records[0].rlocs == ()
        request = etree.tostring(send_reregistration_rpc([], True, 20)).decode()
        with lab.ms_session() as session:
            result = parse_send_reregistration_reply(session.rpc(request))
        assert result.acked == lab.spec.etrs_total
        time.sleep(0.5)
        assert map_request(lab, proxied.eids[0]).records[0].rlocs  # MS proxy-reply
        assert map_request(lab, forwarded.eids[0]).records[0].rlocs  # forwarded to the ETR
    finally:
        capture.stop()

    assert tshark_problems(capture.pcap) == []
    frames = tshark_fields(capture.pcap, ["lisp.type", "lisp.nonce", "lisp.mapping.eid.ipv4"])
    seen = {t for f in frames for t in f["lisp.type"]}
    missing = {name for code, name in LISP_TYPES.items() if code not in seen}
    assert not missing, f"not captured: {missing}"
    assert "8" in seen  # Encapsulated Control Message
    eids_on_wire = {p for f in frames for p in f["lisp.mapping.eid.ipv4"]}
    assert str(forwarded.eids[0].prefix.network_address) in eids_on_wire
