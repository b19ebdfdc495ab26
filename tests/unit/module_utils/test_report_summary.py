"""The closing summary table: fixed width, the figures a reader looks for, failures by name."""

from __future__ import annotations

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.report import (
    build_report,
    summary_lines,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.report.summary import (
    LABEL_WIDTH,
    MAX_FAILURE_LINES,
)
from ansible_collections.lispnet.ms_recovery.tests.unit.module_utils.test_report_samples import (
    full_success,
    ms_state,
    one_site_failed,
    reregister_one_failed,
)


def _row(lines: list[str], label: str) -> str:
    [line] = [line for line in lines if line.startswith(label)]
    return line[LABEL_WIDTH:]


def test_success_table_has_sites_time_and_baseline_sentence() -> None:
    lines = summary_lines(build_report(full_success(), title="lab ms1"))
    assert lines[0] == "== lab ms1 =="
    assert _row(lines, "Sites recovered") == "5 / 5"
    assert _row(lines, "EIDs registered") == "20 / 20"
    assert _row(lines, "Full recovery") == "0.80 s"
    assert _row(lines, "Without the tool") == (
        "about 0 of 5 sites would have been back by then (estimate from the 60 s register interval)"
    )
    assert _row(lines, "Result") == "OK"
    assert not any(line.startswith("Failed sites") for line in lines)


def test_values_start_in_one_column() -> None:
    lines = summary_lines(build_report(full_success()))
    for line in lines[2:]:  # after the title and the headline
        assert line[LABEL_WIDTH - 1] == " ", line
        assert line[LABEL_WIDTH] != " ", line


def test_baseline_scales_with_time_and_interval() -> None:
    results = full_success()
    results["reregister"]["elapsed"] = 12.0
    lines = summary_lines(build_report(results, register_interval=30))
    assert _row(lines, "Without the tool").startswith("about 2 of 5 sites")
    assert "30 s register interval" in _row(lines, "Without the tool")


def test_failures_are_listed_by_name_with_reason() -> None:
    lines = summary_lines(build_report(one_site_failed()))
    assert _row(lines, "Sites recovered") == "4 / 5"
    assert _row(lines, "Full recovery") == "NOT reached"
    assert not any(line.startswith("Without the tool") for line in lines)
    assert _row(lines, "Registrations").startswith("FAIL: expected 20, registered 16, missing 4")
    assert _row(lines, "Map-Requests").startswith("FAIL: ok 4, negative 1")
    assert _row(lines, "Result") == "FAIL"
    index = lines.index("Failed sites (1)")
    assert lines[index + 1].split()[:2] == ["site-00003", "site-00003-etr1"]
    assert lines[index + 1].endswith("no Map-Notify-Ack after 3 retries")


def test_many_failures_are_capped_with_a_pointer_to_the_json() -> None:
    rr = reregister_one_failed()
    rr["failed_sites"] = [f"site-{i:05d}" for i in range(100, 160)]
    lines = summary_lines(build_report({"reregister": rr}))
    assert "Failed sites (61)" in lines
    assert lines[-1] == f"  ... and {61 - MAX_FAILURE_LINES} more (see report.json)"


def test_healthy_ms_says_why_reregistration_was_skipped() -> None:
    lines = summary_lines(build_report({"ms_state": ms_state("none")}))
    assert _row(lines, "Re-registration") == "skipped (MS healthy, nothing to recover)"
    assert _row(lines, "MS unit").startswith("ms1-a: role active, event none, reboots 3")
    assert _row(lines, "Sites recovered") == "0 / 0"


def test_control_characters_cannot_reach_the_terminal() -> None:
    results = one_site_failed()
    results["reregister"]["sites"][2]["etrs"][0]["error"] = "boom\x1b[2J\x07"
    text = "\n".join(summary_lines(build_report(results, title="t\x1b]0;pwned\x07")))
    assert "\x1b" not in text and "\x07" not in text
    assert "boom\ufffd[2J\ufffd" in text


def test_healthy_table_says_nothing_was_sent() -> None:
    results = full_success()
    results["reregister"].update(sent=0, acked=0, elapsed=None, sites=[], complete=True)
    lines = summary_lines(build_report(results))
    assert _row(lines, "Full recovery") == "table already complete, nothing sent"
    assert not any(line.startswith("Without the tool") for line in lines)


def test_headline_puts_the_table_whole_on_the_outage_axis() -> None:
    results = full_success()
    results["ms_state"]["unit"]["boot_time"] = "2024-05-01T10:00:00Z"
    results["reregister"]["acted_at"] = "2024-05-01T10:00:04.5+00:00"
    results["reregister"]["elapsed"] = 0.8
    report = build_report(results, register_interval=60)
    assert summary_lines(report)[1] == (
        "Table whole 5.30 s after the MS came back (the tool acted at 4.50 s),"
        " without the tool up to 60 s (about 30 s on average)"
    )
    assert report.timeline is not None and report.timeline.whole_after_back == 5.3


def test_headline_names_failed_sites_first() -> None:
    assert summary_lines(build_report(one_site_failed()))[1].startswith(
        "NOT whole: 1 site(s) failed: site-00003"
    )


def test_every_site_counts_also_those_back_before_the_tool_acted() -> None:
    results = full_success()
    results["reregister"]["whole_sites"] = ["site-00006", "site-00007"]
    report = build_report(results)
    assert (report.recovered_sites, report.total_sites) == (7, 7)
    back = {s.name: s.reason for s in report.sites if s.name in {"site-00006", "site-00007"}}
    assert back == dict.fromkeys(("site-00006", "site-00007"), "registered before the tool acted")
    assert "Sites recovered   7 / 7" in summary_lines(report)


def test_reregistration_row_counts_sites_per_method_and_messages() -> None:
    """auto mixes methods, and a bridge registration is not a notification."""
    results = full_success()
    results["reregister"]["method"] = "auto"
    for index, entry in enumerate(results["reregister"]["sites"]):
        entry["method"] = "register" if index < 3 else "lisp"
    lines = summary_lines(build_report(results))
    assert _row(lines, "Re-registration") == (
        "auto: 2 sites by lisp, 3 sites by register; 5 messages sent, 5 acknowledged"
    )


def test_reregistration_row_without_per_site_methods() -> None:
    lines = summary_lines(build_report(full_success()))
    assert _row(lines, "Re-registration") == "ms_rpc: 5 messages sent, 5 acknowledged"
