"""RecoveryReport built from the modules' results, including absent and skipped parts."""

from __future__ import annotations

import json
import re

import pytest

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.report import (
    PassiveBaseline,
    ReportInputError,
    build_report,
    report_to_dict,
    to_json,
)
from ansible_collections.lispnet.ms_recovery.tests.unit.module_utils.test_report_samples import (
    full_success,
    map_request,
    ms_state,
    one_site_failed,
    registrations,
    reregister_ok,
)


def test_full_success_counts_every_site_recovered() -> None:
    report = build_report(full_success())
    assert (report.recovered_sites, report.total_sites) == (5, 5)
    assert report.failed == ()
    assert report.time_to_full_recovery == pytest.approx(0.8)
    assert (report.registered_eids, report.expected_eids) == (20, 20)
    assert report.checks_ok


def test_failed_site_has_a_reason_naming_its_etr() -> None:
    report = build_report(one_site_failed())
    assert (report.recovered_sites, report.total_sites) == (4, 5)
    [failed] = report.failed
    assert failed.name == "site-00003"
    assert "site-00003-etr1" in failed.reason
    assert "no Map-Notify-Ack after 3 retries" in failed.reason
    assert report.time_to_full_recovery is None
    assert report.baseline_sites_back is None
    assert not report.checks_ok


def test_etr_error_and_unreachable_etrs_are_reasons() -> None:
    results = full_success()
    rr = results["reregister"]
    rr["sites"][0]["recovered"] = False
    rr["sites"][0]["etrs"][0].update(acked=False, error="authentication failed")
    rr["sites"][1]["recovered"] = False
    rr["sites"][1]["etrs"][0]["acked"] = False
    rr["unreachable_etrs"] = ["site-00002-etr1"]
    rr["complete"] = False
    reasons = {s.name: s.reason for s in build_report(results).failed}
    assert reasons["site-00001"].endswith(": authentication failed")
    assert reasons["site-00002"].endswith(": unreachable")


def test_failed_site_without_per_site_entry_still_counts() -> None:
    results = full_success()
    results["reregister"]["failed_sites"] = ["site-00099"]
    results["reregister"]["complete"] = False
    report = build_report(results)
    assert report.total_sites == 6
    assert [s.name for s in report.failed] == ["site-00099"]


def test_site_listed_recovered_but_in_failed_sites_is_failed() -> None:
    results = full_success()
    results["reregister"]["failed_sites"] = ["site-00002"]
    report = build_report(results)
    assert [s.name for s in report.failed] == ["site-00002"]


def test_healthy_ms_without_reregister_judges_sites_by_map_request() -> None:
    report = build_report({"ms_state": ms_state("none"), "map_request": map_request()})
    assert report.reregister is None
    assert (report.recovered_sites, report.total_sites) == (5, 5)
    assert {s.source for s in report.sites} == {"map_request"}
    assert report.time_to_full_recovery is None
    assert report.checks_ok


def test_map_request_failure_fails_its_site_when_no_reregister() -> None:
    report = build_report({"map_request": map_request(failing_site="site-00002")})
    [failed] = report.failed
    assert failed.name == "site-00002"
    assert "negative" in failed.reason


def test_absent_parts_are_none() -> None:
    report = build_report({"reregister": reregister_ok()})
    assert report.ms is None and report.registrations is None and report.map_request is None
    assert report.recovered_sites == 5
    assert report.checks_ok


def test_no_results_is_not_a_success() -> None:
    report = build_report({})
    assert (report.total_sites, report.recovered_sites) == (0, 0)
    assert not report.checks_ok


def test_ms_state_alone_with_missing_eids_is_not_ok() -> None:
    assert not build_report({"ms_state": ms_state("reboot")}).checks_ok
    assert build_report({"ms_state": ms_state("none")}).checks_ok


def test_skipped_task_result_is_an_absent_part() -> None:
    skipped = {"changed": False, "skipped": True, "skip_reason": "Conditional result was False"}
    report = build_report({"ms_state": ms_state("none"), "reregister": skipped})
    assert report.reregister is None
    assert report.notes == ()


def test_failed_task_result_becomes_a_note_and_fails_the_report() -> None:
    results = full_success()
    results["map_request"] = {"failed": True, "msg": "NETCONF timeout"}
    report = build_report(results)
    assert report.map_request is None
    assert report.notes == ("map_request: the task failed: NETCONF timeout",)
    assert not report.checks_ok


def test_registered_counts_prefer_the_registrations_check() -> None:
    results = full_success()
    results["registrations"] = registrations(complete=False)
    assert build_report(results).registered_eids == 16


def test_progress_is_sorted_and_numbers_may_be_strings() -> None:
    results = {"reregister": reregister_ok()}
    results["reregister"]["progress"] = [["0.4", "12"], [0, 0], [0.8, 20]]
    results["reregister"]["elapsed"] = "0.8"
    report = build_report(results)
    assert report.reregister.progress == ((0.0, 0), (0.4, 12), (0.8, 20))
    assert report.time_to_full_recovery == pytest.approx(0.8)


