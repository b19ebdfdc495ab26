"""ms_state and registrations run by real ansible-playbook against a lab.

One lab serves the whole file (starting one takes a while); every test makes
the preconditions it needs (a full table, its own state file) and puts
stopped ETRs back. Secrets (site keys, the NETCONF password) are searched for
in every run's output.
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from ansible_collections.lispnet.ms_recovery.lab.processes import wait_ms_back
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory import (
    load_inventory,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms import get_platform
from ansible_collections.lispnet.ms_recovery.tests.integration.ansible_helpers import (
    BIN_DIR,
    PlaybookRun,
    ansible_env,
    run_playbook,
)
from ansible_collections.lispnet.ms_recovery.tests.support.lab import Lab, running_lab

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]

UNITS = ("ms1-a", "ms1-b")
DEFAULT_CALLBACK = "ansible.builtin.default"


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    root = tmp_path_factory.mktemp("ms-state")
    with running_lab(
        root / "lab", sites=5, register_interval=30.0, notify_schedule=(0.5, 0.5, 1.0)
    ) as running:
        yield running


def secrets_of(lab: Lab) -> list[str]:
    eids = yaml.safe_load(lab.eids.read_text())
    return [str(site["key"]) for site in eids["sites"]] + [lab.spec.password]


def assert_no_secret(lab: Lab, run: PlaybookRun) -> None:
    for secret in secrets_of(lab):
        assert secret not in run.output, "a secret appeared in the play output"


def play(lab: Lab, yaml_text: str, *args: str, check: bool = False) -> PlaybookRun:
    run = run_playbook(lab, yaml_text, *args, check=check)
    assert_no_secret(lab, run)
    return run


def active_index(lab: Lab) -> int:
    units = lab.control("status")["units"]
    return next(i for i, u in enumerate(units) if u["role"] == "active")


def refill(lab: Lab, expect_missing: int = 0, timeout: float = 30.0) -> None:
    """Ask the active unit to have every site re-register (MS-native RPC), then
    wait (bounded) until the table holds all EIDs but ``expect_missing``."""
    platform = get_platform()
    with lab.ms_session(active_index(lab)) as session:
        platform.send_reregistration(session, [], True, 10)
        deadline = time.monotonic() + timeout
        while True:
            _unused, summary = platform.read_ms_unit_summary(session)
            assert summary is not None
            if summary.registered_eids == summary.expected_eids - expect_missing:
                return
            assert time.monotonic() < deadline, f"table not refilled: {summary}"
            time.sleep(0.2)


def state_play(state_file: Path, *, inventory: bool = True, extra_tasks: str = "") -> str:
    option = '\n        eid_inventory: "{{ lisp_eid_inventory }}"' if inventory else ""
    return f"""
- hosts: map_servers
  gather_facts: false
  tasks:{extra_tasks}
    - name: state
      lispnet.ms_recovery.ms_state:
        state_file: {state_file}{option}
"""


REGISTRATIONS_PLAY = """
- hosts: map_servers
  gather_facts: false
  tasks:
    - name: table
      lispnet.ms_recovery.registrations:
        eid_inventory: "{{ inventory_file_override | default(lisp_eid_inventory) }}"
        fail_on: {missing: 0, rloc_mismatch: 0}
      ignore_errors: true
