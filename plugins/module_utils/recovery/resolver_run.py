# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One ``map_request`` run: plan the queries, probe, judge, summarize."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory import (
    EidInventory,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.recovery.reregister_plan import (
    default_map_server,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.recovery.resolver import (
    classify,
    plan_queries,
    summarize,
    threshold_failures,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.recovery.resolver_udp import (
    ProbeSettings,
    Resolver,
    resolve_all,
)


def run_map_request(
    inventory: EidInventory,
    *,
    map_server: str | None,
    eids: Sequence[str] | None,
    sample: int | None,
    settings: ProbeSettings,
    fail_on: Mapping[str, int | None] | None = None,
) -> dict[str, Any]:
    ms_name = default_map_server(inventory, map_server)
    ms_address = inventory.map_server(ms_name).lisp_address
    queries = plan_queries(inventory, ms_name, eids, sample)
    threshold_failures(summarize([]), fail_on)  # a bad key fails before any probe
    answers = asyncio.run(resolve_all(ms_address, queries, settings)) if queries else []
    results = [classify(query, answer, attempts) for query, answer, attempts in answers]
    summary = summarize(results)
    result: dict[str, Any] = {
        "changed": False,
        "map_server": ms_name,
        "map_server_address": str(ms_address),
        "results": results,
        "summary": summary,
    }
    problems = threshold_failures(summary, fail_on)
    if problems:
        bad = [r for r in results if r["status"] != "ok"][:10]
        listed = ", ".join(f"{r['eid']} ({r['site'] or 'no site'}): {r['status']}" for r in bad)
        result["failed"] = True
        result["msg"] = f"Map-Request check failed: {'; '.join(problems)}. First: {listed}"
    return result


__all__ = ["ProbeSettings", "Resolver", "run_map_request"]
