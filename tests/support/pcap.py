# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Write UDP datagrams to a pcap file so that independent dissectors can read them."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from pathlib import Path

from scapy.layers.inet import IP, UDP
from scapy.layers.inet6 import IPv6
from scapy.layers.l2 import Ether
from scapy.packet import Packet, Raw
from scapy.utils import wrpcap

Datagram = tuple[str, int, str, int, bytes]
"""(source address, source port, destination address, destination port, UDP payload)."""

_START = 1_700_000_000.0


def datagram_packet(src: str, sport: int, dst: str, dport: int, payload: bytes) -> Packet:
    version = ipaddress.ip_address(src).version
    if version != ipaddress.ip_address(dst).version:
        raise ValueError(f"{src} and {dst} differ in IP version")
    network = IP(src=src, dst=dst) if version == 4 else IPv6(src=src, dst=dst)
    # Fixed MACs: scapy would otherwise try ARP/ND lookups and warn. Raw keeps
    # scapy from re-encoding the payload through the LISP layers.
    ether = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")
    return ether / network / UDP(sport=sport, dport=dport) / Raw(load=payload)


def write_pcap(path: str | Path, datagrams: Iterable[Datagram]) -> Path:
    """Write one Ethernet frame per datagram, a millisecond apart; return the path."""
    packets = []
    for index, (src, sport, dst, dport, payload) in enumerate(datagrams):
        packet = datagram_packet(str(src), sport, str(dst), dport, payload)
        packet.time = _START + index / 1000
        packets.append(packet)
    wrpcap(str(path), packets)
    return Path(path)
