"""bench/lispbench/subproc.py: the figures of a measured command are its own.

Each case runs the measuring side in a separate Python (the "bench"), so that
this test process's own size does not matter and the bench can be made big.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[3] / "bench"

# The bench: holds HOLD_MB of touched memory, then measures CHILD.
_BENCH = """
import json, sys
sys.path.insert(0, sys.argv[1])
from lispbench.subproc import run_measured
hold = b"\\x01" * (int(sys.argv[2]) << 20)
m = run_measured([sys.executable, "-c", sys.argv[3]], timeout=float(sys.argv[4]))
print(json.dumps({"returncode": m.returncode, "stdout": m.stdout, "stderr": m.stderr,
                  "cpu_s": m.cpu_s, "peak_rss_mb": m.peak_rss_mb, "timed_out": m.timed_out}))
"""

# Allocates (and touches) 10 MB more than a bare interpreter.
_CHILD_10MB = "data = b'\\x01' * (10 << 20); print(len(data))"


def _measure(child: str, hold_mb: int = 0, timeout: float = 60.0) -> dict[str, object]:
    run = subprocess.run(
        [sys.executable, "-c", _BENCH, str(BENCH), str(hold_mb), child, str(timeout)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    result: dict[str, object] = json.loads(run.stdout)
    return result


def test_peak_rss_is_the_childs_not_the_benchs() -> None:
    measured = _measure(_CHILD_10MB, hold_mb=200)
    assert measured["returncode"] == 0 and measured["stdout"] == f"{10 << 20}\n"
    peak = measured["peak_rss_mb"]
    # Its 10 MB and an interpreter, not the 200 MB the bench holds (ru_maxrss
    # of a child the bench forked carried the bench's high-water mark).
    assert isinstance(peak, float) and 10 < peak < 60, peak


def test_peak_rss_follows_what_the_child_uses() -> None:
    small = _measure("pass")["peak_rss_mb"]
    big = _measure("data = b'\\x01' * (80 << 20)")["peak_rss_mb"]
    assert isinstance(small, float) and isinstance(big, float)
    assert big - small > 70, (small, big)


def test_exit_status_output_and_cpu_pass_through() -> None:
    measured = _measure("import sys; print('out'); print('err', file=sys.stderr); sys.exit(3)")
    assert (measured["returncode"], measured["stdout"], measured["stderr"]) == (3, "out\n", "err\n")
    assert isinstance(measured["cpu_s"], float) and measured["cpu_s"] > 0
    assert measured["timed_out"] is False


def test_a_signal_is_reported_as_a_negative_status() -> None:
    measured = _measure("import os, signal; os.kill(os.getpid(), signal.SIGTERM)")
    assert measured["returncode"] == -15


def test_a_command_past_its_timeout_is_killed_and_has_no_figures() -> None:
    measured = _measure("import time; time.sleep(60)", timeout=1.0)
    assert measured["timed_out"] is True and measured["returncode"] == -9
    assert measured["peak_rss_mb"] is None and measured["cpu_s"] is None
