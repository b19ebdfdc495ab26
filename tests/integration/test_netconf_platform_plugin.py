"""The platform plugin lispnet.ms_recovery.ietf inside Ansible's own netconf
connection, against the lab: each request is written when it is issued.

Every Python process of the run (ansible-playbook, its workers, the persistent
ansible-connection, the modules) starts with ncclient's poll stretched from
0.1 s to an hour (a sitecustomize on PYTHONPATH), and notes that it did. A
request that waited for that poll would never leave before the command
timeout; with the plugin the connection process, which does have the
stretched poll, still answers every task.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ansible_collections.lispnet.ms_recovery.tests.integration.ansible_helpers import (
    run_playbook,
)
from ansible_collections.lispnet.ms_recovery.tests.support.lab import (
    NO_PASSIVE_REFILL,
    Lab,
    running_lab,
)

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]

STRETCH_POLL = """\
import os
import ncclient.transport.session

ncclient.transport.session.TICK = 3600.0
with open(os.environ["LISP_TEST_STRETCHED"], "a") as log:
    with open("/proc/self/cmdline", "rb") as cmdline:
        log.write(cmdline.read().replace(b"\\0", b" ").decode() + "\\n")
"""

PLAY = """
- hosts: map_servers
  gather_facts: false
  tasks:
    - name: state
      lispnet.ms_recovery.ms_state:
        state_file: "{{ lisp_lab_dir }}/platform-plugin-state.json"
      register: state
    - name: table
      lispnet.ms_recovery.registrations:
        eid_inventory: "{{ lisp_eid_inventory }}"
      when: state.active
"""


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    root = tmp_path_factory.mktemp("platform-plugin")
    with running_lab(root / "lab", sites=3, register_interval=NO_PASSIVE_REFILL) as running:
        yield running


def test_every_request_leaves_at_once_through_ansibles_connection(lab: Lab, tmp_path: Path) -> None:
    (tmp_path / "sitecustomize.py").write_text(STRETCH_POLL)
    stretched = tmp_path / "stretched.log"
    run = run_playbook(
        lab,
        PLAY,
        env={
            "PYTHONPATH": str(tmp_path),
            "LISP_TEST_STRETCHED": str(stretched),
            # Far below the stretched poll: a queued request fails the task.
            "ANSIBLE_PERSISTENT_COMMAND_TIMEOUT": "20",
        },
    )
    assert run.rc == 0, run.output
    # The persistent connection process had the stretched poll too.
    assert "ansible_connection_cli_stub" in stretched.read_text()
    for unit in ("ms1-a", "ms1-b"):
        assert run.result("state", unit)["unit"]["name"] == unit
    active = next(u for u in ("ms1-a", "ms1-b") if run.result("state", u)["active"])
    table = run.result("table", active)
    assert table["complete"] is True and table["counts"]["expected"] == 3 * lab.spec.eids_per_site
