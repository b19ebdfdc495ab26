# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A site's pre-shared key that does not leak into logs, reprs or errors."""

from __future__ import annotations

import hmac


class Secret:
    """Key bytes behind an opaque repr; read them only with :meth:`reveal`.

    ``vault`` keeps the Ansible Vault ciphertext the key was read from, so that
    a snapshot can be written back still encrypted. Equality looks at the key
    only: the same key vaulted twice has two different ciphertexts (random salt).
    """

    __slots__ = ("_value", "_vault")

    def __init__(self, value: bytes | str, vault: str | None = None) -> None:
        self._value = value.encode("utf-8") if isinstance(value, str) else bytes(value)
        self._vault = vault

    def reveal(self) -> bytes:
        return self._value

    @property
    def vault(self) -> str | None:
        return self._vault

    def __bool__(self) -> bool:
        return bool(self._value)

    def __len__(self) -> int:
        return len(self._value)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        return hmac.compare_digest(self._value, other._value)

    def __hash__(self) -> int:
        # Sites are hashable frozen dataclasses, so the key must hash; a keyed
        # digest keeps the (process-randomised) hash from being a key oracle.
        return hash(hmac.digest(b"eid-inventory-secret", self._value, "sha256"))

    def __repr__(self) -> str:
        return "<secret>"

    __str__ = __repr__

    def __reduce__(self) -> tuple[type[Secret], tuple[bytes, str | None]]:
        return (Secret, (self._value, self._vault))
