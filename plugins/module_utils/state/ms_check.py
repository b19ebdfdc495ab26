# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One look at a Map-Server unit: what happened since the last look, and how
full its registration table is (the logic of module ms_state)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory import (
    EidInventory,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.ms import (
    MsSummary,
    MsUnitInfo,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.module_support import (
    TaskError,
    select_map_server,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.netconf_session import (
    NetconfSession,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.base import Platform
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.state.claims import (
    DEFAULT_WINDOW,
    Sighting,
    read_sightings,
    record_claim,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.state.down_window import (
    UnitRead,
    bound_down_window,
    watch_sightings,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.state.records import (
    ACTIVE,
    Event,
    StateDocument,
    classify,
    service_text,
    unit_json,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.state.store import (
    StateStore,
    default_state_file,
)


@dataclass(frozen=True)
class MsStateRequest:
    state_file: str | None = None
    map_server: str | None = None
    check_mode: bool = False
    split_brain_window: float = DEFAULT_WINDOW
    # The ms_watch event that started this run (ansible_eda.event.lisp_ms), if any.
    watch_event: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class Counts:
    expected: int | None
    registered: int | None
    source: str  # where expected came from: "map_server" or "eid_inventory"

    @property
    def missing(self) -> int | None:
        if self.expected is None or self.registered is None:
            return None
        return max(self.expected - self.registered, 0)


def _named_json(unit: MsUnitInfo) -> dict[str, Any]:
    return {"name": unit.unit_name, **unit_json(unit)}


def _summed(summary: MsSummary | None, total: str, per_af: str) -> int | None:
    if summary is None:
        return None
    value = getattr(summary, total)
    if value is None and summary.per_af:
        value = sum(getattr(counts, per_af) for counts in summary.per_af.values())
    return value


def check_ms_state(
    platform: Platform,
    session: NetconfSession,
    request: MsStateRequest,
    inventory: EidInventory | None = None,
    expected_eids: Mapping[str, int] | None = None,
) -> dict[str, Any]:
    """``expected_eids``: the EIDs of each Map-Server's whole table when known
    without building the inventory's sites (map_servers_from_handover);
    otherwise counted from ``inventory``."""
    try:
        watched = watch_sightings(request.watch_event)
    except ValueError as exc:
        raise TaskError(str(exc)) from None
    sent_at = datetime.now(UTC)
    snapshot, summary = platform.read_ms_unit_summary(session)
    answered_at = datetime.now(UTC)
    unit = snapshot.unit
    if unit is None:
        raise TaskError(
            "the device reports no Map-Server unit data (lispnet-ms-recovery unit-name and"
            " boot-time, or ietf-system boot-datetime): is this host a Map-Server unit?"
        )
    service_address = service_text(unit)
    if inventory is not None:
        ms_name = select_map_server(
            inventory,
            request.map_server,
            unit_name=unit.unit_name,
            service_address=service_address or None,
        ).name
    else:
        ms_name = request.map_server or f"ms-{service_address or unit.unit_name}"

    seen: dict[str, Event] = {}
    path = request.state_file or default_state_file(ms_name)
    active_units: list[str] = []
    sightings: dict[str, Sighting] = {}

    def change(before: StateDocument | None) -> StateDocument:
        seen["event"] = classify(unit, before.units if before else {})
        # Under the state file's lock, so that the forks of a pair take turns;
        # the sightings as they were before this read is recorded as one.
        sightings.update(read_sightings(path))
        active_units.extend(
            record_claim(
                path,
                unit.unit_name,
                unit.ha_role,
                service_address,
                window=request.split_brain_window,
                write=not request.check_mode,
                # When the read was sent: the unit was serving then at the latest.
                now=sent_at.timestamp(),
                boot_time=unit.boot_time,
            )
        )
        return (before or StateDocument(ms_name)).with_unit(unit)

    update = StateStore(path).update(change, request.check_mode)
    previous = update.before.units.get(unit.unit_name) if update.before else None
    if previous is not None and previous.service_address != unit.service_address:
        previous = None  # another Map-Server under the same unit name (see classify)

    expected: int | None
    if inventory is not None:
        expected = (
            expected_eids.get(ms_name, 0)
            if expected_eids is not None
            else len(inventory.expected(ms_name))
        )
        source = "eid_inventory"
    else:
        expected = _summed(summary, "expected_eids", "configured_eids")
        source = "map_server"
    registered = _summed(summary, "registered_eids", "registered_eids")
    if registered is None:  # a platform without the counts: count the table itself
        registered = len({r.eid for r in platform.read_registered(session)})
    counts = Counts(expected, registered, source)
    down_window = None
    if seen["event"] in ("reboot", "switchover"):
        capabilities = platform.capabilities(session)
        down_window = bound_down_window(
            seen["event"],
            UnitRead(unit, sent_at, answered_at),
            previous,
            [*sightings.values(), *watched],
            reboot_source=capabilities.reboot,
            switchover_source=capabilities.switchover_time,
        )

    result: dict[str, Any] = {
        # Recording a unit seen for the first time is bookkeeping, not a change to
        # report: a first healthy run and the next one both read "ok".
        "changed": update.changed and seen["event"] != "first_seen",
        "event": seen["event"],
        "active": unit.ha_role == ACTIVE,
        "active_units": active_units,
        "split_brain": len(active_units) > 1,
        "map_server": ms_name,
        "unit": _named_json(unit),
        "expected": counts.expected,
        "expected_source": counts.source,
        "registered": counts.registered,
        "missing": counts.missing,
        "previous": None if previous is None else _named_json(previous),
        "down_window": None if down_window is None else down_window.to_json(),
        "state_file": str(path),
    }
    if update.warning:
        result["warnings"] = [update.warning]
    return result
