"""ansible-runner (what AWX and ansible-rulebook use to run playbooks) recovers the lab.

The project is the one-line wrapper docs/awx.md describes
(``import_playbook: lispnet.ms_recovery.recover``). The per-task results are
read from the runner's events, as AWX reads them; the table is then checked by
an independent NETCONF read.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest

from ansible_collections.lispnet.ms_recovery.lab.processes import wait_ms_back
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory import (
    load_inventory,
)
from ansible_collections.lispnet.ms_recovery.tests.integration.ansible_helpers import ANSIBLE_CFG
from ansible_collections.lispnet.ms_recovery.tests.support.lab import Lab

ansible_runner = pytest.importorskip("ansible_runner", reason="pip install ansible-runner")

pytestmark = pytest.mark.integration

WRAPPER = "- ansible.builtin.import_playbook: lispnet.ms_recovery.recover\n"
REREGISTER = "Ask the sites' ETRs to re-register"
REGISTRATIONS = "Compare the registration table with the EID inventory"


def task_results(runner: Any, task: str) -> dict[str, dict[str, Any]]:
    """host -> the module result of ``task``, from the runner's event stream.

    Role tasks are named without their role in the events (the role is a
    field of its own), so ``task`` is the bare task name.
    """
    results = {}
    for event in runner.events:
        data = event.get("event_data", {})
        if data.get("task") != task:
            continue
        if event.get("event") in ("runner_on_ok", "runner_on_failed", "runner_on_skipped"):
            known = results.get(data["host"])
            # The role's retry attempts after a finished one are skipped: keep
            # the result of the attempt that ran.
            if event["event"] == "runner_on_skipped" and known is not None:
                continue
            results[data["host"]] = {"event": event["event"], **data.get("res", {})}
    return results


def test_runner_recovers_a_rebooted_ms(
    lab: Lab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = load_inventory(lab.eids).expected("ms1")
    lab.control("reboot", down_for=1.0)
    wait_ms_back(lab.dir, timeout=20)
    assert len(lab.registered()) < len(expected)

    private = tmp_path / "runner"
    (private / "project").mkdir(parents=True)
    (private / "project" / "recover.yml").write_text(WRAPPER)
    report_dir = tmp_path / "report"
    # ansible-runner starts ansible-playbook from PATH: the venv's.
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}:{os.environ['PATH']}")
    # Unix socket paths are limited to ~108 bytes; pytest's tmp dirs are long.
    control_dir = tempfile.mkdtemp(prefix="apc-", dir="/tmp")
    try:
        runner = ansible_runner.run(
            private_data_dir=str(private),
            playbook="recover.yml",
            inventory=str(lab.inventory),
            extravars={"report_dir": str(report_dir)},
            envvars={
                "ANSIBLE_CONFIG": str(ANSIBLE_CFG),
                "ANSIBLE_PERSISTENT_CONTROL_PATH_DIR": control_dir,
                "ANSIBLE_LOCAL_TEMP": str(tmp_path / "ansible-tmp"),
            },
            quiet=True,
            timeout=120,
        )
    finally:
        shutil.rmtree(control_dir, ignore_errors=True)
    stdout = runner.stdout.read()
    assert (runner.status, runner.rc) == ("successful", 0), stdout
    assert set(runner.stats["ok"]) == {"ms1-a", "ms1-b"}

    reregister = task_results(runner, REREGISTER)
    # Only the active unit is recovered; the standby skips the block.
    assert {h: r["event"] for h, r in reregister.items()} == {
        "ms1-a": "runner_on_ok",
        "ms1-b": "runner_on_skipped",
    }, stdout
    active = reregister["ms1-a"]
    assert active["changed"] is True and active["complete"] is True
    assert active["sent"] > 0 and active["failed_sites"] == []

    registrations = task_results(runner, REGISTRATIONS)["ms1-a"]
    assert registrations["complete"] is True
    assert registrations["counts"]["missing"] == 0
    assert registrations["expected"] == registrations["registered"] == len(expected)

    assert lab.registered() == expected
    assert (report_dir / "report.json").exists()
    assert lab.spec.password not in stdout
