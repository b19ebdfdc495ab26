"""Sample module results in the documented shapes, shared by the report tests.

Imported by the other test_report_* files (pytest puts this directory on sys.path).
"""

from __future__ import annotations

import json
from typing import Any

SITES = ("site-00001", "site-00002", "site-00003", "site-00004", "site-00005")


def _etr(site: str, index: int, acked: bool = True, retries: int = 0, error: str | None = None):
    number = int(site[-5:])
    return {
        "etr": f"{site}-etr{index}",
        "rloc": f"127.9.{number}.{index}",
        "acked": acked,
        "retries": retries,
        "error": error,
    }


def ms_state(event: str = "reboot") -> dict[str, Any]:
    return {
        "event": event,
        "unit": {
            "name": "ms1-a",
            "role": "active",
            "boot_time": "2024-05-01T10:00:00Z",
            "reboot_count": 3,
        },
        "active": True,
        "map_server": "ms1",
        "expected": 20,
        "registered": 0 if event == "reboot" else 20,
        "missing": 20 if event == "reboot" else 0,
        "changed": False,  # a registered task result carries such keys
    }


def reregister_ok() -> dict[str, Any]:
    return {
        "method": "ms_rpc",
        "sent": 5,
        "acked": 5,
        "targeted_sites": 5,
        "failed_sites": [],
        "unreachable_etrs": [],
        "complete": True,
        "expected": 20,
        "registered": 20,
        "missing": [],
        "elapsed": 0.8,
        "progress": [[0.0, 0], [0.2, 4], [0.4, 12], [0.6, 16], [0.8, 20]],
        "sites": [{"site": s, "etrs": [_etr(s, 1)], "recovered": True} for s in SITES],
    }


def reregister_one_failed() -> dict[str, Any]:
    """site-00003's ETR never acked; the table stays at 16 of 20."""
    data = reregister_ok()
    data.update(
        acked=4,
        failed_sites=["site-00003"],
        unreachable_etrs=[],
        complete=False,
        registered=16,
        missing=["10.0.3.0/24", "10.0.3.1/32", "10.0.3.2/32", "10.0.3.3/32"],
        elapsed=None,
        progress=[[0.0, 0], [0.3, 8], [0.6, 16], [5.0, 16]],
    )
    data["sites"][2] = {
        "site": "site-00003",
        "etrs": [_etr("site-00003", 1, acked=False, retries=3, error=None)],
        "recovered": False,
    }
    return data


def registrations(complete: bool = True) -> dict[str, Any]:
    missing = [] if complete else ["10.0.3.0/24", "10.0.3.1/32", "10.0.3.2/32", "10.0.3.3/32"]
    return {
        "complete": complete,
        "counts": {
            "expected": 20,
            "registered": 20 - len(missing),
            "missing": len(missing),
            "unexpected": 0,
            "rloc_mismatch": 0,
            "stale": 0,
        },
        "missing": missing,
        "unexpected": [],
        "rloc_mismatch": [],
    }


def map_request(failing_site: str | None = None) -> dict[str, Any]:
    results = []
    for s in SITES:
        status = "negative" if s == failing_site else "ok"
        results.append(
            {
                "eid": f"10.0.{int(s[-5:])}.0/24",
                "site": s,
                "status": status,
                "rlocs": [] if status != "ok" else [f"127.9.{int(s[-5:])}.1"],
                "expected_rlocs": [f"127.9.{int(s[-5:])}.1"],
                "latency_ms": 1.5,
            }
        )
    counts = {
        k: sum(1 for r in results if r["status"] == k)
        for k in ("ok", "negative", "rloc_mismatch", "timeout")
    }
    return {"results": results, "counts": counts}


def full_success() -> dict[str, Any]:
    return {
        "ms_state": ms_state(),
        "reregister": reregister_ok(),
        "registrations": registrations(),
        "map_request": map_request(),
    }


def one_site_failed() -> dict[str, Any]:
    return {
        "ms_state": ms_state(),
        "reregister": reregister_one_failed(),
        "registrations": registrations(complete=False),
        "map_request": map_request(failing_site="site-00003"),
    }


def hostile(results: Any, name: str) -> Any:
    """``results`` with "site-00003" replaced by ``name`` in every string."""
    if isinstance(results, dict):
        return {k: hostile(v, name) for k, v in results.items()}
    if isinstance(results, list):
        return [hostile(v, name) for v in results]
    if isinstance(results, str):
        return results.replace("site-00003", name)
    return results


def test_samples_are_plain_json() -> None:
    # The module receives results through Ansible variables: JSON types only.
    for sample in (full_success(), one_site_failed()):
        assert json.loads(json.dumps(sample)) == sample
