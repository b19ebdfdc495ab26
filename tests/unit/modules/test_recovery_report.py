"""Module recovery_report: arguments, files, check mode, idempotence, documentation."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from ansible.module_utils.testing import patch_module_args

from ansible_collections.lispnet.ms_recovery.plugins.modules import recovery_report

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "module_utils"))
from ansible_collections.lispnet.ms_recovery.tests.unit.module_utils.test_report_samples import (
    full_success,
    ms_state,
    one_site_failed,
)

BIN = Path(sys.executable).parent
ENV = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}


def run_module(args: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    with patch_module_args(args), pytest.raises(SystemExit):
        recovery_report.main()
    return json.loads(capsys.readouterr().out)


def test_writes_report_and_returns_figures(tmp_path: Path, capsys) -> None:
    result = run_module({"dest": str(tmp_path), "results": full_success()}, capsys)
    assert result["changed"] is True
    assert result["recovered_sites"] == 5 and result["total_sites"] == 5
    assert result["time_to_full_recovery"] == pytest.approx(0.8)
    assert result["baseline_sites"] == 0
    assert result["ok"] is True and result["failed_sites"] == []
    assert result["files"] == {
        "json": str(tmp_path / "report.json"),
        "junit": str(tmp_path / "report.junit.xml"),
        "html": str(tmp_path / "report.html"),
    }
    assert all(Path(p).is_file() for p in result["files"].values())
    assert any("about 0 of 5 sites would have been back" in line for line in result["summary"])


def test_second_run_is_not_changed(tmp_path: Path, capsys) -> None:
    args = {"dest": str(tmp_path), "results": one_site_failed(), "register_interval": 30}
    first = run_module(args, capsys)
    second = run_module(args, capsys)
    assert first["changed"] is True
    assert second["changed"] is False
    assert second["failed_sites"] == ["site-00003"] and second["ok"] is False
    assert second["time_to_full_recovery"] is None


def test_check_mode_writes_nothing(tmp_path: Path, capsys) -> None:
    dest = tmp_path / "reports"
    result = run_module(
        {"dest": str(dest), "results": full_success(), "_ansible_check_mode": True}, capsys
    )
    assert result["changed"] is True
    assert result["summary"][0].startswith(
        "== LISP Map-Server recovery: ms1 (ms1-a) == 20"
    )  # generated at
    assert not dest.exists()


def test_formats_and_skipped_reregister(tmp_path: Path, capsys) -> None:
    skipped = {"changed": False, "skipped": True, "skip_reason": "Conditional result was False"}
    result = run_module(
        {
            "dest": str(tmp_path),
            "formats": ["junit"],
            "title": "healthy",
            "results": {"ms_state": ms_state("none"), "reregister": skipped},
        },
        capsys,
    )
    assert list(result["files"]) == ["junit"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.junit.xml"]
    assert result["total_sites"] == 0 and result["ok"] is True


def test_bad_results_fail_with_the_field(tmp_path: Path, capsys) -> None:
    results = full_success()
    results["reregister"]["progress"] = [[0.1]]
    result = run_module({"dest": str(tmp_path), "results": results}, capsys)
    assert result["failed"] is True
    assert "reregister.progress[0]" in result["msg"]
    assert not any(tmp_path.iterdir())


def test_ansible_doc_renders() -> None:
    proc = subprocess.run(
        [str(BIN / "ansible-doc"), "--json", "lispnet.ms_recovery.recovery_report"],
        capture_output=True,
        text=True,
        env=ENV,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)["lispnet.ms_recovery.recovery_report"]
    assert set(doc["doc"]["options"]) == {
        "dest",
        "results",
        "register_interval",
        "title",
        "formats",
        "generated_at",
    }
    assert {
        "summary",
        "files",
        "recovered_sites",
        "total_sites",
        "time_to_full_recovery",
        "changed",
    } <= set(doc["return"])
    assert yaml.safe_load(doc["examples"])


def test_runs_in_a_playbook_on_localhost(tmp_path: Path) -> None:
    """AnsiballZ must ship module_utils/report (a package) and the HTML template with it."""
    (tmp_path / "results.json").write_text(json.dumps(full_success()))
    playbook = tmp_path / "play.yml"
    playbook.write_text(
        yaml.safe_dump(
            [
                {
                    "hosts": "localhost",
                    "gather_facts": False,
                    "connection": "local",
                    "vars": {"run": "{{ lookup('file', 'results.json') | from_json }}"},
                    "tasks": [
                        {
                            "lispnet.ms_recovery.recovery_report": {
                                "dest": str(tmp_path / "out"),
                                "results": "{{ run }}",
                            },
                            "register": "report",
                        },
                        {
                            "ansible.builtin.copy": {
                                "content": "{{ report | to_json }}",
                                "dest": str(tmp_path / "result.json"),
                            }
                        },
                    ],
                }
            ]
        )
    )
    proc = subprocess.run(
        [
            str(BIN / "ansible-playbook"),
            "-i",
            "localhost,",
            str(playbook),
            "-e",
            f"ansible_python_interpreter={sys.executable}",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=tmp_path,
        env={**ENV, "ANSIBLE_LOCALHOST_WARNING": "false", "ANSIBLE_NOCOLOR": "1"},
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    result = json.loads((tmp_path / "result.json").read_text())
    assert result["recovered_sites"] == 5 and result["changed"] is True
    assert "<svg" in (tmp_path / "out" / "report.html").read_text()
