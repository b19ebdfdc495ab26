"""The report shows per site which method served it and, for a bridge, when it
was bridged, when its own ETR confirmed it and whether the bridge was withdrawn."""

from __future__ import annotations

import copy

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.report import (
    build_report,
    to_html,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.report.json_report import (
    report_to_dict,
)
from ansible_collections.lispnet.ms_recovery.tests.unit.module_utils.test_report_samples import (
    full_success,
)

BRIDGED = "2026-12-04T02:00:00.100000+00:00"
CONFIRMED = "2026-12-04T02:00:31.000000+00:00"


def bridged_results() -> dict:
    results = copy.deepcopy(full_success())
    sites = results["reregister"]["sites"]
    sites[0].update(
        method="register", bridged=BRIDGED, etr_confirmed=CONFIRMED, bridge_withdrawn=CONFIRMED
    )
    sites[1].update(method="ms")
    return results


def test_json_and_html_show_how_each_site_was_served() -> None:
    report = build_report(bridged_results())
    sites = {s["site"]: s for s in report_to_dict(report)["sites"]}
    first, second = (results := bridged_results())["reregister"]["sites"][:2]
    assert sites[first["site"]]["method"] == "register"
    assert sites[first["site"]]["bridged"] == BRIDGED
    assert sites[first["site"]]["etr_confirmed"] == CONFIRMED
    assert sites[first["site"]]["bridge_withdrawn"] == CONFIRMED
    assert sites[second["site"]]["method"] == "ms"
    assert sites[second["site"]]["bridged"] is None
    page = to_html(build_report(results))
    assert BRIDGED in page and CONFIRMED + " (bridge withdrawn)" in page
