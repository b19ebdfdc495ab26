"""The EID inventory loaded and validated as the action plugin does it
(plugin_utils/eid_inventory_cache.py), in a fresh process each time: once
with no cache entry (the first task of a first run validates the YAML), once
with one (every later task and run). Time and the process's peak RSS."""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from .phases import _bench_env, _r
from .subproc import run_measured

_CHILD = """
import json, sys, time
from ansible_collections.lispnet.ms_recovery.plugins.plugin_utils.eid_inventory_cache import (
    validated_inventory,
)
def hwm():
    # VmHWM: this process's own peak (ru_maxrss would carry the parent's over exec).
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
before = hwm()
started = time.perf_counter()
validated = validated_inventory(sys.argv[1])
seconds = time.perf_counter() - started
print(json.dumps({"seconds": seconds, "peak_rss_mb": hwm(), "before_mb": before}))
"""


def inventory_load(eids: Path) -> dict[str, Any]:
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="eid-cache-") as cache:
        env = {**_bench_env(), "LISPNET_MS_RECOVERY_CACHE_DIR": cache}
        for case in ("validate", "cached"):
            measured = run_measured([sys.executable, "-c", _CHILD, str(eids)], timeout=120, env=env)
            try:
                run = json.loads(measured.stdout.strip().splitlines()[-1])
            except (ValueError, IndexError):
                out[case] = {"error": measured.stderr[-500:]}
                continue
            out[case] = {
                "seconds": round(run["seconds"], 3),
                "process_cpu_s": _r(measured.cpu_s),
                # The process's peak, and what Python and the imports took before.
                "peak_rss_mb": round(run["peak_rss_mb"], 1),
                "rss_before_load_mb": round(run["before_mb"], 1),
            }
    return out
