"""Run a real ``ansible-playbook`` against a lab and read back every task result.

Usage::

    run = run_playbook(lab, '''
    - hosts: map_servers
      tasks:
        - name: state
          lispnet.ms_recovery.ms_state: {}
    ''')
    assert run.rc == 0, run.stdout
    assert run.result("state", "ms1-a")["event"] == "first_seen"

Results come from the ansible.posix.json stdout callback; ``stdout`` keeps the
whole output (with ``-vvv`` the verbose lines come before the JSON document),
so a test can also grep it for what must never be printed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
ANSIBLE_CFG = REPO_ROOT / "ansible.cfg"
BIN_DIR = Path(sys.executable).parent
DEFAULT_TIMEOUT = 300.0
JSON_CALLBACK = "ansible.posix.json"


@dataclass
class PlaybookRun:
    rc: int
    stdout: str
    # task name -> host -> result (a later task of the same name wins, unless it
    # was skipped: the role's retry attempts after a finished one are skipped)
    results_by_task: dict[str, dict[str, dict[str, Any]]]
    stderr: str = ""
    stats: dict[str, dict[str, int]] = field(default_factory=dict)
    # every task in play order: (task name, host -> result)
    tasks: list[tuple[str, dict[str, dict[str, Any]]]] = field(default_factory=list)

    def result(self, task: str, host: str) -> dict[str, Any]:
        try:
            return self.results_by_task[task][host]
        except KeyError:
            raise AssertionError(
                f"no result for task {task!r} on {host!r}; tasks: {list(self.results_by_task)}\n"
                f"{self.output}"
            ) from None

    @property
    def output(self) -> str:
        """Everything the run printed, for assertion messages and secret greps."""
        return self.stdout + self.stderr


def _json_document(stdout: str) -> dict[str, Any] | None:
    # The json callback prints one indented document at the end; its opening
    # brace is the only line that is exactly "{".
    lines = stdout.splitlines()
    for index in range(len(lines) - 1, -1, -1):
        if lines[index] == "{":
            try:
                return json.loads("\n".join(lines[index:]))
            except ValueError:
                return None
    return None


def _parse(stdout: str) -> tuple[list[tuple[str, dict[str, Any]]], dict[str, Any]]:
    document = _json_document(stdout)
    if document is None:
        return [], {}
    tasks = [
        (task["task"]["name"], task.get("hosts", {}))
        for play in document.get("plays", [])
        for task in play.get("tasks", [])
    ]
    return tasks, document.get("stats", {})


def latest_results(
    tasks: list[tuple[str, dict[str, Any]]],
) -> dict[str, dict[str, dict[str, Any]]]:
    """Task name -> host -> the last result that was not skipped (else the last)."""
    results: dict[str, dict[str, dict[str, Any]]] = {}
    for name, hosts in tasks:
        known = results.setdefault(name, {})
        for host, result in hosts.items():
            if host in known and result.get("skipped") and not known[host].get("skipped"):
                continue
            known[host] = result
    return results


def ansible_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for ansible-* commands from the project's venv."""
    env = dict(os.environ)
    env.update(
        PATH=f"{BIN_DIR}{os.pathsep}{env.get('PATH', '')}",
        ANSIBLE_CONFIG=str(ANSIBLE_CFG),
        ANSIBLE_STDOUT_CALLBACK=JSON_CALLBACK,
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_DEPRECATION_WARNINGS="0",
        ANSIBLE_RETRY_FILES_ENABLED="0",
    )
    env.update(extra or {})
    return env


def run_playbook(
    lab: Any,
    playbook_yaml: str,
    *extra_args: str,
    check: bool = False,
    env: dict[str, str] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    inventory: str | os.PathLike[str] | None = None,
    callback: str = JSON_CALLBACK,
) -> PlaybookRun:
    """Write ``playbook_yaml`` to a temporary directory and run it against the
    lab's inventory (or ``inventory``). ``extra_args`` go to ansible-playbook
    as they are (``-vvv``, ``-e``, ``--vault-password-file``...).

    With another ``callback`` (``ansible.builtin.default`` shows every result
    at ``-vvv``, the json one does not) only ``rc`` and the output are filled.
    """
    work = Path(tempfile.mkdtemp(prefix="play-", dir=lab.dir))
    # Unix socket paths are limited to ~108 bytes; pytest's tmp dirs are long.
    control_dir = tempfile.mkdtemp(prefix="apc-", dir="/tmp")
    try:
        playbook = work / "playbook.yml"
        playbook.write_text(playbook_yaml)
        command = [
            str(BIN_DIR / "ansible-playbook"),
            "-i",
            str(inventory or lab.inventory),
            str(playbook),
            *extra_args,
        ]
        if check:
            command.append("--check")
        proc = subprocess.run(
            command,
            cwd=work,
            env=ansible_env(
                {
                    "ANSIBLE_PERSISTENT_CONTROL_PATH_DIR": control_dir,
                    "ANSIBLE_LOCAL_TEMP": str(work / "tmp"),
                    "ANSIBLE_STDOUT_CALLBACK": callback,
                    **(env or {}),
                }
            ),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    finally:
        shutil.rmtree(control_dir, ignore_errors=True)
    tasks, stats = _parse(proc.stdout)
    return PlaybookRun(
        rc=proc.returncode,
        stdout=proc.stdout,
        results_by_task=latest_results(tasks),
        stderr=proc.stderr,
        stats=stats,
        tasks=tasks,
    )
