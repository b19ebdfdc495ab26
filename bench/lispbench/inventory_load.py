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

from .phases import _bench_env
from .subproc import run_measured

_CHILD = """
import json, sys, time
from ansible_collections.lispnet.ms_recovery.plugins.plugin_utils.eid_inventory_cache import (
    validated_inventory,
)
started = time.perf_counter()
validated = validated_inventory(sys.argv[1])
print(json.dumps({"seconds": time.perf_counter() - started, "bytes": len(validated.handover)}))
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
                "process_cpu_s": round(measured.cpu_s, 2),
                "peak_rss_mb": round(measured.peak_rss_mb, 1),
            }
    return out
