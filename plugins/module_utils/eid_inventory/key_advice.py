# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Warnings about site keys that work but weaken the authentication.

Not errors: a real network may have to live with them for a while (an ETR that
only does HMAC-SHA-1, keys handed out years ago). The messages name sites,
never a key or anything derived from one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory.model import (
    EidInventory,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.auth import Algorithm

# Below 16 bytes a pre-shared key is guessable offline from one captured
# Map-Register (the MAC tells a right guess from a wrong one).
MIN_KEY_BYTES = 16
MAX_NAMED = 5


def _named(names: Sequence[str]) -> str:
    shown = ", ".join(names[:MAX_NAMED])
    more = len(names) - MAX_NAMED
    return shown + (f" and {more} more" if more > 0 else "")


def key_warnings(inventory: EidInventory) -> list[str]:
    """One warning per kind of weakness, naming the sites it concerns."""
    short: list[str] = []
    sha1: list[str] = []
    # Grouped by a digest so that no key is kept as a dictionary key.
    by_key: dict[bytes, list[str]] = {}
    for site in inventory.sites:
        key = site.key.reveal()
        if len(key) < MIN_KEY_BYTES:
            short.append(site.name)
        if site.algorithm == Algorithm.HMAC_SHA_1:
            sha1.append(site.name)
        by_key.setdefault(hashlib.sha256(key).digest(), []).append(site.name)
    source = inventory.source
    warnings = []
    if short:
        warnings.append(
            f"{source}: {len(short)} site key(s) shorter than {MIN_KEY_BYTES} bytes"
            f" ({_named(short)}): one captured Map-Register lets an attacker test"
            " guesses offline; use at least 16 random bytes"
        )
    shared = [names for names in by_key.values() if len(names) > 1]
    for names in shared[:MAX_NAMED]:
        warnings.append(
            f"{source}: sites {_named(names)} share one key: each of them can forge"
            " the others' registrations and notifications; give every site its own key"
        )
    if len(shared) > MAX_NAMED:
        warnings.append(f"{source}: {len(shared) - MAX_NAMED} more groups of sites share a key")
    if sha1:
        warnings.append(
            f"{source}: {len(sha1)} site(s) authenticate with HMAC-SHA-1 ({_named(sha1)}):"
            " use hmac-sha-256 where the ETRs support it"
        )
    return warnings
