# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Text forms of leaf values that need more than str(): xTR-IDs, EIDs, flags
(times: model/times.py)."""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import socket
from collections.abc import Iterable

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.types import (
    Eid,
    IPAddress,
    IPNetwork,
)

_XTR_ID_LENGTH = 16

# ietf-lisp auth-algorithm identities <-> the EID inventory's algorithm names.
_ALGORITHM_IDENTITIES = {
    "none": "no-auth-algorithm",
    "hmac-sha-1": "hmac-sha-1-96-none",
    "hmac-sha-256": "hmac-sha-256-128-none",
}
_ALGORITHM_NAMES = {identity: name for name, identity in _ALGORITHM_IDENTITIES.items()}


def source_xtr_id(source: IPAddress, port: int) -> bytes:
    """The 16 octets that key a registration without xTR-ID: its source address
    and port, hashed (the draft's xtr-id is binary(16) and says nothing of
    registrations without one; the lab's servers key them so, as IOS-XE keys
    its etr-registrations by source address and port)."""
    return hashlib.blake2b(f"{source} {port}".encode(), digest_size=_XTR_ID_LENGTH).digest()


def format_xtr_key(xtr_id: bytes | None, source: IPAddress | None, port: int) -> str:
    """The mapping-record key (ietf-lisp xtr-id-type: binary, base64 in XML):
    the xTR-ID, or ``source_xtr_id`` when there is none."""
    if xtr_id is None:
        if source is None:
            raise ValueError("a registration without xTR-ID needs its source as the key")
        xtr_id = source_xtr_id(source, port)
    if len(xtr_id) != _XTR_ID_LENGTH:
        raise ValueError(f"xTR-ID must be 16 octets, got {len(xtr_id)}")
    return base64.b64encode(xtr_id).decode("ascii")


def registrant_xtr_id(xtr_id: bytes, source: IPAddress | None, port: int) -> bytes | None:
    """A record's xTR-ID, or None when the server keyed it by its source (the
    Map-Register carried none): only a server that tells the source (the
    lispnet-ms-recovery augment) lets the two be told apart; without it the
    key is the server's own and stays an opaque xTR-ID."""
    if source is not None and xtr_id == source_xtr_id(source, port):
        return None
    return xtr_id


def parse_xtr_key(text: str) -> bytes:
    """The 16 octets of an xtr-id leaf (base64)."""
    try:
        value = base64.b64decode(text.strip(), validate=True)
    except ValueError:
        raise ValueError(f"xtr-id {text!r} is not base64") from None
    if len(value) != _XTR_ID_LENGTH:
        raise ValueError(f"xtr-id {text!r} is {len(value)} octets, not 16")
    return value


def mapping_key(eid: Eid) -> str:
    """A mapping's eid-id: ietf-lisp-address-types id-type allows letters,
    digits and ``-_.:`` only, so ``[iid]prefix`` becomes ``iid-address-length``.
    Readers take the EID from eid-address, never from this key."""
    prefix = eid.prefix
    return f"{eid.instance_id}-{prefix.network_address}-{prefix.prefixlen}"


def locator_key(address: IPAddress) -> str:
    """A locator's locator-id: its address text, with a leading 0 where the
    text would begin with ':' (id-type must begin with a letter or digit)."""
    text = str(address)
    return f"0{text}" if text.startswith(":") else text


def identity_name(text: str | None) -> str:
    """An identityref value without its prefix (``laddr:ipv4-afi`` -> ``ipv4-afi``)."""
    return (text or "").strip().rpartition(":")[2]


def algorithm_identity(algorithm: str) -> str:
    """The ietf-lisp identity (without prefix) of an EID inventory algorithm."""
    return _ALGORITHM_IDENTITIES[algorithm]


def algorithm_name(identities: Iterable[str]) -> str | None:
    """The EID inventory algorithm of an auth-algorithm-id leaf-list: the first
    value it knows; None when it knows none."""
    for value in identities:
        name = _ALGORITHM_NAMES.get(identity_name(value))
        if name is not None:
            return name
    return None


def key_id_number(text: str | None) -> int:
    """An auth-key-id (ietf-lisp-address-types id-type, text) as the 8-bit Key
    ID of the messages; 0 when the server names its key otherwise."""
    text = (text or "").strip()
    return int(text) if text.isdigit() and int(text) < 256 else 0


def parse_bits(text: str | None) -> frozenset[str]:
    """The names set in a YANG bits value (space-separated)."""
    return frozenset((text or "").split())


def network(text: str) -> IPNetwork:
    """ipaddress.ip_network, strict, ~5x faster: the stdlib parses IPv4 octets
    in Python, which dominates reading a 50,000-entry table."""
    address, _slash, length = text.partition("/")
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
