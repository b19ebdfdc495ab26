# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit records, the state document, and what changed between two looks.

A unit is the platforms' own MsUnitInfo, as read. Only what changes on an
event is recorded (role, boot time, reboot count, service address): no "last
seen" time, so that a quiet second run leaves the file byte-identical and the
task reports changed=false.
"""

from __future__ import annotations

import ipaddress
import json
from dataclasses import dataclass, field
from typing import Any, Literal

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.ms import (
    MsUnitInfo,
)
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


def service_text(unit: MsUnitInfo) -> str:
    """The unit's service address as the state file keeps it ("" untold)."""
    return "" if unit.service_address is None else str(unit.service_address)


def unit_json(unit: MsUnitInfo) -> dict[str, Any]:
    """A unit as the state file and ms_state's result hold it (its name is
    the key); a service address the server does not tell is ""."""
    return {
        "role": unit.ha_role,
        "boot_time": format_time(unit.boot_time),
        "reboot_count": unit.reboot_count,
        "service_address": service_text(unit),
    }


def unit_from_json(name: str, data: Any) -> MsUnitInfo:
    try:
        address = str(data.get("service_address", ""))
        return MsUnitInfo(
            unit_name=name,
            ha_role=str(data["role"]),
            service_address=ipaddress.ip_address(address) if address else None,
            boot_time=parse_time(str(data["boot_time"])),
            reboot_count=int(data["reboot_count"]),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise StateFormatError(f"unit {name!r}: {type(exc).__name__}: {exc}") from None


@dataclass(frozen=True)
class StateDocument:
    """The state of one Map-Server's units, shared by all of them."""

    map_server: str
    units: dict[str, MsUnitInfo] = field(default_factory=dict)

    def with_unit(self, unit: MsUnitInfo) -> StateDocument:
        return StateDocument(self.map_server, {**self.units, unit.unit_name: unit})

    def render(self) -> str:
        document = {
            "version": FORMAT_VERSION,
            "map_server": self.map_server,
            "units": {name: unit_json(self.units[name]) for name in sorted(self.units)},
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
            units={str(name): unit_from_json(str(name), u) for name, u in units.items()},
        )


def classify(current: MsUnitInfo, known: dict[str, MsUnitInfo]) -> Event:
    """What happened to ``current``'s unit since the records in ``known``.

    A reboot wins over a role change: a unit that rebooted lost its table
    whatever its role is now.
    """
    previous = known.get(current.unit_name)
    if previous is not None and previous.service_address != current.service_address:
        # Same unit name, another service address: another Map-Server (a lab
        # rebuilt on another subnet, a file shared by mistake), not a history.
        previous = None
    if previous is None:
        # Never seen this unit, but its pair had an active unit: if this one is
        # active now, the service moved to it.
        peers_active = any(
            record.ha_role == ACTIVE and record.service_address == current.service_address
            for name, record in known.items()
            if name != current.unit_name
        )
        return "switchover" if current.ha_role == ACTIVE and peers_active else "first_seen"
    if rebooted(previous.boot_time, current.boot_time, previous.reboot_count, current.reboot_count):
        return "reboot"
    if current.ha_role != previous.ha_role:
        return "switchover"
    return "none"
