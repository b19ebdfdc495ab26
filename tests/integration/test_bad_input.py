"""Bad input fails the task with a message that says what is wrong and where,
and nothing is sent: bad module parameters, an unreachable or hung Map-Server,
wrong NETCONF credentials, an unknown SSH host key, an invalid EID inventory.

The lab's Map-Server has just rebooted, so a real run would notify every ETR;
any notification that went out would show in the ETRs' re-registration counters
and in what the Map-Server stored about its last notifications.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from ansible_collections.lispnet.ms_recovery.lab.cli import lab_status
from ansible_collections.lispnet.ms_recovery.lab.processes import wait_ms_back
from ansible_collections.lispnet.ms_recovery.tests.integration.ansible_helpers import (
    PlaybookRun,
    run_playbook,
)
from ansible_collections.lispnet.ms_recovery.tests.integration.recover_process import RECOVER
from ansible_collections.lispnet.ms_recovery.tests.support.lab import (
    NO_PASSIVE_REFILL,
    Lab,
    running_lab,
)

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]

TASK = "bad input"
# Short connection bounds: a dead or hung Map-Server fails the task in seconds.
FAST_FAIL = ("-e", "ansible_connect_timeout=5", "-e", "ansible_command_timeout=5")


@pytest.fixture(scope="module")
def rebooted_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    with running_lab(
        tmp_path_factory.mktemp("bad-input") / "lab", sites=5, register_interval=NO_PASSIVE_REFILL
    ) as lab:
        lab.control("reboot", down_for=0.5)
        wait_ms_back(lab.dir, timeout=20)
        yield lab


@pytest.fixture
def nothing_sent(rebooted_lab: Lab) -> Iterator[Lab]:
    """The test's lab; afterwards no ETR was told to re-register, by anyone."""
    lab = rebooted_lab
    before = _reregistrations(lab), _last_notifications(lab)
    yield lab
    assert (_reregistrations(lab), _last_notifications(lab)) == before


def _reregistrations(lab: Lab) -> dict[str, int]:
    return {name: etr["reregistrations"] for name, etr in lab_status(lab.dir)["etrs"].items()}


def _task(lab: Lab, module: str, args: str, *extra: str) -> tuple[PlaybookRun, str]:
    run = run_playbook(
        lab,
        f"""
- hosts: ms1-a
  gather_facts: false
  tasks:
    - name: {TASK}
      lispnet.ms_recovery.{module}:
        eid_inventory: "{{{{ lisp_eid_inventory }}}}"
        {args}
""",
        *extra,
        timeout=90,
    )
    assert run.rc != 0, run.output
    result = run.result(TASK, "ms1-a")
    assert result["failed"] is True
    return run, result["msg"]


@pytest.mark.parametrize(
    ("module", "args", "expected"),
    [
        (
            "reregister",
            "method: bogus",
            ["method", "bogus", "ms, lisp, netconf"],
        ),
        ("reregister", "timeout: -1", ["timeout must be positive", "-1"]),
        ("reregister", "pace: 0", ["pace must be positive"]),
        ("reregister", "lock_timeout: -5", ["lock_timeout", "-5"]),
        (
            "reregister",
            "sites: [no-such-site]",
            ["no-such-site", "site-00001", "site-00005"],
        ),
        ("reregister", "map_server: ms9", ["ms9", "ms1"]),
        (
            "registrations",
            "fail_on: {bogus: 1}",
            ["fail_on", "bogus", "missing", "unexpected"],
        ),
    ],
)
def test_bad_module_parameters_are_named(
    nothing_sent: Lab, module: str, args: str, expected: list[str]
) -> None:
    _unused, message = _task(nothing_sent, module, args)
    for text in expected:
        assert text in message, message


def _closed_port(host: str) -> int:
    probe = socket.socket()
    probe.bind((host, 0))
    port = probe.getsockname()[1]
    probe.close()  # bound, never listened: connecting is refused
    return port


def test_an_unreachable_map_server_is_named_with_its_port(nothing_sent: Lab) -> None:
    host = str(nothing_sent.spec.unit_address(0))
    port = _closed_port(host)
    _unused, message = _task(
        nothing_sent, "reregister", "", "-e", f"ansible_port={port}", *FAST_FAIL
    )
    assert message.startswith(f"{host}:{port}: cannot connect to the NETCONF port"), message


def test_a_hung_map_server_fails_in_bounded_time(nothing_sent: Lab) -> None:
    host = str(nothing_sent.spec.unit_address(0))
    # Accepts TCP connections (the kernel completes the handshake) but never speaks SSH.
    silent = socket.socket()
    silent.bind((host, 0))
    silent.listen(8)
    port = silent.getsockname()[1]
    try:
        _unused, message = _task(
            nothing_sent, "reregister", "", "-e", f"ansible_port={port}", *FAST_FAIL
        )
    finally:
        silent.close()
    assert message.startswith(f"{host}:{port}: no NETCONF answer within 5 s"), message


def test_wrong_netconf_credentials_say_authentication_failed(nothing_sent: Lab) -> None:
    host = nothing_sent.spec.unit_address(0)
    _unused, message = _task(
        nothing_sent, "reregister", "", "-e", "ansible_password=not-the-password", *FAST_FAIL
    )
    assert message.startswith(f"{host}:8830: NETCONF authentication failed"), message
    assert "not-the-password" not in message


def test_an_unknown_host_key_is_refused(nothing_sent: Lab, tmp_path: Path) -> None:
    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text("")  # the Map-Server's key is not in it
    ssh_config = tmp_path / "ssh_config"
    ssh_config.write_text(f"Host *\n    UserKnownHostsFile {known_hosts}\n")
    host = nothing_sent.spec.unit_address(0)
    _unused, message = _task(
        nothing_sent,
        "reregister",
        "",
        "-e",
        f"ansible_netconf_ssh_config={ssh_config}",
        *FAST_FAIL,
    )
    assert message.startswith(f"{host}:8830: unknown or changed SSH host key"), message
    assert "known_hosts" in message


def test_an_invalid_eid_inventory_stops_recover_yml_before_anything_is_sent(
    nothing_sent: Lab, tmp_path: Path
) -> None:
    lab = nothing_sent
    text = lab.eids.read_text()
    lines = text.splitlines()
    line = next(n for n, value in enumerate(lines, 1) if "algorithm: hmac-sha-1" in value)
    bad = tmp_path / "eids.yml"
    bad.write_text(text.replace("algorithm: hmac-sha-1", "algorithm: hmac-md5", 1))
    run = run_playbook(
        lab,
        f"- ansible.builtin.import_playbook: {RECOVER}\n",
        "-e",
        f"lisp_eid_inventory={bad}",
        "-e",
        f"report_dir={tmp_path / 'report'}",
        timeout=90,
    )
    assert run.rc != 0
    assert f"{bad}:{line}: sites[4].algorithm: unknown algorithm 'hmac-md5'" in run.output
    assert "Ask the sites' ETRs to re-register" not in run.results_by_task
    assert not (tmp_path / "report").exists()
    # nothing_sent checks the ETRs and the Map-Server's record of its notifications.


def _last_notifications(lab: Lab) -> dict[str, object]:
    """What the MS stored about its last notification of each ETR."""
    return {etr.name: etr.last_notify_result for site in lab.read_ms().stored for etr in site.etrs}
