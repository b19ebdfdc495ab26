"""ms_state's logic: event classification, the shared state file (lock,
atomic write, check mode, damaged file) and one look at a unit."""

from __future__ import annotations

import fcntl
import ipaddress
import json
import os
import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ansible_collections.lispnet.ms_recovery.extensions.eda.watch.detector import (
    Detector,
    PollReading,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory import (
    EidInventory,
    Etr,
    MapServer,
    MsUnit,
    NetconfEndpoint,
    Secret,
    Site,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.auth import Algorithm
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.types import Eid
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.ms import (
    AfCounts,
    MsSnapshot,
    MsSummary,
    MsUnitInfo,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.unit_events import (
    BOOT_TOLERANCE,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.module_support import TaskError
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.base import (
    Capabilities,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.state.ms_check import (
    MsStateRequest,
    check_ms_state,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.state.records import (
    StateDocument,
    classify,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.state.store import (
    StateStore,
    default_state_file,
)

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
SERVICE = ipaddress.ip_address("192.0.2.100")
OTHER_SERVICE = ipaddress.ip_address("198.51.100.1")


def unit(
    name: str = "ms1-a", role: str = "active", boot: datetime = T0, count: int = 0
) -> MsUnitInfo:
    return MsUnitInfo(name, role, SERVICE, boot, count)


# --- classify -------------------------------------------------------------------------


def test_first_seen_then_none() -> None:
    a = unit()
    assert classify(a, {}) == "first_seen"
    assert classify(a, {"ms1-a": a}) == "none"


@pytest.mark.parametrize(
    "now",
    [
        unit(boot=T0 + timedelta(seconds=30)),  # later boot time
        unit(count=1),  # higher reboot count, same clock reading
        unit(role="standby", count=1),  # rebooted and lost the role: still a reboot
    ],
)
def test_reboot(now: MsUnitInfo) -> None:
    assert classify(now, {"ms1-a": unit()}) == "reboot"


def test_role_change_is_a_switchover() -> None:
    known = {"ms1-a": unit(), "ms1-b": unit("ms1-b", "standby")}
    assert classify(unit("ms1-b", "active"), known) == "switchover"
    assert classify(unit("ms1-a", "standby"), known) == "switchover"


def test_newly_seen_active_unit_after_another_active_is_a_switchover() -> None:
    known = {"ms1-a": unit()}
    assert classify(unit("ms1-b", "active"), known) == "switchover"
    assert classify(unit("ms1-b", "standby"), known) == "first_seen"
    # An active unit of another pair (other service address) says nothing.
    other = {"ms2-a": replace(unit("ms2-a"), service_address=OTHER_SERVICE)}
    assert classify(unit("ms1-b", "active"), other) == "first_seen"


def test_a_unit_of_the_same_name_serving_another_address_is_new() -> None:
    moved = replace(unit(count=5), service_address=OTHER_SERVICE)
    assert classify(moved, {"ms1-a": unit()}) == "first_seen"


def test_an_earlier_boot_time_alone_is_no_reboot() -> None:
    # A clock stepped back is not a reboot; the reboot count says so.
    assert classify(unit(boot=T0 - timedelta(hours=1)), {"ms1-a": unit()}) == "none"


# --- the state file --------------------------------------------------------------------


def test_document_round_trip_and_stable_text() -> None:
    doc = StateDocument("ms1").with_unit(unit("ms1-b", "standby")).with_unit(unit())
    text = doc.render()
    assert StateDocument.parse(text) == doc
    assert list(json.loads(text)["units"]) == ["ms1-a", "ms1-b"]
    assert StateDocument.parse(text).render() == text


def test_update_writes_only_on_change(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "ms1.json"
    store = StateStore(path)

    def put(record: MsUnitInfo):
        return store.update(lambda d: (d or StateDocument("ms1")).with_unit(record), False)

    first = put(unit())
    assert first.changed and first.before is None and path.exists()
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    mtime = path.stat().st_mtime_ns
    again = put(unit())
    assert not again.changed and path.stat().st_mtime_ns == mtime
    assert put(unit(count=1)).changed


def test_check_mode_creates_nothing(tmp_path: Path) -> None:
    path = tmp_path / "state" / "ms1.json"
    update = StateStore(path).update(lambda d: StateDocument("ms1").with_unit(unit()), True)
    assert update.changed
    assert not (tmp_path / "state").exists()


def test_damaged_file_is_reported_and_replaced(tmp_path: Path) -> None:
    path = tmp_path / "ms1.json"
    path.write_text("{not json")
    update = StateStore(path).update(lambda d: (d or StateDocument("ms1")).with_unit(unit()), False)
    assert update.before is None and update.changed
    assert update.warning is not None and "unreadable state file" in update.warning
    assert StateDocument.parse(path.read_text()).units["ms1-a"] == unit()


def test_parallel_writers_keep_both_units(tmp_path: Path) -> None:
    path = tmp_path / "ms1.json"
    barrier = threading.Barrier(8)

    def writer(index: int) -> None:
        store = StateStore(path)
        barrier.wait(timeout=10)
        for count in range(20):
            record = unit(f"u{index}", count=count)
            store.update(lambda d, r=record: (d or StateDocument("ms1")).with_unit(r), False)

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    units = StateDocument.parse(path.read_text()).units
    assert {name: r.reboot_count for name, r in units.items()} == {f"u{i}": 19 for i in range(8)}


def test_lock_wait_is_bounded(tmp_path: Path) -> None:
    path = tmp_path / "ms1.json"
    store = StateStore(path, lock_timeout=0.2)
    fd = os.open(store.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        with pytest.raises(TimeoutError, match="stayed locked"):
            store.update(lambda d: StateDocument("ms1").with_unit(unit()), False)
    finally:
        os.close(fd)


def test_default_state_file_is_per_map_server() -> None:
    assert default_state_file("ms1").endswith("/.cache/lispnet_ms_recovery/ms1.json")
    assert default_state_file("ms-2001:db8::1").endswith("/ms-2001_db8__1.json")


# --- one look at a unit ----------------------------------------------------------------


class FakePlatform:
    name = "fake"

    def __init__(self, info: MsUnitInfo | None, summary: MsSummary | None) -> None:
        self.info = info
        self.summary = summary
        self.table_reads = 0

    def read_ms_unit_summary(self, session: object) -> tuple[MsSnapshot, MsSummary | None]:
        return MsSnapshot(unit=self.info), self.summary

    def read_registered(self, session: object, known: object = ()) -> tuple[()]:
        self.table_reads += 1
        return ()

    def capabilities(self, session: object) -> Capabilities:
        return Capabilities("fake boot-time", None, frozenset(), "")


def info(role: str = "active", count: int = 0, name: str = "ms1-a") -> MsUnitInfo:
    return MsUnitInfo(name, role, ipaddress.ip_address(SERVICE), T0, count)


SUMMARY = MsSummary(3, 2, {"ipv4-afi": AfCounts(6, 4)}, expected_eids=6, registered_eids=4)


def small_inventory() -> EidInventory:
    eids = tuple(Eid.parse(f"10.0.{i}.0/24") for i in range(9))
    site = Site(
        "s1",
        1,
        ("ms1",),
        0,
        Algorithm.HMAC_SHA_256,
        Secret("k"),
        (Etr("e1", eids[0].prefix[1]),),
        eids,
    )
    units = (MsUnit("ms1-a", NetconfEndpoint("h")), MsUnit("ms1-b", NetconfEndpoint("h")))
    return EidInventory((MapServer("ms1", ipaddress.ip_address(SERVICE), units),), (site,))


def test_first_look_then_reboot(tmp_path: Path) -> None:
    request = MsStateRequest(state_file=str(tmp_path / "s.json"), map_server="ms1")
    first = check_ms_state(FakePlatform(info(), SUMMARY), None, request)  # type: ignore[arg-type]
    assert first["event"] == "first_seen" and not first["changed"] and first["previous"] is None
    assert first["active"] is True and first["map_server"] == "ms1"
    assert (first["expected"], first["registered"], first["missing"]) == (6, 4, 2)
    assert first["expected_source"] == "map_server"
    assert first["unit"] == {
        "name": "ms1-a",
        "role": "active",
        "boot_time": "2025-03-01T12:00:00+00:00",
        "reboot_count": 0,
        "service_address": str(SERVICE),
    }
    second = check_ms_state(FakePlatform(info(), SUMMARY), None, request)  # type: ignore[arg-type]
    assert second["event"] == "none" and not second["changed"]
    assert second["previous"] == first["unit"]
    third = check_ms_state(FakePlatform(info(count=1), SUMMARY), None, request)  # type: ignore[arg-type]
    assert third["event"] == "reboot" and third["changed"]


def test_check_mode_reports_but_keeps_the_file(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    request = MsStateRequest(state_file=str(path), check_mode=True)
    result = check_ms_state(FakePlatform(info(), SUMMARY), None, request)  # type: ignore[arg-type]
    assert result["event"] == "first_seen" and not result["changed"] and not path.exists()
    assert result["map_server"] == f"ms-{SERVICE}"


def test_expected_from_inventory(tmp_path: Path) -> None:
    request = MsStateRequest(state_file=str(tmp_path / "s.json"))
    result = check_ms_state(
        FakePlatform(info(name="ms1-b", role="standby"), SUMMARY),
        None,  # type: ignore[arg-type]
        request,
        small_inventory(),
    )
    assert result["map_server"] == "ms1" and result["expected_source"] == "eid_inventory"
    assert (result["expected"], result["registered"], result["missing"]) == (9, 4, 5)
    assert result["active"] is False


def test_unit_not_in_inventory(tmp_path: Path) -> None:
    request = MsStateRequest(state_file=str(tmp_path / "s.json"))
    stranger = MsUnitInfo("ms9-a", "active", ipaddress.ip_address("198.51.100.1"), T0, 0)
    with pytest.raises(TaskError, match=r"no map-server with unit ms9-a serving 198\.51\.100\.1"):
        check_ms_state(FakePlatform(stranger, SUMMARY), None, request, small_inventory())  # type: ignore[arg-type]


def test_without_counts_the_table_is_counted(tmp_path: Path) -> None:
    platform = FakePlatform(info(), None)
    request = MsStateRequest(state_file=str(tmp_path / "s.json"))
    result = check_ms_state(platform, None, request)  # type: ignore[arg-type]
    assert result["registered"] == 0 and platform.table_reads == 1
    assert result["expected"] is None and result["missing"] is None


def test_not_a_map_server(tmp_path: Path) -> None:
    request = MsStateRequest(state_file=str(tmp_path / "s.json"))
    with pytest.raises(TaskError, match="no Map-Server unit data"):
        check_ms_state(FakePlatform(None, None), None, request)  # type: ignore[arg-type]
    assert not (tmp_path / "s.json").exists()


def test_ms_state_and_the_eda_source_share_the_reboot_rule() -> None:
    """One rule (model/unit_events.py): a boot time that moved by less than
    the tolerance is the same boot for ms_state as for the EDA detector; a
    higher reboot count is a reboot even then."""
    near = T0 + BOOT_TOLERANCE / 2
    assert classify(unit(boot=near), {"ms1-a": unit()}) == "none"
    assert classify(unit(boot=near, count=1), {"ms1-a": unit()}) == "reboot"
    assert classify(unit(boot=T0 + 2 * BOOT_TOLERANCE), {"ms1-a": unit()}) == "reboot"
    detector = Detector("ms1", clock=lambda: 0.0)
    detector.observe_poll("ms1-a", PollReading(unit()), 0.0)
    assert detector.observe_poll("ms1-a", PollReading(unit(boot=near)), 0.0) == []
    counted = detector.observe_poll("ms1-a", PollReading(unit(boot=near, count=1)), 0.0)
    assert [e.event for e in counted] == ["reboot"]
    later = detector.observe_poll("ms1-a", PollReading(unit(boot=T0 + 2 * BOOT_TOLERANCE)), 0)
    assert [e.event for e in later] == ["reboot"]
