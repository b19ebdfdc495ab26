"""ansible-runner (what AWX and ansible-rulebook use to run playbooks) against the lab.

The per-task results are read from the runner's events, as AWX reads them.
The playbook reads the Map-Server units with ansible.netcommon.netconf_get;
the parse uses the collection's own parser, so the data path is the one the
modules use.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from lxml import etree

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.yang.filters import (
    ms_unit_filter,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.yang.ms_xml import parse_ms
from ansible_collections.lispnet.ms_recovery.tests.integration.ansible_helpers import ANSIBLE_CFG
from ansible_collections.lispnet.ms_recovery.tests.support.lab import Lab

ansible_runner = pytest.importorskip("ansible_runner", reason="pip install ansible-runner")

pytestmark = pytest.mark.integration

TASK = "Read the unit over NETCONF"
PLAYBOOK = [
    {
        "name": "Map-Server units",
        "hosts": "map_servers",
        "gather_facts": False,
        "tasks": [
            {
                "name": TASK,
                "ansible.netcommon.netconf_get": {
                    "filter": "{{ unit_filter }}",
                    "display": "xml",
                },
            }
        ],
    }
]


def task_results(runner: Any, task: str) -> dict[str, dict[str, Any]]:
    """host -> the module result of ``task``, from the runner's event stream."""
    results = {}
    for event in runner.events:
        data = event.get("event_data", {})
        if event.get("event") in ("runner_on_ok", "runner_on_failed") and data.get("task") == task:
            results[data["host"]] = {"event": event["event"], **data.get("res", {})}
    return results


def test_runner_reads_per_task_results(
    lab: Lab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    private = tmp_path / "runner"
    (private / "project").mkdir(parents=True)
    (private / "project" / "units.yml").write_text(yaml.safe_dump(PLAYBOOK, sort_keys=False))
    # ansible-runner starts ansible-playbook from PATH: the venv's.
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}:{os.environ['PATH']}")
    # Unix socket paths are limited to ~108 bytes; pytest's tmp dirs are long.
    control_dir = tempfile.mkdtemp(prefix="apc-", dir="/tmp")
    try:
        runner = ansible_runner.run(
            private_data_dir=str(private),
            playbook="units.yml",
            inventory=str(lab.inventory),
            extravars={"unit_filter": ms_unit_filter()},
            envvars={
                "ANSIBLE_CONFIG": str(ANSIBLE_CFG),
                "ANSIBLE_PERSISTENT_CONTROL_PATH_DIR": control_dir,
                "ANSIBLE_LOCAL_TEMP": str(tmp_path / "ansible-tmp"),
            },
            quiet=True,
            timeout=300,
        )
    finally:
        shutil.rmtree(control_dir, ignore_errors=True)
    stdout = runner.stdout.read()
    assert (runner.status, runner.rc) == ("successful", 0), stdout
    assert set(runner.stats["ok"]) == {"ms1-a", "ms1-b"}
    results = task_results(runner, TASK)
    assert set(results) == {"ms1-a", "ms1-b"}, stdout
    roles = {}
    for host, result in results.items():
        assert result["event"] == "runner_on_ok"
        snapshot = parse_ms(etree.fromstring(result["stdout"].encode()))
        assert snapshot.unit is not None and snapshot.unit.unit_name == host
        roles[host] = snapshot.unit.ha_role
    assert roles == {"ms1-a": "active", "ms1-b": "standby"}
    assert lab.spec.password not in stdout
