"""The lispnet.ms_recovery.eid_inventory inventory plugin through real
``ansible-inventory`` / ``ansible-playbook`` runs."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from ansible_helpers import BIN_DIR, ansible_env, run_playbook

from ansible_collections.lispnet.ms_recovery.lab.artifacts import eid_inventory
from ansible_collections.lispnet.ms_recovery.lab.topology import LabSpec
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory import (
    dump_inventory,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.ietf.filters import (
    ms_unit_filter,
)
from ansible_collections.lispnet.ms_recovery.tests.support.lab import Lab

VAULT_PASSWORD = "inventory-test-vault-pw"
NETCONF_PASSWORD = "Nc-pw-never-printed-7"
# Only this plugin, and a parse failure is an error (not a warning and an empty inventory).
PLUGIN_ENV = {
    "ANSIBLE_INVENTORY_ENABLED": "lispnet.ms_recovery.eid_inventory",
    "ANSIBLE_INVENTORY_UNPARSED_FAILED": "1",
}


def vault_string(value: str, vault_file: Path) -> str:
    out = subprocess.run(
        [
            str(BIN_DIR / "ansible-vault"),
            "encrypt_string",
            "--vault-password-file",
            str(vault_file),
        ],
        input=value,
        capture_output=True,
        text=True,
        check=True,
        env=ansible_env(),
        timeout=60,
    ).stdout
    return out.strip()  # "!vault |\n          $ANSIBLE_VAULT..."


def list_inventory(source: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN_DIR / "ansible-inventory"), "-i", str(source), "--list", *args],
        capture_output=True,
        text=True,
        env=ansible_env(PLUGIN_ENV),
        cwd=source.parent,
        timeout=120,
        check=False,
    )


def plain(value: Any) -> Any:
    """ansible-inventory's JSON marks untrusted strings as {"__ansible_unsafe": s}."""
    if isinstance(value, dict):
        if set(value) == {"__ansible_unsafe"}:
            return value["__ansible_unsafe"]
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


@pytest.fixture
def lab_files(tmp_path: Path) -> tuple[Path, LabSpec]:
    """What `lisplab up` writes as eids.yml (3 sites, 2 ETRs each), with the
    first site's key as a vault value; no lab needs to run for listing."""
    spec = LabSpec(sites=3, etrs_per_site=2, subnet=203)
    eids = tmp_path / "conf" / "eids.yml"
    eids.parent.mkdir()
    text = dump_inventory(eid_inventory(spec, str(eids)), keys="plain")
    vault_file = tmp_path / "vault-pw"
    vault_file.write_text(VAULT_PASSWORD)
    first_key = spec.site_key(0).decode()
    vaulted = vault_string(first_key, vault_file).replace("\n", "\n  ")
    assert f"key: {first_key}\n" in text
    eids.write_text(text.replace(f"key: {first_key}\n", f"key: {vaulted}\n"))
    return eids, spec


def write_source(directory: Path, eids: str, **options: Any) -> Path:
    source = directory / "lisp.eid_inventory.yml"
    body = {"plugin": "lispnet.ms_recovery.eid_inventory", "eid_inventory": eids}
    text = yaml.safe_dump({**body, **options}, sort_keys=False)
    source.write_text(text)
    return source


def test_lists_hosts_groups_and_connection_vars(tmp_path: Path, lab_files) -> None:
    eids, spec = lab_files
    vault_file = tmp_path / "vault-pw"
    source = write_source(
        eids.parent,
        "eids.yml",  # relative to the source file
        netconf_user="lab",
        netconf_ssh_config="ssh_config",
        keyed_groups=[{"key": "lisp_site | default('unit')", "prefix": "by"}],
        compose={"lisp_is_unit": "lisp_map_server is defined"},
    )
    source.write_text(
        source.read_text()
        + "netconf_password: "
        + vault_string(NETCONF_PASSWORD, vault_file)
        + "\n"
    )
    proc = list_inventory(source, "--vault-password-file", str(vault_file))
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout + proc.stderr
    for site in range(spec.sites):
        assert spec.site_key(site).decode() not in out
    assert NETCONF_PASSWORD not in out
    listing = plain(json.loads(proc.stdout))
    hostvars = listing["_meta"]["hostvars"]

    assert sorted(listing["map_servers"]["hosts"]) == ["ms1-a", "ms1-b"]
    assert sorted(listing["ms_ms1"]["hosts"]) == ["ms1-a", "ms1-b"]
    etr_names = [spec.etr_name(s, n) for s in range(spec.sites) for n in range(2)]
    assert sorted(listing["etrs"]["hosts"]) == sorted(etr_names)
    assert sorted(listing["site_site_00002"]["hosts"]) == [spec.etr_name(1, 0), spec.etr_name(1, 1)]
    assert sorted(listing["by_site_00003"]["hosts"]) == [spec.etr_name(2, 0), spec.etr_name(2, 1)]
    assert sorted(listing["by_unit"]["hosts"]) == ["ms1-a", "ms1-b"]

    unit = hostvars["ms1-b"]
    assert unit["ansible_host"] == str(spec.unit_address(1))
    assert unit["ansible_port"] == spec.netconf_port
    assert unit["lisp_map_server"] == "ms1"
    assert unit["lisp_is_unit"] is True
    etr = hostvars[spec.etr_name(2, 1)]
    assert etr["lisp_site"] == spec.site_name(2)
    assert etr["lisp_rloc"] == str(spec.etr_address(spec.etr_index(2, 1)))
    assert etr["ansible_host"] == etr["lisp_rloc"]
    assert "lisp_map_server" not in etr and etr["lisp_is_unit"] is False
    for name in ["ms1-a", "ms1-b", *etr_names]:
        host = hostvars[name]
        assert host["ansible_connection"] == "ansible.netcommon.netconf"
        assert host["ansible_network_os"] == "lispnet.ms_recovery.ietf"
        assert host["ansible_python_interpreter"] == "{{ ansible_playbook_python }}"
        assert host["ansible_user"] == "lab"
        assert host["ansible_netconf_ssh_config"] == str(eids.parent / "ssh_config")
        assert host["lisp_eid_inventory"] == str(eids)
        # The password stays a vault value; no variable holds a site key.
        assert set(host["ansible_password"]) == {"__ansible_vault"}
        assert not any("key" in var for var in host if var.startswith("lisp_"))


