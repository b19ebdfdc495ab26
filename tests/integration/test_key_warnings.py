"""Weak site keys in the EID inventory show as Ansible warnings (issue 13 item 11):
the task still runs, the warning names the sites, never a key."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import yaml

from ansible_collections.lispnet.ms_recovery.tests.integration.ansible_helpers import (
    run_playbook,
)
from ansible_collections.lispnet.ms_recovery.tests.support.lab import (
    NO_PASSIVE_REFILL,
    Lab,
    running_lab,
)

pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    with running_lab(
        tmp_path_factory.mktemp("keys") / "lab", sites=3, register_interval=NO_PASSIVE_REFILL
    ) as running:
        yield running


def test_short_shared_and_sha1_keys_are_warned_about(lab: Lab) -> None:
    data = yaml.safe_load(lab.eids.read_text())
    first, second, third = data["sites"]
    first["key"] = "short-key"
    third["key"] = second["key"]
    third["algorithm"] = "hmac-sha-1"
    weak = lab.dir / "weak-eids.yml"
    weak.write_text(yaml.safe_dump(data))
    weak.chmod(0o600)
    run = run_playbook(
        lab,
        """
- hosts: ms1-a
  gather_facts: false
  tasks:
    - name: read
      lispnet.ms_recovery.registrations:
        eid_inventory: "{{ lisp_eid_inventory }}"
""",
        "-e",
        f"lisp_eid_inventory={weak}",
    )
    assert run.rc == 0, run.output
    warnings = run.result("read", "ms1-a").get("warnings", [])
    text = "\n".join(warnings)
    assert f"shorter than 16 bytes ({first['name']})" in text, run.output
    assert f"sites {second['name']}, {third['name']} share one key" in text
    assert f"HMAC-SHA-1 ({third['name']})" in text
    for site in data["sites"]:
        assert site["key"] not in run.output
