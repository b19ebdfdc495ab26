"""playbooks/recover.yml as users run it, against the lab: after a reboot or a
switchover the table is whole again (checked by an independent NETCONF read),
a healthy Map-Server gets nothing sent, check mode sends nothing, and ETRs that
are down are named and fail the play."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ansible_collections.lispnet.ms_recovery.lab.processes import wait_ms_back
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory import (
    load_inventory,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.types import Eid, IPAddress
from ansible_collections.lispnet.ms_recovery.tests.integration.ansible_helpers import (
    PlaybookRun,
    run_playbook,
)
from ansible_collections.lispnet.ms_recovery.tests.support.lab import Lab

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]

RECOVER = Path(__file__).resolve().parents[2] / "playbooks" / "recover.yml"
ROLE = "lispnet.ms_recovery.ms_recovery : "
REREGISTER = ROLE + "Ask the sites' ETRs to re-register"


def recover(lab: Lab, *args: str, check: bool = False) -> PlaybookRun:
    report = lab.dir / "report"
    return run_playbook(
        lab,
        f"- ansible.builtin.import_playbook: {RECOVER}\n",
        "-e",
        f"report_dir={report}",
        *args,
        check=check,
    )


def expected(lab: Lab) -> dict[Eid, frozenset[IPAddress]]:
    return load_inventory(lab.eids).expected("ms1")


def reboot(lab: Lab) -> None:
    lab.control("reboot", down_for=1.0)
    wait_ms_back(lab.dir, timeout=20)


@pytest.mark.parametrize("method", ["ms", "lisp", "netconf"])
def test_reboot_is_recovered_then_a_rerun_sends_nothing(lab: Lab, method: str) -> None:
    reboot(lab)
    run = recover(lab, "-e", f"ms_recovery_method={method}")
    assert run.rc == 0, run.output
    assert lab.registered() == expected(lab)
    result = run.result(REREGISTER, "ms1-a")
    assert result["method"] == method and result["complete"] is True
    report = json.loads((lab.dir / "report" / "report.json").read_text())
    assert report["ok"] is True
    assert (lab.dir / "report" / "report.junit.xml").exists()
    assert (lab.dir / "report" / "report.html").exists()

    again = recover(lab, "-e", f"ms_recovery_method={method}")
    assert again.rc == 0, again.output
    healthy = again.result(REREGISTER, "ms1-a")
    assert healthy["sent"] == 0 and healthy["changed"] is False


def test_switchover_is_recovered_on_the_new_active_unit(lab: Lab) -> None:
    assert lab.control("switchover")["active"] == "ms1-b"
    run = recover(lab)
    assert run.rc == 0, run.output
    assert run.result(ROLE + "Detect a reboot or switchover", "ms1-b")["active"] is True
    assert lab.registered(1) == expected(lab)


def test_check_mode_sends_nothing(lab: Lab) -> None:
    reboot(lab)
    run = recover(lab, check=True)
    result = run.result(REREGISTER, "ms1-a")
    assert result.get("sent", 0) == 0 and result["would_send"], run.output
    # Nothing was notified: only an ETR whose own timer fired can be back.
    assert len(lab.registered()) < len(expected(lab))


def test_etrs_that_are_down_are_named_and_fail_the_play(lab: Lab) -> None:
    inventory = load_inventory(lab.eids)
    down = inventory.sites[2]
    lab.control("stop_etr", process=lab.etr_process_of(2), name=down.etrs[0].name)
    reboot(lab)
    # Notified, a stopped ETR cannot re-register. (A bridge, method auto or
    # register, would restore its site's stored registration regardless.)
    run = recover(lab, "-e", "ms_recovery_timeout=5", "-e", "ms_recovery_method=ms")
    assert run.rc != 0
    assert down.name in run.output
    table = lab.registered()
    assert all(eid not in table for eid in down.eids)
    others = {k: v for k, v in expected(lab).items() if k not in down.eids}
    assert {k: table[k] for k in others if k in table} == others


def test_an_unreachable_map_server_shows_progress_and_an_explained_bounded_failure(
    lab: Lab,
) -> None:
    """Its NETCONF port refuses connections: a progress line per attempt, then
    a failure saying what was tried, for how long and what to check."""
    run = run_playbook(
        lab,
        f"- ansible.builtin.import_playbook: {RECOVER}\n",
        "--limit",
        "ms1-b",
        "-e",
        "ansible_port=1",  # nothing listens there
        "-e",
        "ms_recovery_port_timeout=3",
        "-e",
        "ms_recovery_port_poll=1",
        callback="ansible.builtin.default",
    )
    assert run.rc != 0
    assert run.output.count("FAILED - RETRYING") >= 2, run.output
    address = lab.spec.unit_address(1)
    assert f"ms1-b: no TCP connection to its NETCONF port {address}:1 within 3 s" in run.output
    assert "attempts of 1 s" in run.output and "Nothing was sent" in run.output
    assert "ansible_host and ansible_port" in run.output


def test_a_split_brain_is_named_and_nothing_is_sent_unless_told(lab: Lab) -> None:
    """Both units claim active: the play stops for them, naming both; with
    ms_recovery_split_brain_recover each recovers and writes its own report."""
    before = lab.control("status", process=lab.etr_process_of(0))["etrs"]
    assert lab.control("split_brain")["active_units"] == ["ms1-a", "ms1-b"]
    run = recover(lab)
    assert run.rc != 0
    for unit in ("ms1-a", "ms1-b"):
        state = run.result(ROLE + "Detect a reboot or switchover", unit)
        assert state["active"] is True
        stop = run.result(ROLE + "Stop on a split brain unless told to recover anyway", unit)
        assert stop["failed"] is True
        assert "split brain on ms1: units ms1-a, ms1-b all claim to be active" in stop["msg"]
        assert "Nothing was sent" in stop["msg"]
    # The fork that recorded its claim second saw the first one's.
    assert any(
        run.result(ROLE + "Detect a reboot or switchover", unit)["split_brain"]
        for unit in ("ms1-a", "ms1-b")
    )
    after = lab.control("status", process=lab.etr_process_of(0))["etrs"]
    assert {n: e["reregistrations"] for n, e in after.items()} == {
        n: e["reregistrations"] for n, e in before.items()
    }
    assert not (lab.dir / "report").exists()

    told = recover(
        lab,
        "-e",
        "ms_recovery_split_brain_recover=true",
        "-e",
        "ms_recovery_method=lisp",
        "-e",
        "ms_recovery_timeout=3",
        "-e",
        "ms_recovery_probe_sample=0",
    )
    for unit in ("ms1-a", "ms1-b"):
        report = json.loads((lab.dir / "report" / unit / "report.json").read_text())
        assert report["ms_state"]["active_units"] == ["ms1-a", "ms1-b"], told.output
        assert report["ms_state"]["unit_name"] == unit
    assert not (lab.dir / "report" / "report.json").exists()


def _changed_tasks(run: PlaybookRun) -> list[str]:
    return [
        f"{name} on {host}"
        for name, hosts in run.tasks
        for host, result in hosts.items()
        if result.get("changed")
    ]


def test_two_healthy_runs_in_a_row_the_second_changes_nothing(lab: Lab) -> None:
    first = recover(lab)
    assert first.rc == 0, first.output
    second = recover(lab)
    assert second.rc == 0, second.output
    assert _changed_tasks(second) == []
    assert {host: stats.get("changed", 0) for host, stats in second.stats.items()} == {
        host: 0 for host in second.stats
    }
    # The report files hold the second run (its own generation time).
    report = json.loads((lab.dir / "report" / "report.json").read_text())
    assert report["generated_at"] is not None and report["ok"] is True


def test_check_mode_after_a_reboot_reports_what_would_be_sent(lab: Lab) -> None:
    assert recover(lab).rc == 0  # the controller knows the units from a healthy run
    reboot(lab)
    run = recover(lab, check=True)
    assert run.rc == 0, run.output
    state = run.result(ROLE + "Detect a reboot or switchover", "ms1-a")
    assert state["event"] == "reboot" and state["changed"] is True
    result = run.result(REREGISTER, "ms1-a")
    assert result.get("sent", 0) == 0
    assert result["would_send"] == lab.spec.etrs_total, result
    assert {s["site"] for s in result["sites"]} == {s.name for s in load_inventory(lab.eids).sites}
    assert len(lab.registered()) < len(expected(lab))  # nothing was sent
    # The play ends with what a real run would do, not with a failure.
    shown = run.result(ROLE + "Show what a real run would send (check mode)", "ms1-a")
    assert f"would ask the ETRs of {len(result['sites'])} site(s)" in shown["msg"]
