"""One measurement each: passive refill, a reregister method, the playbook.

Every phase reboots the active unit first, then runs the negative-window probe
and the ground-truth table watch alongside what it measures. All instants are
``time.time()``; durations in the results are seconds.
"""

from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory import (
    EidInventory,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory.handover import (
    handover_text,
)

from . import procstats
from .labctl import BenchLab, TableWatch
from .netconf_sampler import SummarySampler
from .probe import NegativeProbe
from .subproc import run_measured

REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Settings:
    down_for: float = 2.0
    tool_timeout: float = 60.0  # per method, from the reboot
    playbook_timeout: float = 300.0
    probe_sample: int = 20
    register_interval: float = 60.0
    pace: float = 5000.0  # lisp method: notifications per second


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def _since(end: float | None, start: float | None) -> float | None:
    return None if end is None or start is None else round(end - start, 3)


class Phase:
    """What every phase shares: reboot, probe, watch, lab CPU accounting."""

    def __init__(self, lab: BenchLab, inventory: EidInventory, settings: Settings) -> None:
        self.lab, self.inventory, self.settings = lab, inventory, settings
        # The inventory as the reregister module gets it from its action plugin.
        self.handover = lab.dir / "handover.json"
        self.handover.touch(mode=0o600)  # the sites' keys, in clear
        self.handover.write_text(handover_text(inventory))

    def begin(self) -> tuple[float, TableWatch, NegativeProbe, dict[str, procstats.ProcStats]]:
        before = procstats.snapshot(self.lab.pids())
        watch = TableWatch(self.lab.ms_sock).start()
        probe = NegativeProbe(
            self.inventory, sample=self.settings.probe_sample, limit=self.settings.tool_timeout * 3
        )
        after = self.lab.reboot(self.settings.down_for)
        probe.start()
        return after, watch, probe, before

    def end(
        self,
        after: float,
        watch: TableWatch,
        probe: NegativeProbe,
        before: dict[str, procstats.ProcStats],
        whole_timeout: float,
    ) -> dict[str, Any]:
        whole = self.lab.wait_whole(watch, after, whole_timeout)
        back = watch.back_at(after)
        probe.wait(timeout=15 if whole else 1)
        result = probe.stop()
        watch.stop()
        now = procstats.snapshot(self.lab.pids())
        window_end = result.window_end()
        return {
            "rebooted": after,
            "back": back,
            "whole": whole,
            "down_s": _since(back, after),
            "whole_after_back_s": _since(whole, back),
            "negative_window_s": _since(window_end, after),
            "negative_window_after_back_s": _since(window_end, back),
            "probe": result.as_json(),
            "lab_cpu_s": {
                name: round(now[name].cpu_s - before[name].cpu_s, 2)
                for name in now
                if name in before
            },
            "_watch": watch,
        }


def passive(phase: Phase, sampler_unit: int) -> dict[str, Any]:
    """ETRs refill the table on their own register timers."""
    after, watch, probe, before = phase.begin()
    sampler = SummarySampler(phase.lab.dir, phase.lab.spec, sampler_unit).start()
    bound = phase.settings.down_for + phase.settings.register_interval * 1.5 + 15
    try:
        out = phase.end(after, watch, probe, before, whole_timeout=bound)
    finally:
        sampler.stop()
    back = out["back"] or after
    out["curve_netconf"] = [[round(t - back, 2), n] for t, n in sampler.samples if t >= back]
    out["netconf_summary_read_s"] = _r(
        sorted(sampler.read_seconds)[len(sampler.read_seconds) // 2]
        if sampler.read_seconds
        else None
    )
    out["netconf_summary_errors"] = sampler.errors
    out["curve"] = out.pop("_watch").curve(after)
    out["recovered_s"] = out["whole_after_back_s"]
    return out


def _bench_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in [str(REPO / "bench"), env.get("PYTHONPATH", "")] if p
    )
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env["ANSIBLE_CONFIG"] = str(REPO / "ansible.cfg")
    env["ANSIBLE_NOCOLOR"] = "1"
    return env


_BRIDGE_KEYS = (
    "bridged_sites",
    "bridged_spread_s",
    "etr_confirmed_sites",
    "etr_confirmed_within_s",
    "bridges_withdrawn",
    "bridge_retransmissions",
)


def tool(phase: Phase, method: str) -> dict[str, Any]:
    """The reregister engine (the module's code), run as a separate process."""
    after, watch, probe, before = phase.begin()
    argv = [sys.executable, "-m", "lispbench.tool_run", "--dir", str(phase.lab.dir)]
    argv += ["--handover", str(phase.handover)]
    argv += ["--method", method, "--after", str(after)]
    argv += ["--timeout", str(phase.settings.tool_timeout), "--pace", str(phase.settings.pace)]
    # register also waits up to a register interval for the ETRs to take over.
    extra = phase.settings.register_interval + 10 if method == "register" else 0
    measured = run_measured(
        argv, timeout=phase.settings.tool_timeout + 60 + extra, env=_bench_env()
    )
    out = phase.end(after, watch, probe, before, whole_timeout=5)
    out.pop("_watch")
    try:
        run = json.loads(measured.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        run = {"error": f"no result (rc {measured.returncode}): {measured.stderr[-800:]}"}
    back, whole = out["back"], out["whole"]
    out.update(
        {
            "method": method,
            "error": run.get("error"),
            "complete": run.get("complete"),
            "sent": run.get("sent"),
            "acked": run.get("acked"),
            "table_reads": run.get("table_reads"),
            "detected_after_back_s": _since(run.get("detected"), back),
            "first_notification_after_back_s": _since(run.get("first_notification"), back),
            "recovered_s": _since(whole, back),  # MS back -> table whole
            "whole_after_detection_s": _since(whole, run.get("detected")),
            "whole_after_first_notification_s": _since(whole, run.get("first_notification")),
            "tool_saw_whole_after_back_s": _since(run.get("tool_saw_whole"), back),
            "inventory_load_s": _since(run.get("inventory_loaded"), run.get("started")),
            "verify": run.get("verify"),
            **{k: run[k] for k in _BRIDGE_KEYS if k in run},
            "register_interval": phase.settings.register_interval,
            "controller": {
                "wall_s": _r(measured.wall_s),
                "cpu_s": _r(measured.cpu_s),
                # The process's own VmHWM: ru_maxrss carries the bench's over exec.
                "peak_rss_mb": _r(run.get("self_peak_rss_mb")),
                "timed_out": measured.timed_out,
            },
        }
    )
    return out


def playbook(phase: Phase, report_dir: Path) -> dict[str, Any]:
    """`ansible-playbook playbooks/recover.yml` end to end, after a reboot."""
    after, watch, probe, before = phase.begin()
    argv = [
        str(Path(sys.executable).parent / "ansible-playbook"),
        str(REPO / "playbooks" / "recover.yml"),
        "-i",
        str(phase.lab.dir / "inventory.yml"),
        "-e",
        f"report_dir={report_dir}",
    ]
    started = time.time()
    measured = run_measured(argv, timeout=phase.settings.playbook_timeout, env=_bench_env())
    ended = time.time()
    out = phase.end(after, watch, probe, before, whole_timeout=5)
    out.pop("_watch")
    back = out["back"]
    out.update(
        {
            "returncode": measured.returncode,
            "timed_out": measured.timed_out,
            "wall_s": _r(measured.wall_s),  # from the reboot: it waits for the port
            "after_back_s": _since(ended, back),
            "started_after_reboot_s": _since(started, after),
            "recovered_s": out["whole_after_back_s"],
            "controller": {"cpu_s": _r(measured.cpu_s), "peak_rss_mb": _r(measured.peak_rss_mb)},
            "tail": "" if measured.returncode == 0 else measured.stdout[-1500:],
        }
    )
    return out
