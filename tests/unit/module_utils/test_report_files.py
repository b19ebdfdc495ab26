"""Writing the report files: atomic, only when changed, nothing in check mode."""

from __future__ import annotations

import json
from pathlib import Path

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.report import build_report
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.report.files import (
    FILE_NAMES,
    write_report,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.report.json_report import (
    report_to_dict,
)
from ansible_collections.lispnet.ms_recovery.tests.unit.module_utils.test_report_samples import (
    full_success,
    one_site_failed,
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


def test_generated_at_is_rewritten_but_not_a_change(tmp_path: Path) -> None:
    write_report(build_report(full_success()), tmp_path)
    stamped = build_report(full_success(), generated_at="2024-05-01T10:01:00Z")
    outcome = write_report(stamped, tmp_path)
    assert not outcome.changed
    assert "2024-05-01T10:01:00Z" in (tmp_path / "report.html").read_text()


def test_new_measured_times_alone_are_not_a_change(tmp_path: Path) -> None:
    write_report(build_report(full_success()), tmp_path)
    rerun = full_success()
    for result in rerun["map_request"]["results"]:
        result["latency_ms"] = (result.get("latency_ms") or 0) + 7.5
    rerun["reregister"]["elapsed"] = 42.0
    outcome = write_report(build_report(rerun), tmp_path)
    assert not outcome.changed
    latencies = [
        r["latency_ms"]
        for r in json.loads((tmp_path / "report.json").read_text())["map_request"]["results"]
    ]
    assert latencies == [r["latency_ms"] for r in rerun["map_request"]["results"]]


def test_a_first_sighting_and_no_event_are_the_same_report(tmp_path: Path) -> None:
    first = full_success()
    first["ms_state"]["event"] = "first_seen"
    write_report(build_report(first), tmp_path)
    again = full_success()
    again["ms_state"]["event"] = "none"
    assert not write_report(build_report(again), tmp_path).changed


def test_a_different_outcome_is_a_change_even_with_json(tmp_path: Path) -> None:
    write_report(build_report(full_success()), tmp_path)
    outcome = write_report(build_report(one_site_failed()), tmp_path)
    assert set(outcome.changed_files) == {str(tmp_path / n) for n in FILE_NAMES.values()}


def test_a_missing_file_is_a_change(tmp_path: Path) -> None:
    write_report(build_report(full_success()), tmp_path)
    (tmp_path / "report.html").unlink()
    outcome = write_report(
        build_report(full_success(), generated_at="2024-05-01T10:01:00Z"), tmp_path
    )
    assert outcome.changed_files == (str(tmp_path / "report.html"),)


def test_json_flags_are_booleans_and_the_title_names_the_map_server(tmp_path: Path) -> None:
    results = full_success()
    write_report(build_report(results), tmp_path)
    data = json.loads((tmp_path / "report.json").read_text())
    assert data["ms_state"]["active"] is True
    assert data["title"] == "LISP Map-Server recovery: ms1 (ms1-a)"
    assert (
        "<title>LISP Map-Server recovery: ms1 (ms1-a)</title>"
        in (tmp_path / "report.html").read_text()
    )
    results["ms_state"]["active"] = "ms1-b"  # a platform naming the active unit instead
    standby = json.loads(json.dumps(report_to_dict(build_report(results))))
    assert standby["ms_state"]["active"] is False
