# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import hashlib
import hmac
import struct

import pytest

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp import auth
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.auth import (
    AUTH_DATA_OFFSET,
    Algorithm,
    algorithm_from_name,
    compute_mac,
    digest_length,
    seal,
    verify,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.codec import (
    encode_map_notify,
    encode_map_notify_ack,
    encode_map_register,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.types import (
    Eid,
    Mapping,
    Rloc,
)

KEY = b"site-key"
RECORDS = (Mapping(Eid.parse("10.1.0.0/24"), (Rloc.of("127.0.0.2"),)),)


def register(alg: Algorithm = Algorithm.HMAC_SHA_256, key: bytes = KEY) -> bytes:
    return encode_map_register(RECORDS, key=key, key_id=1, algorithm=alg, nonce=42)


def with_auth(message: bytes, alg: int, auth_data: bytes) -> bytes:
    """Rewrite algorithm, length and auth data, keeping the records."""
    old_length = struct.unpack_from("!H", message, 14)[0]
    head = message[:13] + struct.pack("!BH", alg, len(auth_data))
    return head + auth_data + message[AUTH_DATA_OFFSET + old_length :]


def test_names_map_to_algorithms() -> None:
    assert auth.ALGORITHM_NAMES == {
        "none": Algorithm.NONE,
        "hmac-sha-1": Algorithm.HMAC_SHA_1,
        "hmac-sha-256": Algorithm.HMAC_SHA_256,
    }
    assert algorithm_from_name("hmac-sha-1") is Algorithm.HMAC_SHA_1


def test_unknown_name_lists_valid_ones() -> None:
    with pytest.raises(ValueError, match="hmac-sha-1, hmac-sha-256, none"):
        algorithm_from_name("md5")


def test_digest_lengths_are_full_digests() -> None:
    assert [digest_length(a) for a in (0, 1, 2)] == [0, 20, 32]
    with pytest.raises(ValueError):
        digest_length(Algorithm.HMAC_SHA_256_HKDF)


@pytest.mark.parametrize(
    ("alg", "hash_fn"),
    [(Algorithm.HMAC_SHA_1, hashlib.sha1), (Algorithm.HMAC_SHA_256, hashlib.sha256)],
)
def test_mac_is_hmac_over_message_with_zeroed_auth(alg: Algorithm, hash_fn: object) -> None:
    message = register(alg)
    length = digest_length(alg)
    zeroed = message[:AUTH_DATA_OFFSET] + bytes(length) + message[AUTH_DATA_OFFSET + length :]
    expected = hmac.new(KEY, zeroed, hash_fn).digest()  # type: ignore[arg-type]
    assert message[AUTH_DATA_OFFSET : AUTH_DATA_OFFSET + length] == expected
    assert compute_mac(zeroed, KEY, alg) == expected


@pytest.mark.parametrize("alg", [Algorithm.HMAC_SHA_1, Algorithm.HMAC_SHA_256])
def test_sealed_messages_verify(alg: Algorithm) -> None:
    for message in (
        register(alg),
        encode_map_notify(RECORDS, key=KEY, key_id=0, algorithm=alg, nonce=1),
        encode_map_notify_ack(RECORDS, key=KEY, key_id=0, algorithm=alg, nonce=1),
    ):
        assert verify(message, KEY)
        assert verify(message, KEY, expected=alg)


def test_wrong_key_is_rejected() -> None:
    assert not verify(register(), b"other-key")


def test_changed_byte_is_rejected() -> None:
    message = bytearray(register())
    message[-1] ^= 0x01
    assert not verify(bytes(message), KEY)


def test_unexpected_algorithm_is_rejected() -> None:
    assert not verify(register(Algorithm.HMAC_SHA_1), KEY, expected=Algorithm.HMAC_SHA_256)


def test_algorithm_none_never_verifies() -> None:
    message = register(Algorithm.NONE)
    assert struct.unpack_from("!BBH", message, 12) == (1, 0, 0)
    assert not verify(message, KEY)
    assert not verify(message, KEY, expected=Algorithm.NONE)


def test_truncated_mac_is_rejected() -> None:
    message = register(Algorithm.HMAC_SHA_256)
    good_mac = message[AUTH_DATA_OFFSET : AUTH_DATA_OFFSET + 32]
    # Even a correct MAC prefix (what "-128" would carry) is refused.
    truncated = with_auth(message, Algorithm.HMAC_SHA_256, good_mac[:16])
    assert not verify(truncated, KEY)
    recomputed = with_auth(truncated, Algorithm.HMAC_SHA_256, bytes(16))
    mac16 = compute_mac(recomputed, KEY, Algorithm.HMAC_SHA_256)[:16]
    assert not verify(with_auth(truncated, Algorithm.HMAC_SHA_256, mac16), KEY)


def test_too_short_message_is_rejected() -> None:
    message = register()
    for cut in (0, 4, 15, 16, 40):
        assert not verify(message[:cut], KEY)


def test_forged_mac_starting_with_zero_is_rejected() -> None:
    # strncmp-style comparison stops at the first NUL and would accept this.
    message = register(Algorithm.HMAC_SHA_1)
    forged = with_auth(message, Algorithm.HMAC_SHA_1, b"\x00" + bytes(range(1, 20)))
    assert not verify(forged, KEY)
    all_zero = with_auth(message, Algorithm.HMAC_SHA_1, bytes(20))
    assert not verify(all_zero, KEY)


def test_hkdf_algorithm_is_known_but_unsupported() -> None:
    message = with_auth(register(), Algorithm.HMAC_SHA_256_HKDF, bytes(32))
    with pytest.raises(ValueError):
        seal(message, KEY)
    assert not verify(message, KEY)
    with pytest.raises(ValueError):
        encode_map_register(RECORDS, key=KEY, key_id=0, algorithm=Algorithm(3), nonce=1)


def test_unknown_algorithm_is_rejected() -> None:
    assert not verify(with_auth(register(), 9, bytes(32)), KEY)


def test_seal_refuses_non_authenticated_types() -> None:
    with pytest.raises(ValueError):
        seal(b"\x10" + bytes(40), KEY)
    assert not verify(b"\x10" + bytes(40), KEY)


def test_seal_refuses_length_not_matching_algorithm() -> None:
    with pytest.raises(ValueError):
        seal(with_auth(register(), Algorithm.HMAC_SHA_1, bytes(32)), KEY)
