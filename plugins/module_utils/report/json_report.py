# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""report.json: the normalised report (documented fields only) plus the derived figures."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.report.model import (
    RecoveryReport,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.report.summary import headline

SCHEMA_VERSION = 1


def _part(part: Any) -> Any:
    return None if part is None else dataclasses.asdict(part)


def report_to_dict(report: RecoveryReport) -> dict[str, Any]:
    ttr = report.time_to_full_recovery
    reregister = _part(report.reregister)
    if reregister is not None:
        # Per-site results are in the top-level "sites", with their verdicts.
        del reregister["sites"]
    return {
        "schema_version": SCHEMA_VERSION,
        "title": report.title,
        "generated_at": report.generated_at,
        "ok": report.checks_ok,
        "total_sites": report.total_sites,
        "recovered_sites": report.recovered_sites,
        "failed_sites": [s.name for s in report.failed],
        "expected_eids": report.expected_eids,
        "registered_eids": report.registered_eids,
        "time_to_full_recovery": ttr,
        "headline": headline(report),
        "timeline": _part(report.timeline),
        "passive_baseline": {
            "register_interval": report.baseline.register_interval,
            "estimate": report.baseline.label,
            "sites_back_at_full_recovery": report.baseline_sites_back,
        },
        "sites": [
            {
                "site": s.name,
                "recovered": s.recovered,
                "reason": s.reason,
                "source": s.source,
                **dataclasses.asdict(s.served),
                "etrs": [dataclasses.asdict(e) for e in s.etrs],
            }
            for s in report.sites
        ],
        "ms_state": _part(report.ms),
        "reregister": reregister,
        "registrations": _part(report.registrations),
        "map_request": _part(report.map_request),
        "notes": list(report.notes),
    }


def to_json(report: RecoveryReport) -> str:
    # Sorted keys and no timestamp of our own: the same inputs give the same bytes.
    return json.dumps(report_to_dict(report), indent=2, sort_keys=True) + "\n"
