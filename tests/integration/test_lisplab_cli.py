"""The everyday lab commands as a user runs them: `lisplab` on a subnet another lab
holds, `make lab-down` and `make clean` (each stops the lab's processes)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ansible_collections.lispnet.ms_recovery.lab.processes import lab_is_running
from ansible_collections.lispnet.ms_recovery.lab.topology import free_subnet
from ansible_collections.lispnet.ms_recovery.tests.support.lab import running_lab

pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]

REPO = Path(__file__).resolve().parents[2]
LISPLAB = Path(sys.executable).parent / "lisplab"


def _lisplab(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LISPLAB), *args], capture_output=True, text=True, timeout=120, check=False
    )


def test_up_on_a_subnet_another_lab_holds_names_that_lab(tmp_path: Path) -> None:
    with running_lab(tmp_path / "first", sites=2) as first:
        second = tmp_path / "second"
        subnet = str(first.spec.subnet)
        result = _lisplab("up", "--dir", str(second), "--sites", "2", "--subnet", subnet)
        try:
            assert result.returncode == 1
            assert f"in use by the lab in {first.dir}" in result.stderr
            assert "Traceback" not in result.stderr
            assert not lab_is_running(second)
            # `--subnet auto` picks a free subnet instead.
            result = _lisplab("up", "--dir", str(second), "--sites", "2", "--subnet", "auto")
            assert result.returncode == 0, result.stderr
            assert f"127.{subnet}.0.0/16" not in result.stdout
            assert lab_is_running(second)
        finally:
            _lisplab("down", "--dir", str(second))
        assert not lab_is_running(second)


def _lab_up(lab_dir: Path) -> None:
    result = _lisplab("up", "--dir", str(lab_dir), "--sites", "2", "--subnet", str(free_subnet()))
    assert result.returncode == 0, result.stderr


def test_make_lab_down_stops_the_lab(tmp_path: Path) -> None:
    lab_dir = tmp_path / "lab"
    _lab_up(lab_dir)
    try:
        result = subprocess.run(
            ["make", "-s", "-C", str(REPO), "lab-down", f"LAB_DIR={lab_dir}"],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        assert "stopped 2 process(es)" in result.stdout
        assert not lab_is_running(lab_dir)
    finally:
        _lisplab("down", "--dir", str(lab_dir))


def _make_clean(workdir: Path) -> subprocess.CompletedProcess[str]:
    # From a scratch directory, so only that directory's .venv and .lab are removed.
    return subprocess.run(
        ["make", "-s", "-f", str(REPO / "Makefile"), "-C", str(workdir), "clean"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_make_clean_stops_the_lab_before_removing_it(tmp_path: Path) -> None:
    (tmp_path / ".venv" / "bin").mkdir(parents=True)
    shutil.copy(LISPLAB, tmp_path / ".venv" / "bin" / "lisplab")
    lab_dir = tmp_path / ".lab"
    _lab_up(lab_dir)
    try:
        result = _make_clean(tmp_path)
        assert result.returncode == 0, result.stdout + result.stderr
        assert not lab_is_running(lab_dir)
        assert not lab_dir.exists()
    finally:
        _lisplab("down", "--dir", str(lab_dir))


def test_make_clean_fails_and_keeps_the_lab_dir_when_down_fails(tmp_path: Path) -> None:
    bin_dir = tmp_path / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "lisplab").write_text("#!/bin/sh\necho 'lisplab: cannot stop' >&2\nexit 1\n")
    (bin_dir / "lisplab").chmod(0o755)
    (tmp_path / ".lab").mkdir()
    result = _make_clean(tmp_path)
    assert result.returncode != 0
    assert "cannot stop" in result.stderr
    assert (tmp_path / ".lab").exists()
