# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit records, the state document, and what changed between two looks.

Only what changes on an event is recorded (role, boot time, reboot count,
service address): no "last seen" time, so that a quiet second run leaves the
file byte-identical and the task reports changed=false.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.times import (
    format_time,
    parse_time,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.unit_events import (
    rebooted,
)

Event = Literal["none", "first_seen", "reboot", "switchover"]
ACTIVE = "active"
FORMAT_VERSION = 1


class StateFormatError(ValueError):
    """The state file is not a document this code wrote."""


@dataclass(frozen=True)
class UnitRecord:
    name: str
    role: str
    boot_time: datetime
    reboot_count: int
    service_address: str

    def to_json(self) -> dict[str, Any]:
        return {
            "role": self.role,
            "boot_time": format_time(self.boot_time),
            "reboot_count": self.reboot_count,
            "service_address": self.service_address,
        }

    @classmethod
    def from_json(cls, name: str, data: Any) -> UnitRecord:
        try:
            return cls(
                name=name,
                role=str(data["role"]),
                boot_time=parse_time(str(data["boot_time"])),
                reboot_count=int(data["reboot_count"]),
                service_address=str(data.get("service_address", "")),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise StateFormatError(f"unit {name!r}: {type(exc).__name__}: {exc}") from None


@dataclass(frozen=True)
class StateDocument:
    """The state of one Map-Server's units, shared by all of them."""

    map_server: str
    units: dict[str, UnitRecord] = field(default_factory=dict)

    def with_unit(self, record: UnitRecord) -> StateDocument:
        return StateDocument(self.map_server, {**self.units, record.name: record})

    def render(self) -> str:
        document = {
            "version": FORMAT_VERSION,
            "map_server": self.map_server,
            "units": {name: self.units[name].to_json() for name in sorted(self.units)},
        }
        return json.dumps(document, indent=2, sort_keys=True) + "\n"

    @classmethod
    def parse(cls, text: str) -> StateDocument:
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise StateFormatError(f"not JSON: {exc}") from None
        if not isinstance(data, dict) or data.get("version") != FORMAT_VERSION:
            raise StateFormatError(f"not a version {FORMAT_VERSION} state document")
        units = data.get("units")
        if not isinstance(units, dict):
            raise StateFormatError("units is not a mapping")
        return cls(
            map_server=str(data.get("map_server", "")),
            units={str(name): UnitRecord.from_json(str(name), u) for name, u in units.items()},
        )


def classify(current: UnitRecord, known: dict[str, UnitRecord]) -> Event:
    """What happened to ``current``'s unit since the records in ``known``.

    A reboot wins over a role change: a unit that rebooted lost its table
    whatever its role is now.
    """
    previous = known.get(current.name)
    if previous is not None and previous.service_address != current.service_address:
        # Same unit name, another service address: another Map-Server (a lab
        # rebuilt on another subnet, a file shared by mistake), not a history.
        previous = None
    if previous is None:
        # Never seen this unit, but its pair had an active unit: if this one is
        # active now, the service moved to it.
        peers_active = any(
            record.role == ACTIVE and record.service_address == current.service_address
            for name, record in known.items()
            if name != current.name
        )
        return "switchover" if current.role == ACTIVE and peers_active else "first_seen"
    if rebooted(previous.boot_time, current.boot_time, previous.reboot_count, current.reboot_count):
        return "reboot"
    if current.role != previous.role:
        return "switchover"
    return "none"
