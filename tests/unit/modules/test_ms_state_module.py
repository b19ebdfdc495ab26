"""The ms_state module shell: options reach the logic, check mode writes
nothing, failures are readable."""

from __future__ import annotations

import ipaddress
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.ms import (
    MsSnapshot,
    MsSummary,
    MsUnitInfo,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.netconf_session import (
    NetconfFailure,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.base import (
    Capabilities,
)
from ansible_collections.lispnet.ms_recovery.plugins.modules import ms_state

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


class FakePlatform:
    name = "fake"

    def __init__(self, reboot_count: int = 0, fail: str | None = None) -> None:
        self.reboot_count, self.fail = reboot_count, fail

    def read_ms_unit_summary(self, session: object) -> tuple[MsSnapshot, MsSummary]:
        if self.fail:
            raise NetconfFailure(self.fail)
        info = MsUnitInfo(
            "ms1-a", "active", ipaddress.ip_address("192.0.2.1"), T0, self.reboot_count
        )
        return MsSnapshot(info), MsSummary(1, 1, {}, 4, 3)

    def capabilities(self, session: object) -> Capabilities:
        return Capabilities("fake boot-time", None, frozenset(), "")


def run(
    monkeypatch, capsys, platform: FakePlatform, check: bool = False, **args: Any
) -> dict[str, Any]:
    monkeypatch.setattr(ms_state, "get_platform", lambda name: platform)
    monkeypatch.setattr(ms_state, "session_from_module", lambda module: object())
    if check:
        args["_ansible_check_mode"] = True
    with patch_module_args(args), pytest.raises(SystemExit):
        ms_state.main()
    return json.loads(capsys.readouterr().out)


def test_events_across_runs(monkeypatch, capsys, tmp_path: Path) -> None:
    state = str(tmp_path / "ms1.json")
    first = run(monkeypatch, capsys, FakePlatform(), state_file=state, map_server="ms1")
    assert (first["event"], first["changed"], first["missing"]) == ("first_seen", False, 1)
    again = run(monkeypatch, capsys, FakePlatform(), state_file=state, map_server="ms1")
    assert (again["event"], again["changed"]) == ("none", False)
    rebooted = run(monkeypatch, capsys, FakePlatform(1), state_file=state, map_server="ms1")
    assert (rebooted["event"], rebooted["changed"]) == ("reboot", True)
    assert rebooted["previous"]["reboot_count"] == 0


def test_check_mode(monkeypatch, capsys, tmp_path: Path) -> None:
    state = tmp_path / "ms1.json"
    result = run(monkeypatch, capsys, FakePlatform(), check=True, state_file=str(state))
    assert not result["changed"] and result["event"] == "first_seen" and not state.exists()


def test_default_state_file(monkeypatch, capsys, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    result = run(monkeypatch, capsys, FakePlatform(), map_server="ms1")
    expected = tmp_path / ".cache" / "lispnet_ms_recovery" / "ms1.json"
    assert result["state_file"] == str(expected) and expected.exists()


def test_netconf_failure_is_a_failed_task(monkeypatch, capsys, tmp_path: Path) -> None:
    result = run(
        monkeypatch, capsys, FakePlatform(fail="get failed: boom"), state_file=str(tmp_path / "s")
    )
    assert result["failed"] and result["msg"] == "NETCONF: get failed: boom"


def test_unwritable_state_file(monkeypatch, capsys, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    result = run(monkeypatch, capsys, FakePlatform(), state_file=str(blocker / "sub" / "ms1.json"))
    assert result["failed"] and "NotADirectoryError" in result["msg"]