"""


def test_ansible_doc_renders() -> None:
    for name in ("ms_state", "registrations"):
        fqcn = f"lispnet.ms_recovery.{name}"
        text = subprocess.run(
            [str(BIN_DIR / "ansible-doc"), fqcn],
            env=ansible_env(),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert text.returncode == 0 and not text.stderr.strip(), text.stderr
        assert "eid_inventory" in text.stdout and "RETURN VALUES" in text.stdout
        as_json = subprocess.run(
            [str(BIN_DIR / "ansible-doc"), "--json", fqcn],
            env=ansible_env(),
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        doc = json.loads(as_json.stdout)[fqcn]
        assert "eid_inventory" in doc["doc"]["options"]
        assert all(isinstance(d, str) for d in doc["doc"]["description"])
        assert "changed" in doc["return"]


def test_first_seen_then_none_and_check_mode(lab: Lab, tmp_path: Path) -> None:
    state = tmp_path / "ms1.json"
    first = play(lab, state_play(state))
    assert first.rc == 0, first.output
    for unit in UNITS:
        result = first.result("state", unit)
        assert (result["event"], result["changed"], result["map_server"]) == (
            "first_seen",
            False,
            "ms1",
        )
    assert json.loads(state.read_text())["units"].keys() == set(UNITS)

    second = play(lab, state_play(state))
    assert second.rc == 0, second.output
    for unit in UNITS:
        result = second.result("state", unit)
        assert (result["event"], result["changed"]) == ("none", False)
    assert second.result("state", "ms1-a")["active"] is True
    assert second.result("state", "ms1-a")["expected"] == 10

    checked_state = tmp_path / "check" / "ms1.json"
    checked = play(lab, state_play(checked_state), check=True)
    assert checked.rc == 0, checked.output
    assert checked.result("state", "ms1-a")["changed"] is False  # a first sighting
    assert not checked_state.parent.exists()


def test_registrations_complete_on_a_healthy_lab(lab: Lab) -> None:
    refill(lab)
    run = play(lab, REGISTRATIONS_PLAY)
    assert run.rc == 0, run.output
    active = UNITS[active_index(lab)]
    standby = next(u for u in UNITS if u != active)
    result = run.result("table", active)
    assert result["complete"] is True and result["changed"] is False
    expected = len(load_inventory(lab.eids).expected("ms1"))
    assert result["counts"] == {
        "expected": expected,
        "registered": expected,
        "missing": 0,
        "unexpected": 0,
        "rloc_mismatch": 0,
        "stale": 0,
        "missing_sites": 0,
    }
    assert run.result("table", standby)["skipped"] is True


def test_reboot_detected_inside_one_play(lab: Lab, tmp_path: Path) -> None:
    state = tmp_path / "ms1.json"
    # The unit reboots between two tasks of one play: the play waits for the
    # NETCONF port and resets the persistent connection, as a recovery play must.
    reboot = f"""
    - name: baseline
      lispnet.ms_recovery.ms_state:
        state_file: {state}
    - name: reboot the active unit
      ansible.builtin.command: >-
        {BIN_DIR}/python -m ansible_collections.lispnet.ms_recovery.lab.cli
        --dir {{{{ lisp_lab_dir }}}} reboot-ms --down-for 1
      delegate_to: localhost
      run_once: true
      vars:
        ansible_connection: local
    - name: wait for NETCONF
      ansible.builtin.wait_for:
        host: "{{{{ ansible_host }}}}"
        port: "{{{{ ansible_port }}}}"
        delay: 1
        timeout: 60
      delegate_to: localhost
      vars:
        ansible_connection: local
    - name: reset
      ansible.builtin.meta: reset_connection"""
    run = play(lab, state_play(state, extra_tasks=reboot))
    assert run.rc == 0, run.output
    rebooted = UNITS[active_index(lab)]
    other = next(u for u in UNITS if u != rebooted)
    assert run.result("baseline", rebooted)["event"] == "first_seen"
    result = run.result("state", rebooted)
    assert (result["event"], result["changed"], result["active"]) == ("reboot", True, True)
    assert result["unit"]["reboot_count"] == result["previous"]["reboot_count"] + 1
    assert result["registered"] < result["expected"]  # the table was lost
    assert run.result("state", other)["event"] == "none"


def test_switchover_detected_on_the_new_active_unit(lab: Lab, tmp_path: Path) -> None:
    state = tmp_path / "ms1.json"
    before = play(lab, state_play(state, inventory=False))
    assert before.rc == 0, before.output
    old_active = UNITS[active_index(lab)]
    lab.control("switchover")
    new_active = UNITS[active_index(lab)]
    assert new_active != old_active

    after = play(lab, state_play(state, inventory=False))
    assert after.rc == 0, after.output
    new = after.result("state", new_active)
    assert (new["event"], new["active"], new["changed"]) == ("switchover", True, True)
    assert new["previous"]["role"] == "standby" and new["unit"]["role"] == "active"
    assert new["expected_source"] == "map_server"
    old = after.result("state", old_active)
    assert (old["event"], old["active"]) == ("switchover", False)


def test_missing_site_reported_after_etr_stopped_and_ms_rebooted(lab: Lab) -> None:
    site = 2
    name = lab.spec.etr_name(site, 0)
    process = lab.etr_process_of(lab.spec.etr_index(site, 0))
    lab.control("stop_etr", process=process, name=name)
    try:
        lab.control("reboot", down_for=1)
        wait_ms_back(lab.dir, 30)
        refill(lab, expect_missing=lab.spec.eids_per_site)

        run = play(lab, REGISTRATIONS_PLAY)
        active = UNITS[active_index(lab)]
        result = run.result("table", active)
        assert result["failed"] is True and result["changed"] is False
        site_name = lab.spec.site_name(site)
        assert result["missing_sites"] == [{"site": site_name, "missing": 2}]
        assert result["counts"]["missing"] == 2 and result["complete"] is False
        assert {m["site"] for m in result["missing"]} == {site_name}
        assert f"missing 2 > 0: {site_name} [0]" in result["msg"]
        assert "registration table of ms1" in result["msg"]
    finally:
        lab.control("start_etr", process=process, name=name)
        refill(lab)


def test_invalid_inventory_fails_before_the_module_runs(lab: Lab, tmp_path: Path) -> None:
    text = lab.eids.read_text()
    good = str(lab.spec.site_eids(1)[0].prefix)  # e.g. 10.0.2.0/24
    bad_prefix = good.replace(".0/", ".1/")
    broken = tmp_path / "eids.yml"
    broken.write_text(text.replace(good, bad_prefix, 1))
    line = next(n for n, t in enumerate(broken.read_text().splitlines(), 1) if bad_prefix in t)
    state = tmp_path / "state.json"
    run = play(
        lab,
        f"""
