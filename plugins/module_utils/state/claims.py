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

Each claim also keeps the boot the unit was in and when it was last read as
active (kept while it is standby): the tool's last sightings of the unit
serving, the earliest a later outage can have begun (state/down_window.py).
The last active sighting survives the unit's own next claim because the forks
of a pair race: the old active unit may record itself standby before the new
active one reads the sightings.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.atomic_file import (
    atomic_write_text,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.times import (
    format_time,
    parse_time,
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


@dataclass(frozen=True)
class Sighting:
    """A unit as the tool last read it: in ``role`` and in the boot of
    ``boot_time`` (None in a claim written before boots were kept) at ``at``;
    last read as active at ``active_at`` (None: never, as far as kept).
    ``seen_by`` names the reader (ms_state, or the ms_watch event source)."""

    unit: str
    role: str
    service_address: str | None  # None: the reader did not tell (ms_watch)
    boot_time: datetime | None
    at: datetime
    active_at: datetime | None = None
    seen_by: str = "ms_state's last read"


def read_sightings(state_file: str | Path) -> dict[str, Sighting]:
    """The last sighting of each unit, from the claims file (absent, damaged or
    partial entries are left out: no sighting is better than a made-up one)."""
    sightings = {}
    for name, claim in _read(claims_path(state_file)).items():
        if not isinstance(claim, dict):
            continue
        at, boot = _stamp(claim.get("at")), claim.get("boot_time")
        if at is None:
            continue
        try:
            booted = parse_time(boot) if isinstance(boot, str) else None
        except ValueError:
            booted = None
        sightings[str(name)] = Sighting(
            unit=str(name),
            role=str(claim.get("role", "")),
            service_address=str(claim.get("service_address", "")),
            boot_time=booted,
            at=at,
            active_at=_stamp(claim.get("active_at")),
        )
    return sightings


def _stamp(value: object) -> datetime | None:
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return None
    return datetime.fromtimestamp(value, UTC)


def record_claim(
    state_file: str | Path,
    unit: str,
    role: str,
    service_address: str,
    *,
    window: float = DEFAULT_WINDOW,
    write: bool = True,
    now: float | None = None,
    boot_time: datetime | None = None,
) -> list[str]:
    """Record ``unit``'s claim (read at ``now``, in the boot of ``boot_time``);
    return the units of its pair claiming active now (``unit`` included when
    active), sorted. Call under the state file's lock."""
    path = claims_path(state_file)
    claims = _read(path)
    at = time.time() if now is None else now
    before = claims.get(unit)
    claims[unit] = {"role": role, "service_address": service_address, "at": at}
    if boot_time is not None:
        claims[unit]["boot_time"] = format_time(boot_time)
    if role == ACTIVE:
        claims[unit]["active_at"] = at
    elif (
        isinstance(before, dict)
        and before.get("service_address") == service_address
        and _stamp(before.get("active_at")) is not None
    ):
        claims[unit]["active_at"] = before["active_at"]
    if write:
        atomic_write_text(path, json.dumps(claims, sort_keys=True) + "\n")
    active = []
    for name, claim in claims.items():
        if not isinstance(claim, dict) or claim.get("role") != ACTIVE:
            continue
        if claim.get("service_address") != service_address:
            continue  # another Map-Server sharing the file by mistake
        seen = claim.get("at")
        if isinstance(seen, (int, float)) and abs(at - seen) <= window:
            active.append(name)
    return sorted(active)
