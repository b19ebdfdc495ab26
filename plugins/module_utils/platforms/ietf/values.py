# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Text forms of leaf values that need more than str(): xTR-IDs, EIDs, flags
(times: model/times.py)."""

from __future__ import annotations

import ipaddress
import socket

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.types import (
    Eid,
    IPAddress,
    IPNetwork,
)

_XTR_SOURCE_PREFIX = "src-"


def format_xtr_key(xtr_id: bytes | None, source: IPAddress | None, port: int) -> str:
    """The mapping-record key: the xTR-ID, or the source address and port when
    there is none (the MS then tells registrations apart by where they come
    from, as IOS-XE keys its etr-registrations by source address and port)."""
    if xtr_id is None:
        if source is None:
            raise ValueError("a registration without xTR-ID needs its source as the key")
        return f"{_XTR_SOURCE_PREFIX}{source}:{port}"
    if len(xtr_id) != 16:
        raise ValueError(f"xTR-ID must be 16 octets, got {len(xtr_id)}")
    return xtr_id.hex()


def parse_xtr_key(text: str) -> bytes | None:
    if text.startswith(_XTR_SOURCE_PREFIX):
        return None
    return bytes.fromhex(text)


def network(text: str) -> IPNetwork:
    """ipaddress.ip_network, strict, ~5x faster: the stdlib parses IPv4 octets
    in Python, which dominates reading a 50,000-entry table."""
    address, _, length = text.partition("/")
    try:
        if ":" in address:
            value = int.from_bytes(socket.inet_pton(socket.AF_INET6, address), "big")
            return ipaddress.IPv6Network((value, int(length or 128)))
        value = int.from_bytes(socket.inet_pton(socket.AF_INET, address), "big")
        return ipaddress.IPv4Network((value, int(length or 32)))
    except OSError:
        raise ValueError(f"{text!r} is not an IP prefix") from None


def eid_from_parts(instance_id: int, prefix: str) -> Eid:
    return Eid(instance_id, network(prefix))


def format_nonce(nonce: int) -> str:
    return f"{nonce:016x}"


def parse_bool(text: str | None) -> bool:
    return text == "true"


def format_bool(value: bool) -> str:
    return "true" if value else "false"