def test_without_site_groups_and_without_credentials(tmp_path: Path, lab_files) -> None:
    eids, _unused = lab_files
    source = write_source(tmp_path, str(eids), groups_per_site=False, network_os="x.y.z")
    proc = list_inventory(source, "--vault-password-file", str(tmp_path / "vault-pw"))
    assert proc.returncode == 0, proc.stderr
    listing = plain(json.loads(proc.stdout))
    assert not [group for group in listing if group.startswith("site_")]
    host = listing["_meta"]["hostvars"]["ms1-a"]
    assert host["ansible_network_os"] == "x.y.z"
    assert "ansible_user" not in host and "ansible_password" not in host
    assert "ansible_netconf_ssh_config" not in host


def test_vault_key_without_a_vault_secret_is_a_clear_error(tmp_path: Path, lab_files) -> None:
    eids, _unused = lab_files
    proc = list_inventory(write_source(tmp_path, str(eids)))
    assert proc.returncode != 0
    assert f"{eids}:" in proc.stderr
    assert "sites[0].key: is an Ansible Vault value; a vault secret is needed" in proc.stderr


def test_invalid_eid_inventory_fails_with_file_line_field(tmp_path: Path, lab_files) -> None:
    eids, spec = lab_files
    broken = tmp_path / "broken.yml"
    text = eids.read_text()
    site2 = "site_id: 2\n  map_server: ms1\n  key_id: 0\n  algorithm: hmac-sha-256\n"
    assert site2 in text
    broken.write_text(text.replace(site2, site2.replace("2", "1", 1).replace("sha-256", "md5")))
    proc = list_inventory(
        write_source(tmp_path, str(broken)), "--vault-password-file", str(tmp_path / "vault-pw")
    )
    assert proc.returncode != 0
    assert "invalid EID inventory (2 problems)" in proc.stderr
    assert f"{broken}:" in proc.stderr and "sites[1].site_id: duplicate site_id 1" in proc.stderr
    assert "algorithm: unknown algorithm 'hmac-md5'" in proc.stderr
    for site in range(spec.sites):
        assert spec.site_key(site).decode() not in proc.stderr


def test_missing_eid_inventory_file_is_a_clear_error(tmp_path: Path) -> None:
    proc = list_inventory(write_source(tmp_path, "nowhere.yml"))
    assert proc.returncode != 0
    assert f"cannot read the EID inventory {tmp_path / 'nowhere.yml'}" in proc.stderr


@pytest.mark.integration
def test_generated_connection_vars_reach_the_lab(lab: Lab, tmp_path: Path) -> None:
    """netconf_get over the plugin's vars: user/password, port, host keys
    verified through ansible_netconf_ssh_config (host_key_checking stays on)."""
    spec = lab.spec
    source = write_source(
        tmp_path,
        str(lab.eids),
        netconf_user=spec.username,
        netconf_password=spec.password,
        netconf_ssh_config=str(lab.dir / "ssh_config"),
    )
    playbook = f"""
- hosts: map_servers
  tasks:
    - name: unit
      ansible.netcommon.netconf_get:
        filter: {json.dumps(ms_unit_filter())}
"""
    run = run_playbook(lab, playbook, inventory=source, env=PLUGIN_ENV)
    assert run.rc == 0, run.output
    for unit in ("ms1-a", "ms1-b"):
        result = run.result("unit", unit)
        assert not result.get("failed"), result
        assert re.search(rf"<(\w+:)?unit-name>{unit}</", result["stdout"]), result["stdout"]
    assert spec.password not in run.output

    # The same vars with a known_hosts file that lacks the lab's keys: the
    # connection is refused, so the keys were really checked through that file.
    strangers = tmp_path / "strangers"
    strangers.mkdir()
    (strangers / "known_hosts").write_text("")
    (strangers / "ssh_config").write_text(
        f"Host *\n    UserKnownHostsFile {strangers / 'known_hosts'}\n"
    )
    source = write_source(
        strangers,
        str(lab.eids),
        netconf_user=spec.username,
        netconf_password=spec.password,
        netconf_ssh_config="ssh_config",
    )
    refused = run_playbook(lab, playbook, inventory=source, env=PLUGIN_ENV)
    assert refused.rc != 0
    assert refused.result("unit", "ms1-a").get("failed") or refused.result("unit", "ms1-a").get(
        "unreachable"
    ), refused.output