@pytest.mark.parametrize(
    ("mutate", "where"),
    [
        (lambda r: r["reregister"].update(progress=[[1, 2, 3]]), "reregister.progress[0]"),
        (lambda r: r["reregister"].update(progress=[["x", 2]]), "reregister.progress[0]"),
        (lambda r: r["reregister"].update(sites="site-1"), "reregister.sites"),
        (lambda r: r["reregister"]["sites"][1].pop("site"), "reregister.sites[1].site"),
        (lambda r: r["ms_state"].update(event="exploded"), "ms_state.event"),
        (lambda r: r["map_request"]["results"][2].update(status="weird"), "results[2].status"),
        (lambda r: r["registrations"].update(counts=[1]), "registrations.counts"),
        (lambda r: r.update(bogus={}), "unknown part(s) bogus"),
        (lambda r: r.update(reregister=[1]), "reregister: expected a mapping"),
    ],
)
def test_wrong_shapes_name_the_field(mutate, where: str) -> None:
    results = full_success()
    mutate(results)
    with pytest.raises(ReportInputError, match=re.escape(where)):
        build_report(results)


def test_register_interval_must_be_positive() -> None:
    with pytest.raises(ReportInputError, match="register_interval"):
        build_report(full_success(), register_interval=0)


@pytest.mark.parametrize(
    ("seconds", "total", "expected"),
    [(0, 100, 0), (0.8, 5, 0), (6, 10, 1), (30, 5, 3), (60, 5, 5), (600, 5, 5), (-1, 5, 0)],
)
def test_passive_baseline_share(seconds: float, total: int, expected: int) -> None:
    assert PassiveBaseline(60).sites_back_at(seconds, total) == expected


def test_baseline_sites_back_uses_time_to_full_recovery() -> None:
    results = full_success()
    results["reregister"]["elapsed"] = 30.0
    report = build_report(results, register_interval=60)
    assert report.baseline_sites_back == 3  # 5 * 30/60 = 2.5, rounded half up


def test_json_is_deterministic_and_drops_unknown_keys() -> None:
    results = full_success()
    results["reregister"]["invocation"] = {"module_args": {"password": "hunter2"}}
    results["reregister"]["sites"][0]["secret_key"] = "hunter2"
    text = to_json(build_report(results))
    assert text == to_json(build_report(results))
    assert "hunter2" not in text
    data = json.loads(text)
    assert data["recovered_sites"] == 5
    assert data["time_to_full_recovery"] == pytest.approx(0.8)
    assert data["passive_baseline"]["sites_back_at_full_recovery"] == 0
    assert data["passive_baseline"]["register_interval"] == 60
    assert [s["site"] for s in data["sites"]][:2] == ["site-00001", "site-00002"]
    assert data["reregister"]["progress"][-1] == [0.8, 20]
    assert "sites" not in data["reregister"]  # per-site results live in data["sites"] only


def test_dict_has_absent_parts_as_null() -> None:
    data = report_to_dict(build_report({"reregister": reregister_ok()}))
    assert data["ms_state"] is None and data["map_request"] is None
    assert data["ok"] is True


def test_failed_task_that_carries_its_data_keeps_the_part() -> None:
    # reregister with fail_on_incomplete fails the task but returns the per-site results.
    results = one_site_failed()
    results["reregister"].update(failed=True, msg="the registration table is not whole")
    report = build_report(results)
    assert report.reregister is not None
    assert [s.name for s in report.failed] == ["site-00003"]
    assert report.notes == ("reregister: the task failed: the registration table is not whole",)


def test_map_request_module_summary_is_read_as_counts() -> None:
    data = map_request(failing_site="site-00001")
    counts = data.pop("counts")
    data["summary"] = {"total": 5, **counts, "latency_ms": {"min": 1.0, "median": 1.5}}
    report = build_report({"map_request": data})
    assert report.map_request.counts == {"ok": 4, "negative": 1, "rloc_mismatch": 0, "timeout": 0}
    assert not report.map_request.ok


def test_registration_entries_as_dicts_become_lines() -> None:
    data = registrations(complete=False)
    data["missing"] = [{"site": "site-00003", "eid": "10.0.3.0/24", "instance_id": 0}]
    data["rloc_mismatch"] = [
        {
            "site": "site-00004",
            "eid": "10.0.4.0/24",
            "instance_id": 0,
            "expected_rlocs": ["127.9.4.1"],
            "registered_rlocs": ["127.9.4.7"],
            "note": "IGNORED",
        }
    ]
    reg = build_report({"registrations": data}).registrations
    assert reg.missing == ("10.0.3.0/24 site-00003",)
    assert reg.rloc_mismatch == ("10.0.4.0/24 site-00004 registered 127.9.4.7 expected 127.9.4.1",)
