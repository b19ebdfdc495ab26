# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The inner IPv4/IPv6 + UDP headers of an Encapsulated Control Message.

Built by hand rather than with scapy because the codec is on the Map-Server's
hot path; the tests check the result against scapy and tshark.
"""

from __future__ import annotations

import ipaddress
import struct

from .model import MalformedMessage
from .types import IPAddress

UDP_PROTOCOL = 17
_IPV4_HEADER = struct.Struct("!BBHHHBBH4s4s")
_IPV6_HEADER = struct.Struct("!IHBB16s16s")
_UDP_HEADER = struct.Struct("!HHHH")
_DEFAULT_HOP_LIMIT = 64
_MORE_FRAGMENTS_OR_OFFSET = 0x3FFF


def internet_checksum(data: bytes) -> int:
    """RFC 1071 one's-complement checksum."""
    if len(data) % 2:
        data += b"\x00"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total > 0xFFFF:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def _pseudo_header(src: IPAddress, dst: IPAddress, udp_length: int) -> bytes:
    if src.version == 4:
        return src.packed + dst.packed + struct.pack("!BBH", 0, UDP_PROTOCOL, udp_length)
    return src.packed + dst.packed + struct.pack("!I3xB", udp_length, UDP_PROTOCOL)


def build_ip_udp(payload: bytes, src: IPAddress, dst: IPAddress, sport: int, dport: int) -> bytes:
    if src.version != dst.version:
        raise ValueError(f"inner source {src} and destination {dst} differ in IP version")
    for port in (sport, dport):
        if not 0 <= port <= 0xFFFF:
            raise ValueError(f"UDP port {port} out of range")
    udp_length = _UDP_HEADER.size + len(payload)
    udp = _UDP_HEADER.pack(sport, dport, udp_length, 0) + payload
    # A computed checksum of zero is sent as all ones: zero means "none" in IPv4.
    csum = internet_checksum(_pseudo_header(src, dst, udp_length) + udp) or 0xFFFF
    udp = udp[:6] + csum.to_bytes(2, "big") + udp[8:]
    if src.version == 6:
        word0 = 6 << 28
        header = _IPV6_HEADER.pack(
            word0, udp_length, UDP_PROTOCOL, _DEFAULT_HOP_LIMIT, src.packed, dst.packed
        )
        return header + udp
    total = _IPV4_HEADER.size + udp_length
    if total > 0xFFFF:
        raise ValueError("inner packet too long for IPv4")
    header = _IPV4_HEADER.pack(
        0x45, 0, total, 0, 0, _DEFAULT_HOP_LIMIT, UDP_PROTOCOL, 0, src.packed, dst.packed
    )
    header = header[:10] + internet_checksum(header).to_bytes(2, "big") + header[12:]
    return header + udp


def parse_ip_udp(data: bytes) -> tuple[IPAddress, IPAddress, int, int, bytes]:
    """(src, dst, sport, dport, payload) of an unfragmented IP/UDP packet, checksums checked."""
    if not data:
        raise MalformedMessage("ECM without inner IP header")
    version = data[0] >> 4
    src: IPAddress
    dst: IPAddress
    if version == 4:
        if len(data) < _IPV4_HEADER.size:
            raise MalformedMessage("truncated inner IPv4 header")
        header_length = (data[0] & 0x0F) * 4
        _ihl, _tos, total, _ident, frag, _ttl, proto, _sum, src_b, dst_b = _IPV4_HEADER.unpack_from(
            data
        )
        if header_length < _IPV4_HEADER.size or len(data) < header_length:
            raise MalformedMessage("bad inner IPv4 header length")
        if total != len(data):
            raise MalformedMessage("inner IPv4 total length does not match the bytes")
        if frag & _MORE_FRAGMENTS_OR_OFFSET:
            raise MalformedMessage("fragmented inner IPv4 packet")
        if internet_checksum(data[:header_length]) != 0:
            raise MalformedMessage("bad inner IPv4 header checksum")
        src, dst = ipaddress.IPv4Address(src_b), ipaddress.IPv4Address(dst_b)
        udp = data[header_length:]
    elif version == 6:
        if len(data) < _IPV6_HEADER.size:
            raise MalformedMessage("truncated inner IPv6 header")
        _flow, payload_length, proto, _hop_limit, src_b, dst_b = _IPV6_HEADER.unpack_from(data)
        if payload_length != len(data) - _IPV6_HEADER.size:
            raise MalformedMessage("inner IPv6 payload length does not match the bytes")
        src, dst = ipaddress.IPv6Address(src_b), ipaddress.IPv6Address(dst_b)
        udp = data[_IPV6_HEADER.size :]
    else:
        raise MalformedMessage(f"inner IP version {version}")
    if proto != UDP_PROTOCOL:
        raise MalformedMessage(f"inner protocol {proto} is not UDP")
    if len(udp) < _UDP_HEADER.size:
        raise MalformedMessage("truncated inner UDP header")
    sport, dport, udp_length, csum = _UDP_HEADER.unpack_from(udp)
    if udp_length != len(udp):
        raise MalformedMessage("inner UDP length does not match the bytes")
    # IPv4 allows "no checksum" (zero); IPv6 does not.
    if csum == 0 and version == 6:
        raise MalformedMessage("inner UDP over IPv6 without checksum")
    if csum and internet_checksum(_pseudo_header(src, dst, udp_length) + udp):
        raise MalformedMessage("bad inner UDP checksum")
    return src, dst, sport, dport, udp[_UDP_HEADER.size :]
