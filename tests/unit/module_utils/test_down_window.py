"""The MS's down window: the best bound the tool has, per event and platform,
never an invented time (state/down_window.py, ms_state's sightings)."""

from __future__ import annotations

import dataclasses
import ipaddress
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.ms import (
    MsSnapshot,
    MsSummary,
    MsUnitInfo,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.base import (
    Capabilities,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.ietf.features import (
    ietf_capabilities,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.ietf.namespaces import (
    LMR,
    SYS,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.iosxe.features import (
    iosxe_capabilities,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.iosxe.models import (
    HA,
    HARDWARE,
    OPER,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.state.claims import (
    Sighting,
    read_sightings,
    record_claim,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.state.down_window import (
    UnitRead,
    bound_down_window,
    watch_sightings,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.state.ms_check import (
    MsStateRequest,
    check_ms_state,
)

PAIR = "192.0.2.100"
OLD_BOOT = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
NEW_BOOT = datetime(2026, 12, 4, 6, 0, 30, tzinfo=UTC)
READ = NEW_BOOT + timedelta(seconds=20)

LISPNET = ietf_capabilities([LMR, SYS])
IETF = ietf_capabilities([SYS])
IOSXE = iosxe_capabilities([OPER, HARDWARE, HA])


def record(name: str = "ms1-a", role: str = "active", boot: datetime = NEW_BOOT) -> MsUnitInfo:
    return MsUnitInfo(name, role, ipaddress.ip_address(PAIR), boot, 0)


def seen(name: str, at: datetime, role: str = "active", boot: datetime = OLD_BOOT) -> Sighting:
    return Sighting(name, role, PAIR, boot, at, at if role == "active" else None)


def read(rec: MsUnitInfo, switchover: datetime | None = None) -> UnitRead:
    unit = dataclasses.replace(rec, switchover_time=switchover)
    return UnitRead(unit, READ - timedelta(seconds=1), READ)


def window(event: str, rec: MsUnitInfo, sightings: list[Sighting], caps: Capabilities, **kw):
    return bound_down_window(
        event,
        read(rec, kw.get("switchover")),
        kw.get("previous", record(boot=OLD_BOOT)),
        sightings + kw.get("watched", []),
        reboot_source=caps.reboot,
        switchover_source=caps.switchover_time,
    )


def test_a_reboot_is_bounded_by_the_last_sighting_of_the_old_boot_and_the_new_boot() -> None:
    last_up = NEW_BOOT - timedelta(seconds=40)
    for caps, source in (
        (LISPNET, "lispnet-ms-recovery boot-time and reboot-count"),
        (IETF, "ietf-system boot-datetime"),
        (IOSXE, "Cisco-IOS-XE-device-hardware-oper boot-time"),
    ):
        found = window("reboot", record(), [seen("ms1-a", last_up)], caps)
        assert found is not None
        assert (found.down_after, found.down_by, found.back_at) == (last_up, NEW_BOOT, NEW_BOOT)
        assert found.back_exact and found.back_source == source
        assert "last read of ms1-a up in its previous boot" in found.down_after_source


def test_a_first_run_says_unknown_instead_of_inventing_a_start() -> None:
    found = window("reboot", record(), [], LISPNET)
    assert found is not None and found.down_after is None
    assert found.down_after_source.startswith("unknown: ms_state never read ms1-a")
    assert found.to_json()["down_after"] is None and found.to_json()["down_by"] == (
        "2026-12-04T06:00:30+00:00"
    )


def test_a_sighting_of_another_boot_does_not_bound_this_outage() -> None:
    older = seen("ms1-a", NEW_BOOT - timedelta(days=5), boot=OLD_BOOT - timedelta(days=9))
    found = window("reboot", record(), [older], LISPNET)
    assert found is not None and found.down_after is None


def test_a_sighting_after_the_new_boot_means_the_clocks_disagree() -> None:
    found = window("reboot", record(), [seen("ms1-a", NEW_BOOT + timedelta(seconds=3))], IETF)
    assert found is not None and found.down_after is None
    assert "clocks disagree" in found.down_after_source


def test_an_iosxe_switchover_uses_its_reported_time_and_the_old_active_sighting() -> None:
    switched = NEW_BOOT + timedelta(seconds=5)
    old_active = seen("ms1-a", switched - timedelta(seconds=8))
    standby_b = seen("ms1-b", switched - timedelta(seconds=2), role="standby")
    rec = record("ms1-b", boot=OLD_BOOT)
    found = window(
        "switchover", rec, [old_active, standby_b], IOSXE, switchover=switched, previous=None
    )
    assert found is not None and found.back_exact
    assert (found.down_after, found.down_by, found.back_at) == (old_active.at, switched, switched)
    assert found.back_source == "Cisco-IOS-XE-ha-oper last-switchover-time"
    assert "ms1-a still active" in found.down_after_source


def test_the_old_active_unit_seen_standby_first_still_bounds_the_switchover() -> None:
    """The forks of a pair race: the old active unit may record itself standby in
    this very run before the new active one reads; its last active read stands."""
    was_active = READ - timedelta(seconds=25)
    already_standby = Sighting("ms1-a", "standby", PAIR, OLD_BOOT, READ, was_active)
    found = window("switchover", record("ms1-b", boot=OLD_BOOT), [already_standby], LISPNET)
    assert found is not None and found.down_after == was_active


def test_a_switchover_without_a_reported_time_is_back_at_the_latest_at_the_read() -> None:
    old_active = seen("ms1-a", READ - timedelta(seconds=30))
    for caps in (LISPNET, IETF):
        found = window("switchover", record("ms1-b", boot=OLD_BOOT), [old_active], caps)
        assert found is not None and not found.back_exact
        assert (found.down_after, found.back_at) == (old_active.at, READ)
        assert found.back_source.startswith("at the latest")
    # A time the platform does not vouch for is not used.
    found = window("switchover", record("ms1-b"), [], LISPNET, switchover=NEW_BOOT)
    assert found is not None and found.back_at == READ and found.down_after is None


def test_ms_watch_polls_bound_the_outage_tighter_than_an_old_run() -> None:
    """Under EDA the event's last poll is seconds before the outage, ms_state's own
    read may be the previous run's: the later one is the bound, named by its reader."""
    old_run = seen("ms1-a", NEW_BOOT - timedelta(days=2))
    polled = NEW_BOOT - timedelta(seconds=6)
    event = {
        "event": "reboot",
        "unit": "ms1-a",
        "previous_boot_time": OLD_BOOT.isoformat(),
        "previous_boot_seen_at": polled.isoformat(),
    }
    found = window("reboot", record(), [old_run], LISPNET, watched=watch_sightings(event))
    assert found is not None and found.down_after == polled
    assert found.down_after_source == "ms_watch's last poll of ms1-a up in its previous boot"
    switch = {
        "event": "switchover",
        "unit": "ms1-b",
        "previous_active": "ms1-a",
        "previous_active_seen_at": polled.isoformat(),
    }
    found = window("switchover", record("ms1-b"), [old_run], IETF, watched=watch_sightings(switch))
    assert found is not None and found.down_after == polled
    assert "ms_watch's last poll of the previous active unit ms1-a" in found.down_after_source
    # An event of another boot, or without a poll, adds nothing; a bad time is named.
    other = {**event, "previous_boot_time": (OLD_BOOT - timedelta(days=1)).isoformat()}
    found = window("reboot", record(), [old_run], LISPNET, watched=watch_sightings(other))
    assert found is not None and found.down_after == old_run.at
    assert watch_sightings({**event, "previous_boot_seen_at": None}) == []
    assert watch_sightings(None) == [] and watch_sightings({"event": "registration_deficit"}) == []
    with pytest.raises(ValueError, match=r"watch_event\.previous_boot_seen_at: not a date"):
        watch_sightings({**event, "previous_boot_seen_at": "yesterday"})


def test_nothing_went_down_on_a_quiet_run_or_a_first_sighting() -> None:
    for event in ("none", "first_seen"):
        assert window(event, record(), [seen("ms1-a", READ)], LISPNET) is None


def test_claims_keep_the_boot_each_unit_was_seen_in(tmp_path: Path) -> None:
    state = tmp_path / "ms1.json"
    at = READ.timestamp()
    record_claim(state, "ms1-a", "active", PAIR, now=at, boot_time=OLD_BOOT)
    record_claim(state, "ms1-b", "standby", PAIR, now=at + 1)  # an older claim: no boot
    sightings = read_sightings(state)
    assert sightings["ms1-a"] == Sighting("ms1-a", "active", PAIR, OLD_BOOT, READ, READ)
    assert sightings["ms1-b"].boot_time is None and sightings["ms1-b"].active_at is None
    # Seen standby later: its last active read is kept.
    record_claim(state, "ms1-a", "standby", PAIR, now=at + 9, boot_time=OLD_BOOT)
    assert read_sightings(state)["ms1-a"].active_at == READ
    (tmp_path / "ms1.json.claims").write_text('{"ms1-a": {"at": "soon"}, "ms1-b": 3}')
    assert read_sightings(state) == {}


class _Platform:
    name = "fake"

    def __init__(self, boot: datetime, count: int) -> None:
        self.unit = MsUnitInfo("ms1-a", "active", ipaddress.ip_address(PAIR), boot, count)

    def read_ms_unit_summary(self, session: object) -> tuple[MsSnapshot, MsSummary]:
        return MsSnapshot(self.unit), MsSummary(1, 1, {}, 4, 4)

    def capabilities(self, session: object) -> Capabilities:
        return LISPNET


def test_ms_state_returns_the_window_of_a_reboot_it_saw_coming(tmp_path: Path) -> None:
    """A healthy run leaves a sighting; the run after a reboot bounds the outage
    by it and by the new boot. The boot is in the future of this test's clock
    (the sighting must precede it); a quiet rerun returns no window."""
    request = MsStateRequest(state_file=str(tmp_path / "s.json"), map_server="ms1")
    before = datetime.now(UTC)
    first = check_ms_state(_Platform(before - timedelta(days=1), 0), None, request)  # type: ignore[arg-type]
    assert first["down_window"] is None
    boot = datetime.now(UTC) + timedelta(seconds=30)
    after = check_ms_state(_Platform(boot, 1), None, request)  # type: ignore[arg-type]
    assert after["event"] == "reboot"
    got = after["down_window"]
    assert got["back_at"] == got["down_by"] == boot.isoformat() and got["back_exact"] is True
    assert before <= datetime.fromisoformat(got["down_after"]) <= boot
    again = check_ms_state(_Platform(boot, 1), None, request)  # type: ignore[arg-type]
    assert again["event"] == "none" and again["down_window"] is None and not again["changed"]
