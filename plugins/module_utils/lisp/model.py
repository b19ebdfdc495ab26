# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Decoded LISP control messages as frozen dataclasses (what ``codec.decode`` returns)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias

from .auth import Algorithm
from .types import Eid, IPAddress, Mapping


class MalformedMessage(ValueError):
    """The bytes are not a well-formed LISP control message this package understands."""


@dataclass(frozen=True)
class MapRegisterMessage:
    nonce: int
    key_id: int
    # An Algorithm when the id is known, else the raw number (auth.verify refuses it).
    algorithm: Algorithm | int
    records: tuple[Mapping, ...]
    proxy_reply: bool
    want_map_notify: bool
    xtr_id: bytes | None
    site_id: int | None
    # T bit (RFC 9301 section 5.6): time the registration out by its records'
    # TTL instead of the Map-Server's default timeout (section 8.2).
    ttl_timeout: bool = False


@dataclass(frozen=True)
class MapNotifyMessage:
    nonce: int
    key_id: int
    algorithm: Algorithm | int
    records: tuple[Mapping, ...]
    xtr_id: bytes | None
    site_id: int | None
    is_ack: bool


@dataclass(frozen=True)
class MapRequestMessage:
    nonce: int
    eids: tuple[Eid, ...]
    itr_rlocs: tuple[IPAddress, ...]
    # A host prefix (/32 or /128): the wire carries an address, not a prefix.
    source_eid: Eid | None
    smr: bool
    probe: bool
    authoritative: bool


@dataclass(frozen=True)
class MapReplyMessage:
    nonce: int
    records: tuple[Mapping, ...]
    probe: bool


@dataclass(frozen=True)
class EcmMessage:
    inner_src: IPAddress
    inner_dst: IPAddress
    inner_sport: int
    inner_dport: int
    message: MapRequestMessage | MapReplyMessage | MapRegisterMessage | MapNotifyMessage


LispMessage: TypeAlias = (
    "MapRegisterMessage | MapNotifyMessage | MapRequestMessage | MapReplyMessage | EcmMessage"
)
