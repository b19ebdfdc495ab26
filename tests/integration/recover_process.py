"""playbooks/recover.yml as a background process, for tests that act while it runs
(a second run started at the same time, a kill, a reboot in the middle).

``run_playbook`` (ansible_helpers.py) waits for the end; here the output is read
line by line as it comes, so a test can wait for a task to start. Every wait is
bounded, and the process (in its own session) is killed by its id at the end.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from ansible_collections.lispnet.ms_recovery.tests.integration.ansible_helpers import (
    BIN_DIR,
    PlaybookRun,
    _parse,
    ansible_env,
    latest_results,
)

RECOVER = Path(__file__).resolve().parents[2] / "playbooks" / "recover.yml"
ROLE = "lispnet.ms_recovery.ms_recovery : "
REREGISTER = ROLE + "Ask the sites' ETRs to re-register"
# What the default callback prints when the reregister task starts.
REREGISTER_BANNER = f"TASK [{REREGISTER}]"


class RecoverProcess:
    """One ``ansible-playbook recover.yml`` running against a lab."""

    def __init__(
        self,
        lab: Any,
        *args: str,
        report_dir: Path,
        callback: str = "ansible.builtin.default",
        env: dict[str, str] | None = None,
    ) -> None:
        self.work = Path(tempfile.mkdtemp(prefix="play-", dir=lab.dir))
        # Unix socket paths are limited to ~108 bytes; pytest's tmp dirs are long.
        self.control_dir = tempfile.mkdtemp(prefix="apc-", dir="/tmp")
        playbook = self.work / "playbook.yml"
        playbook.write_text(f"- ansible.builtin.import_playbook: {RECOVER}\n")
        command = [
            str(BIN_DIR / "ansible-playbook"),
            "-i",
            str(lab.inventory),
            str(playbook),
            "-e",
            f"report_dir={report_dir}",
            *args,
        ]
        self._lines: list[str] = []
        self._changed = threading.Condition()
        self.proc = subprocess.Popen(
            command,
            cwd=self.work,
            env=ansible_env(
                {
                    "ANSIBLE_PERSISTENT_CONTROL_PATH_DIR": self.control_dir,
                    "ANSIBLE_LOCAL_TEMP": str(self.work / "tmp"),
                    "ANSIBLE_STDOUT_CALLBACK": callback,
                    **(env or {}),
                }
            ),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # its own process group: killed as one by its id
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            with self._changed:
                self._lines.append(line)
                self._changed.notify_all()
        with self._changed:
            self._changed.notify_all()

    @property
    def output(self) -> str:
        with self._changed:
            return "".join(self._lines)

    def wait_for_line(self, text: str, timeout: float = 60.0) -> bool:
        """Until a line containing ``text`` was printed (False: the run ended or
        ``timeout`` passed first)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not any(text in line for line in self._lines):
                left = deadline - time.monotonic()
                if left <= 0 or (not self._reader.is_alive()):
                    return any(text in line for line in self._lines)
                self._changed.wait(min(left, 0.2))
            return True

    def finish(self, timeout: float = 180.0) -> PlaybookRun:
        """Wait for the end (killing the run if it overstays) and parse the output."""
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(
                f"recover.yml still running after {timeout} s:\n{self.output}"
            ) from None
        finally:
            self._reader.join(timeout=10)
            shutil.rmtree(self.control_dir, ignore_errors=True)
        output = self.output
        tasks, stats = _parse(output)
        return PlaybookRun(
            rc=self.proc.returncode,
            stdout=output,
            results_by_task=latest_results(tasks),
            stats=stats,
            tasks=tasks,
        )

    def kill(self) -> None:
        """SIGKILL the run's whole process group (the forks and module processes)."""
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc.wait(timeout=30)
