# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Authentication data of Map-Register, Map-Notify and Map-Notify-Ack (RFC 9301 5.6-5.7).

The MAC covers the whole LISP message with the auth-data field zeroed. The
digest is carried at full length (20 / 32 octets), as deployed
implementations do, although the algorithm names say -96 / -128.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from enum import IntEnum
from typing import Any

# Fixed header of the three authenticated messages: type/flags(4), nonce(8),
# key id(1), algorithm id(1), auth data length(2), then the auth data.
KEY_ID_OFFSET = 12
ALGORITHM_OFFSET = 13
AUTH_LENGTH_OFFSET = 14
AUTH_DATA_OFFSET = 16
AUTHENTICATED_TYPES = frozenset({3, 4, 5})


class Algorithm(IntEnum):
    NONE = 0
    HMAC_SHA_1 = 1
    HMAC_SHA_256 = 2
    # Known so that it can be named in logs; its key derivation is not implemented.
    HMAC_SHA_256_HKDF = 3


ALGORITHM_NAMES: dict[str, Algorithm] = {
    "none": Algorithm.NONE,
    "hmac-sha-1": Algorithm.HMAC_SHA_1,
    "hmac-sha-256": Algorithm.HMAC_SHA_256,
}

_HASHES: dict[int, Callable[..., Any]] = {
    Algorithm.HMAC_SHA_1: hashlib.sha1,
    Algorithm.HMAC_SHA_256: hashlib.sha256,
}
_DIGEST_LENGTHS = {Algorithm.NONE: 0, Algorithm.HMAC_SHA_1: 20, Algorithm.HMAC_SHA_256: 32}


def algorithm_from_name(name: str) -> Algorithm:
    try:
        return ALGORITHM_NAMES[name]
    except KeyError:
        valid = ", ".join(sorted(ALGORITHM_NAMES))
        raise ValueError(f"unknown authentication algorithm {name!r}; valid: {valid}") from None


def digest_length(alg: int) -> int:
    """Octets of auth data carried for ``alg`` (full digest)."""
    try:
        return _DIGEST_LENGTHS[Algorithm(alg)]
    except (KeyError, ValueError):
        raise ValueError(f"unsupported authentication algorithm {alg}") from None


def compute_mac(message_with_zeroed_auth: bytes, key: bytes, alg: int) -> bytes:
    if alg == Algorithm.NONE:
        return b""
    hash_fn = _HASHES.get(alg)
    if hash_fn is None:
        raise ValueError(f"unsupported authentication algorithm {alg}")
    return hmac.new(key, message_with_zeroed_auth, hash_fn).digest()


def _header(message: bytes) -> tuple[int, int]:
    """(algorithm id, auth data length) of an authenticated message, or ValueError."""
    if len(message) < AUTH_DATA_OFFSET or message[0] >> 4 not in AUTHENTICATED_TYPES:
        raise ValueError("not a Map-Register, Map-Notify or Map-Notify-Ack")
    alg = message[ALGORITHM_OFFSET]
    length = int.from_bytes(message[AUTH_LENGTH_OFFSET:AUTH_DATA_OFFSET], "big")
    if len(message) < AUTH_DATA_OFFSET + length:
        raise ValueError("message shorter than its auth data length")
    return alg, length


def _zeroed(message: bytes, length: int) -> bytes:
    end = AUTH_DATA_OFFSET + length
    return message[:AUTH_DATA_OFFSET] + bytes(length) + message[end:]


def seal(message: bytes, key: bytes) -> bytes:
    """Fill in the auth data of ``message`` as its header's algorithm and length ask."""
    alg, length = _header(message)
    if alg == Algorithm.NONE and length == 0:
        return message
    if length != digest_length(alg):
        raise ValueError(f"auth data length {length} does not fit algorithm {alg}")
    mac = compute_mac(_zeroed(message, length), key, alg)
    return message[:AUTH_DATA_OFFSET] + mac + message[AUTH_DATA_OFFSET + length :]


def verify(message: bytes, key: bytes, expected: Algorithm | None = None) -> bool:
    """True only for a message carrying a full-length, correct MAC under ``key``.

    An unauthenticated message (algorithm none) is not "verified": callers
    that accept those must decide so explicitly.
    """
    try:
        alg, length = _header(message)
    except ValueError:
        return False
    if expected is not None and alg != expected:
        return False
    if alg not in _HASHES:
        return False
    # A truncated MAC is refused rather than compared on its prefix only.
    if length != _DIGEST_LENGTHS[Algorithm(alg)]:
        return False
    received = message[AUTH_DATA_OFFSET : AUTH_DATA_OFFSET + length]
    mac = compute_mac(_zeroed(message, length), key, alg)
    return hmac.compare_digest(mac, received)