- hosts: map_servers
  gather_facts: false
  tasks:
    - name: state
      lispnet.ms_recovery.ms_state:
        state_file: {state}
        eid_inventory: {broken}
""",
    )
    assert run.rc != 0
    for unit in UNITS:
        result = run.result("state", unit)
        assert result["failed"] is True
        assert (
            f"{broken}:{line}: sites[1].eids[0].prefix: '{bad_prefix}' has host bits"
            in (result["msg"])
        )
        assert "the module was not run" in result["msg"]
        assert result["problems"] == [p for p in result["problems"] if p.startswith(str(broken))]
    assert not state.exists()  # the module never ran


def test_vault_key_decrypted_with_vault_password_file(lab: Lab, tmp_path: Path) -> None:
    refill(lab)
    password_file = tmp_path / "vault-pass"
    password_file.write_text("lab vault password\n")
    eids = yaml.safe_load(lab.eids.read_text())
    key = str(eids["sites"][0]["key"])
    encrypted = subprocess.run(
        [
            str(BIN_DIR / "ansible-vault"),
            "encrypt_string",
            "--vault-password-file",
            str(password_file),
            "--name",
            "key",
            key,
        ],
        env=ansible_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    head, *body = encrypted.strip().splitlines()
    assert head == "key: !vault |"
    block = "  key: !vault |\n" + "".join(f"      {line.strip()}\n" for line in body)
    vaulted = tmp_path / "eids.yml"
    vaulted.write_text(lab.eids.read_text().replace(f"  key: {key}\n", block, 1))
    assert key not in vaulted.read_text()

    extra = ("-e", f"inventory_file_override={vaulted}")
    without = play(lab, REGISTRATIONS_PLAY, *extra)
    result = without.result("table", "ms1-a")
    assert result["failed"] is True
    assert f"{vaulted}:" in result["msg"] and "sites[0].key" in result["msg"]
    assert "decrypt" in result["msg"]

    vault_args = (*extra, "--vault-password-file", str(password_file))
    run = play(lab, REGISTRATIONS_PLAY, *vault_args)
    assert run.rc == 0, run.output
    active = UNITS[active_index(lab)]
    assert run.result("table", active)["complete"] is True

    # The default callback prints whole results (invocation included) at -vvv.
    verbose = run_playbook(lab, REGISTRATIONS_PLAY, *vault_args, "-vvv", callback=DEFAULT_CALLBACK)
    assert verbose.rc == 0, verbose.output
    assert "_eid_inventory_text: VALUE_SPECIFIED_IN_NO_LOG_PARAMETER" in verbose.output
    assert "complete: true" in verbose.output
    assert_no_secret(lab, verbose)
