"""ansible-rulebook runs the ms_watch source and acts on a lab reboot.

The rule's action is a tiny playbook writing a marker file, so this tests the
event source inside the real rule engine (collection lookup of the source,
argument templating, the event's shape in conditions and in ``ansible_eda``)
without depending on the recover playbook.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import yaml

from ansible_collections.lispnet.ms_recovery.lab import paths
from ansible_collections.lispnet.ms_recovery.tests.support.lab import Lab

pytestmark = pytest.mark.integration

BIN_DIR = Path(sys.executable).parent
RULEBOOK_CLI = BIN_DIR / "ansible-rulebook"
WAIT = 60.0


def _java_major() -> int | None:
    java = shutil.which("java", path=os.environ.get("JAVA_HOME", "") + "/bin") or shutil.which(
        "java"
    )
    if java is None:
        return None
    proc = subprocess.run([java, "-version"], capture_output=True, text=True, check=False)
    match = re.search(r'version "(\d+)', proc.stderr + proc.stdout)
    return int(match.group(1)) if match else None


def _skip_reason() -> str | None:
    if not RULEBOOK_CLI.exists():
        return "ansible-rulebook is not installed in the venv (pip install ansible-rulebook)"
    major = _java_major()
    if major is None or major < 17:
        return f"ansible-rulebook needs Java 17+ (found: {major or 'none'})"
    return None


pytestmark = [
    pytestmark,
    pytest.mark.skipif(_skip_reason() is not None, reason=str(_skip_reason())),
]

MARKER_PLAYBOOK = """\
- name: Mark the event
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Write the event to the marker file
      ansible.builtin.copy:
        dest: "{{ marker }}"
        content: "{{ ansible_eda.event.lisp_ms | to_json }}"
        mode: "0600"
"""


def rulebook(lab: Lab, playbook: Path, marker: Path) -> str:
    return yaml.safe_dump(
        [
            {
                "name": "test ms_watch",
                "hosts": "all",
                "sources": [
                    {
                        "lispnet.ms_recovery.ms_watch": {
                            "eid_inventory": "{{ lisp_eid_inventory }}",
                            "username": "{{ lisp_ms_username }}",
                            "password": "{{ lisp_ms_password }}",
                            "ssh_config": "{{ lisp_ms_ssh_config }}",
                            "poll_interval": 1,
                        }
                    }
                ],
                "rules": [
                    {
                        "name": "reboot",
                        "condition": 'event.lisp_ms.event == "reboot"',
                        "throttle": {
                            "once_within": "30 seconds",
                            "group_by_attributes": ["event.lisp_ms.map_server"],
                        },
                        "action": {
                            "run_playbook": {
                                "name": str(playbook),
                                "extra_vars": {"marker": str(marker)},
                            }
                        },
                    }
                ],
            }
        ],
        sort_keys=False,
    )


def test_rulebook_runs_a_playbook_on_reboot(lab: Lab, tmp_path: Path) -> None:
    # ansible-rulebook copies its working directory for each playbook run: keep
    # it apart from the lab's (which holds sockets).
    work = tmp_path / "rulebook"
    work.mkdir()
    playbook, marker = work / "mark.yml", tmp_path / "marker.json"
    playbook.write_text(MARKER_PLAYBOOK)
    (work / "rules.yml").write_text(rulebook(lab, playbook, marker))
    (work / "vars.yml").write_text(
        yaml.safe_dump(
            {
                "lisp_eid_inventory": str(lab.eids),
                "lisp_ms_username": lab.spec.username,
                "lisp_ms_password": lab.spec.password,
                "lisp_ms_ssh_config": str(paths.ssh_config(lab.dir)),
            }
        )
    )
    (work / "hosts.yml").write_text(
        yaml.safe_dump(
            {
                "all": {
                    "hosts": {
                        "localhost": {
                            "ansible_connection": "local",
                            "ansible_python_interpreter": sys.executable,
                        }
                    }
                }
            }
        )
    )
    env = dict(os.environ)
    env.update(
        PATH=f"{BIN_DIR}{os.pathsep}{env.get('PATH', '')}",
        ANSIBLE_LOCAL_TEMP=str(tmp_path / "ansible-tmp"),
        ANSIBLE_NOCOLOR="1",
    )
    output: list[str] = []
    connected = threading.Event()
    proc = subprocess.Popen(
        [str(RULEBOOK_CLI), "-r", "rules.yml", "-i", "hosts.yml", "-e", "vars.yml", "-v"],
        cwd=work,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            output.append(line)
            if "ms1-a: connected" in line:
                connected.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        assert connected.wait(WAIT), "the source never connected:\n" + "".join(output)
        time.sleep(2.0)  # the first poll: the baseline boot time
        lab.control("reboot", down_for=1)
        deadline = time.monotonic() + WAIT
        while not marker.exists() and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.2)
        assert marker.exists(), "no playbook run:\n" + "".join(output)
        event = json.loads(marker.read_text())
        assert (event["event"], event["unit"], event["map_server"]) == ("reboot", "ms1-a", "ms1")
        assert lab.spec.password not in "".join(output)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        reader.join(timeout=5)
