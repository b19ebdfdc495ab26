"""The eid_snapshot module shell: writes, idempotence, check mode, key hygiene
(the NETCONF read is replaced by a fixed Map-Server state)."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory import (
    dump_inventory,
    load_inventory,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.ms import (
    MsSnapshot,
)
from ansible_collections.lispnet.ms_recovery.plugins.modules import eid_snapshot
from ansible_collections.lispnet.ms_recovery.tests.unit.module_utils.test_snapshot import (
    KEY,
    inventory,
    ms_state,
    site,
)


class FakePlatform:
    def __init__(self, state: MsSnapshot) -> None:
        self.state = state

    def read_ms(self, session: object) -> MsSnapshot:
        return self.state


def run(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    state: MsSnapshot,
    **args: Any,
) -> dict[str, Any]:
    monkeypatch.setattr(eid_snapshot, "session_from_module", lambda module: object())
    monkeypatch.setattr(eid_snapshot, "get_platform", lambda name: FakePlatform(state))
    with patch_module_args(args), pytest.raises(SystemExit):
        eid_snapshot.main()
    out = capsys.readouterr().out
    assert KEY not in out  # no key in any result
    return json.loads(out)


@pytest.fixture
def keys_file(tmp_path: Path) -> Path:
    path = tmp_path / "keys.yml"
    path.write_text(dump_inventory(inventory(site(1), site(2), site(3)), keys="plain"))
    return path


def test_snapshot_writes_0600_then_is_idempotent(monkeypatch, capsys, tmp_path, keys_file) -> None:
    dest = tmp_path / "out" / "eids.yml"
    state = ms_state(site(1), site(2), site(3))
    first = run(monkeypatch, capsys, state, dest=str(dest), keys_from=str(keys_file))
    assert first["changed"] is True
    assert first["drifted"] is False  # dest did not exist: drift is against keys_from
    assert first["counts"]["sites"] == 3 and first["learned_sites"] == 3
    assert stat.S_IMODE(dest.stat().st_mode) == 0o600
    assert dest.read_text() == keys_file.read_text()
    assert load_inventory(dest) == load_inventory(keys_file)
    second = run(monkeypatch, capsys, state, dest=str(dest))
    assert second["changed"] is False


def test_check_mode_reports_drift_and_writes_nothing(monkeypatch, capsys, tmp_path) -> None:
    dest = tmp_path / "eids.yml"
    dest.write_text(dump_inventory(inventory(site(1), site(2)), keys="plain"))
    before = dest.read_text()
    state = ms_state(site(1), site(2), site(3))
    result = run(
        monkeypatch,
        capsys,
        state,
        dest=str(dest),
        allow_missing_keys=True,
        _ansible_check_mode=True,
    )
    assert result["changed"] is True
    assert result["drift"]["sites_added"] == ["site-3"]
    assert result["missing_keys"] == ["site-3"]
    assert dest.read_text() == before


def test_missing_keys_fail_without_writing(monkeypatch, capsys, tmp_path) -> None:
    dest = tmp_path / "eids.yml"
    dest.write_text(dump_inventory(inventory(site(1)), keys="plain"))
    before = dest.read_text()
    result = run(monkeypatch, capsys, ms_state(site(1), site(2)), dest=str(dest))
    assert result["failed"] is True
    assert "no key is known for 1 site(s): site-2" in result["msg"]
    assert result["missing_keys"] == ["site-2"]
    assert dest.read_text() == before


def test_mirror_removes_site_and_reports_it(monkeypatch, capsys, tmp_path, keys_file) -> None:
    dest = tmp_path / "eids.yml"
    dest.write_text(keys_file.read_text())
    result = run(monkeypatch, capsys, ms_state(site(1), site(2)), dest=str(dest), merge=False)
    assert result["changed"] is True
    assert result["drift"]["sites_removed"] == ["site-3"]
    assert [s.name for s in load_inventory(dest).sites] == ["site-1", "site-2"]


def test_invalid_dest_fails_with_file_line_field(monkeypatch, capsys, tmp_path) -> None:
    dest = tmp_path / "eids.yml"
    dest.write_text("map_servers: []\nsites:\n  - name: x\n    site_id: -1\n")
    result = run(monkeypatch, capsys, ms_state(site(1)), dest=str(dest))
    assert result["failed"] is True
    assert f"{dest}:4: sites[0].site_id:" in result["msg"]
