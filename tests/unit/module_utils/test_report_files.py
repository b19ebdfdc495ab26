"""Writing the report files: atomic, only when changed, nothing in check mode."""

from __future__ import annotations

import json
from pathlib import Path

from test_report_samples import full_success, one_site_failed

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.report import build_report
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.report.files import (
    FILE_NAMES,
    write_report,
)


def test_writes_all_formats_then_is_idempotent(tmp_path: Path) -> None:
    dest = tmp_path / "out" / "run1"
    first = write_report(build_report(full_success()), dest)
    assert first.changed
    assert set(first.files) == {"json", "junit", "html"}
    for fmt, path in first.files.items():
        assert Path(path) == dest / FILE_NAMES[fmt]
        assert Path(path).stat().st_mode & 0o777 == 0o644
    assert json.loads((dest / "report.json").read_text())["recovered_sites"] == 5
    mtimes = {p: Path(p).stat().st_mtime_ns for p in first.files.values()}
    second = write_report(build_report(full_success()), dest)
    assert not second.changed
    assert {p: Path(p).stat().st_mtime_ns for p in second.files.values()} == mtimes


def test_only_changed_files_are_rewritten(tmp_path: Path) -> None:
    write_report(build_report(full_success()), tmp_path)
    outcome = write_report(build_report(one_site_failed()), tmp_path, formats=["junit"])
    assert outcome.changed_files == (str(tmp_path / "report.junit.xml"),)
    assert list(outcome.files) == ["junit"]


def test_check_mode_writes_nothing(tmp_path: Path) -> None:
    dest = tmp_path / "never"
    outcome = write_report(build_report(full_success()), dest, check_mode=True)
    assert outcome.changed
    assert not dest.exists()


def test_check_mode_reports_no_change_when_files_match(tmp_path: Path) -> None:
    write_report(build_report(full_success()), tmp_path)
    assert not write_report(build_report(full_success()), tmp_path, check_mode=True).changed


def test_generated_at_changes_the_files(tmp_path: Path) -> None:
    write_report(build_report(full_success()), tmp_path)
    stamped = build_report(full_success(), generated_at="2024-05-01T10:01:00Z")
    outcome = write_report(stamped, tmp_path)
    assert outcome.changed
    assert "2024-05-01T10:01:00Z" in (tmp_path / "report.html").read_text()
