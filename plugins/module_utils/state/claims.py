# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which units of a Map-Server claimed to be active, and when: split brain.

Each ``ms_state`` run records its unit's claimed role with the time it read it,
in a side file next to the state file (``<state file>.claims``). That time
changes every run, so it is kept out of the state document, whose bytes must
stay the same on a quiet run (changed=false). A unit that claims active while
another unit of the same pair (same service address) claimed active within the
window is in a split brain: both would answer for the service address, and a
recovery acting on either could fight the other.

The window is short on purpose: the units of a pair are checked by parallel
forks of one play, seconds apart, and an older claim may predate a switchover.
The role adds what the forks of its play saw (the first fork to write cannot
see its sibling's claim yet).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.atomic_file import (
    atomic_write_text,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.state.records import ACTIVE

DEFAULT_WINDOW = 10.0


def claims_path(state_file: str | Path) -> Path:
    path = Path(state_file)
    return path.with_name(path.name + ".claims")


def _read(path: Path) -> dict[str, dict[str, object]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # absent or damaged: no claims known, nothing to refuse
    return data if isinstance(data, dict) else {}


def record_claim(
    state_file: str | Path,
    unit: str,
    role: str,
    service_address: str,
    *,
    window: float = DEFAULT_WINDOW,
    write: bool = True,
    now: float | None = None,
) -> list[str]:
    """Record ``unit``'s claim; return the units of its pair claiming active now
    (``unit`` included when active), sorted. Call under the state file's lock."""
    path = claims_path(state_file)
    claims = _read(path)
    at = time.time() if now is None else now
    claims[unit] = {"role": role, "service_address": service_address, "at": at}
    if write:
        atomic_write_text(path, json.dumps(claims, sort_keys=True) + "\n")
    active = []
    for name, claim in claims.items():
        if not isinstance(claim, dict) or claim.get("role") != ACTIVE:
            continue
        if claim.get("service_address") != service_address:
            continue  # another Map-Server sharing the file by mistake
        seen = claim.get("at")
        if isinstance(seen, int | float) and abs(at - seen) <= window:
            active.append(name)
    return sorted(active)
