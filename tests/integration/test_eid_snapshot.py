"""lispnet.ms_recovery.eid_snapshot through real ansible-playbook runs against the lab."""

from __future__ import annotations

import stat
import subprocess
from pathlib import Path

import pytest
import yaml
from ansible_helpers import BIN_DIR, ansible_env, run_playbook

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory import (
    dump_inventory,
    inventory_to_dict,
    load_inventory,
)
from ansible_collections.lispnet.ms_recovery.tests.support.lab import Lab

pytestmark = pytest.mark.integration

VAULT_PASSWORD = "snapshot-test-vault-pw"


def site_keys(lab: Lab) -> list[str]:
    return [lab.spec.site_key(i).decode() for i in range(lab.spec.sites)]


def assert_no_key(lab: Lab, text: str) -> None:
    for key in site_keys(lab):
        assert key not in text


def playbook(*tasks: dict) -> str:
    return yaml.safe_dump(
        [{"hosts": "ms1-a", "gather_facts": False, "tasks": list(tasks)}], sort_keys=False
    )


def snapshot_task(name: str, **args: object) -> dict:
    task: dict = {"name": name, "lispnet.ms_recovery.eid_snapshot": args}
    if "check_mode" in args:
        task["check_mode"] = args.pop("check_mode")
    task["ignore_errors"] = True
    return task


def test_snapshot_reproduces_the_inventory_and_reports_drift(lab: Lab, tmp_path: Path) -> None:
    dest = tmp_path / "snap" / "eids.yml"
    # A copy of the file that has lost one site (and has an extra EID on another);
    # the lost site's key comes from the lab's file.
    lab_inventory = load_inventory(lab.eids)
    copy = tmp_path / "copy.yml"
    data = inventory_to_dict(lab_inventory, keys="plain")
    removed = data["sites"].pop(2)["name"]
    data["sites"][0]["eids"].append({"prefix": "10.250.0.0/24", "instance_id": 0})
    copy.write_text(yaml.safe_dump(data, sort_keys=False))

    run = run_playbook(
        lab,
        playbook(
            snapshot_task("first", dest=str(dest), keys_from=str(lab.eids)),
            snapshot_task("again", dest=str(dest)),
            snapshot_task("check", dest=str(copy), keys_from=str(lab.eids), check_mode=True),
            snapshot_task("mirror", dest=str(copy), keys_from=str(lab.eids), merge=False),
        ),
    )
    assert run.rc == 0, run.output
    assert_no_key(lab, run.output)

    first = run.result("first", "ms1-a")
    assert not first.get("failed"), first
    assert first["changed"] is True
    assert first["drifted"] is False
    assert first["missing_keys"] == [] and first["skipped_sites"] == []
    assert first["learned_sites"] == lab.spec.sites
    assert first["counts"] == lab_inventory.counts()
    # Same sites, EIDs, RLOCs, keys as the lab's file: it even reads back identical.
    assert load_inventory(dest) == lab_inventory
    assert dest.read_text() == dump_inventory(lab_inventory, keys="plain")
    assert stat.S_IMODE(dest.stat().st_mode) == 0o600

    again = run.result("again", "ms1-a")
    assert again["changed"] is False and again["drifted"] is False

    check = run.result("check", "ms1-a")
    assert check["changed"] is True, repr(check)
    assert check["drift"]["sites_added"] == [removed]
    assert check["drift"]["eids"] == {
        data["sites"][0]["name"]: {"added": [], "removed": ["[0]10.250.0.0/24"]}
    }
    mirror = run.result("mirror", "ms1-a")
    assert mirror["changed"] is True and mirror["drift"] == check["drift"]
    # The mirrored copy is the MS again: the extra EID is gone, the lost site back.
    assert load_inventory(copy) == lab_inventory


def test_check_mode_writes_nothing(lab: Lab, tmp_path: Path) -> None:
    new = tmp_path / "new.yml"
    existing = tmp_path / "existing.yml"
    data = inventory_to_dict(load_inventory(lab.eids), keys="plain")
    removed = data["sites"].pop(0)["name"]
    existing.write_text(yaml.safe_dump(data, sort_keys=False))
    before = existing.read_text()
    run = run_playbook(
        lab,
        playbook(
            snapshot_task("new", dest=str(new), keys_from=str(lab.eids), check_mode=True),
            snapshot_task("existing", dest=str(existing), keys_from=str(lab.eids), check_mode=True),
        ),
    )
    assert run.rc == 0, run.output
    assert run.result("new", "ms1-a")["changed"] is True
    assert not new.exists()
    result = run.result("existing", "ms1-a")
    assert result["changed"] is True and result["drift"]["sites_added"] == [removed]
    assert existing.read_text() == before


def test_vault_keys_kept_and_missing_keys_refused(lab: Lab, tmp_path: Path) -> None:
    vault_file = tmp_path / "vault-pw"
    vault_file.write_text(VAULT_PASSWORD)
    first_key = site_keys(lab)[0]
    vaulted = subprocess.run(
        [
            str(BIN_DIR / "ansible-vault"),
            "encrypt_string",
            "--vault-password-file",
            str(vault_file),
        ],
        input=first_key,
        capture_output=True,
        text=True,
        check=True,
        env=ansible_env(),
        timeout=60,
    ).stdout.strip()
    keys = tmp_path / "keys.yml"
    text = lab.eids.read_text()
    keys.write_text(
        text.replace(f"key: {first_key}\n", f"key: {vaulted.replace(chr(10), chr(10) + '  ')}\n")
    )
    # Another source that lacks the last site entirely.
    partial = tmp_path / "partial.yml"
    data = inventory_to_dict(load_inventory(lab.eids), keys="plain")
    lost = data["sites"].pop()["name"]
    partial.write_text(yaml.safe_dump(data, sort_keys=False))
    vaulted_dest = tmp_path / "vaulted.yml"
    partial_dest = tmp_path / "partial-out.yml"
    placeholder_dest = tmp_path / "placeholder-out.yml"

    run = run_playbook(
        lab,
        playbook(
            snapshot_task("vault", dest=str(vaulted_dest), keys_from=str(keys)),
            snapshot_task("missing", dest=str(partial_dest), keys_from=str(partial)),
            snapshot_task(
                "allowed",
                dest=str(placeholder_dest),
                keys_from=str(partial),
                allow_missing_keys=True,
            ),
        ),
        "--vault-password-file",
        str(vault_file),
        "-vvv",  # the verbose output must not show a key either
    )
    assert_no_key(lab, run.output)

    assert run.result("vault", "ms1-a")["changed"] is True
    written = vaulted_dest.read_text()
    assert first_key not in written and "key: !vault |" in written
    assert written.count("$ANSIBLE_VAULT") == 1

    missing = run.result("missing", "ms1-a")
    assert missing["failed"] is True
    assert f"no key is known for 1 site(s): {lost}" in missing["msg"]
    assert missing["missing_keys"] == [lost]
    assert not partial_dest.exists()

    allowed = run.result("allowed", "ms1-a")
    assert not allowed.get("failed") and allowed["missing_keys"] == [lost]
    assert f"key: !missing-key 'replace with the pre-shared key of site {lost}" in (
        placeholder_dest.read_text()
    )
