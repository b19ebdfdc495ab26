"""`make bench`, reduced: 100 sites, a 5 s register interval, two methods.

Checks that the benchmark runs end to end and reports what it promises; the
numbers themselves are not asserted (no timed assertions in tests).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _alive(pid: int, marker: str) -> bool:
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return marker.encode() in cmdline and state != "Z"


def test_bench_at_100_sites(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    run = subprocess.run(
        [
            sys.executable,
            str(REPO / "bench" / "run.py"),
            "--sizes",
            "100",
            "--eids-per-site",
            "2",
            "--register-interval",
            "5",
            "--down-for",
            "1",
            "--methods",
            "ms",
            "register",
            "--tool-timeout",
            "30",
            "--playbook-timeout",
            "120",
            "--work-dir",
            str(tmp_path),
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    results = json.loads(out.read_text())
    assert {"cpu_model", "cores", "memory_gb", "python", "kernel"} <= set(results["machine"])
    [size] = results["sizes"]
    assert (size["sites"], size["eids"]) == (100, 200)

    passive = size["passive"]
    assert passive["recovered_s"] is not None  # the ETRs' own timers refilled it
    assert passive["curve"] and passive["curve"][-1][1] == 200

    tool = size["tool"]["ms"]
    assert tool["error"] is None and tool["complete"] is True
    for key in ("recovered_s", "whole_after_first_notification_s", "negative_window_s"):
        assert tool[key] is not None, key
    assert tool["probe"]["all_positive"] is True
    assert tool["controller"]["peak_rss_mb"] > 0 and tool["controller"]["cpu_s"] > 0
    assert tool["verify"]["records"] == 200
    assert size["ratios_passive_over_tool"]["ms"] is not None
    assert size["etr_behaviour"] == "notify"  # ms needs ETRs that act on notifications

    # register: every site the bridges served, then confirmed by its own ETR
    # (and the bridge withdrawn: the lab's MS honours the T bit); the targets
    # include the confirmation within one register interval.
    bridge = size["tool"]["register"]
    assert bridge["error"] is None and bridge["complete"] is True
    assert bridge["bridged_sites"] and bridge["etr_confirmed_sites"] == bridge["bridged_sites"]
    assert bridge["bridges_withdrawn"] == bridge["bridged_sites"]
    assert bridge["whole_after_first_notification_s"] is not None
    confirmed = [t for t in results["targets"] if "confirmed by their own ETR" in t["target"]]
    assert confirmed and confirmed[0]["value"] is not None, results["targets"]
    assert "bridges:" in run.stdout

    detection = size["detection"]
    assert detection.get("error") is None, detection
    assert detection["event"] == "reboot" and detection["latency"] >= 0
    assert "EDA detection" in run.stdout

    playbook = size["playbook"]
    assert playbook["returncode"] == 0, playbook["tail"]
    assert playbook["recovered_s"] is not None

    processes = size["lab"]["processes"]
    assert {"ms", "etrs-0"} <= set(processes)
    assert all(p["peak_rss_mb"] > 0 for p in processes.values())
    # Every lab process was stopped at the end.
    assert not any(_alive(pid, "lab.shard") for pid in size["lab"]["pids"].values())

    assert "passive" in run.stdout and "ms" in run.stdout and "machine:" in run.stdout
