"""Site keys and the NETCONF password never leave the controller's memory.

recover.yml runs at -vvv with the default callback (which prints every module
invocation and result) and a log file, once per method, after a reboot. Then
everything the controller side wrote is searched for every site key of the lab
and for the NETCONF password: stdout, stderr, the log, the report directory,
the ms_state state file, the run lock, the play's working directory. The lab's
own files (its EID inventory with keys in plain text, its Ansible inventory,
the simulated routers' disks and logs) are the devices' side and not searched.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from pathlib import Path

import pytest

from ansible_collections.lispnet.ms_recovery.lab.processes import wait_ms_back
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory import (
    load_inventory,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.recovery.run_lock import (
    default_lock_file,
)
from ansible_collections.lispnet.ms_recovery.tests.integration.ansible_helpers import (
    run_playbook,
)
from ansible_collections.lispnet.ms_recovery.tests.integration.recover_process import (
    RECOVER,
)
from ansible_collections.lispnet.ms_recovery.tests.support.lab import Lab

pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]

# What `lisplab up` writes: the simulated devices' side, holding keys by design.
LAB_FILES = {"eids.yml", "inventory.yml", "etrs.yml", "lab.json", "known_hosts", "ssh_config"}
LAB_DIRS = {"logs", "state", "run", "hostkeys"}


def secrets_of(lab: Lab) -> dict[str, str]:
    """name -> secret text, in the forms a leak could take."""
    found: dict[str, str] = {"NETCONF password": lab.spec.password}
    for site in load_inventory(lab.eids).sites:
        key = site.key.reveal()
        found[f"key of {site.name}"] = key.decode()
        found[f"key of {site.name} (hex)"] = key.hex()
        found[f"key of {site.name} (base64)"] = base64.b64encode(key).decode()
    return found


def controller_files(lab: Lab, extra: Iterable[Path]) -> list[Path]:
    """Every file the controller side wrote in the lab directory, plus ``extra``."""
    files = []
    for path in lab.dir.rglob("*"):
        top = path.relative_to(lab.dir).parts[0]
        if top in LAB_DIRS or top in LAB_FILES or not path.is_file():
            continue
        files.append(path)
    files.extend(p for p in extra if p.is_file())
    return files


@pytest.mark.parametrize("method", ["ms", "lisp", "netconf"])
def test_no_secret_in_anything_a_verbose_recovery_writes(
    lab: Lab, tmp_path: Path, method: str
) -> None:
    lab.control("reboot", down_for=0.5)
    wait_ms_back(lab.dir, timeout=20)
    log = lab.dir / "ansible.log"
    run = run_playbook(
        lab,
        f"- ansible.builtin.import_playbook: {RECOVER}\n",
        "-vvv",
        "-e",
        f"ms_recovery_method={method}",
        "-e",
        f"report_dir={lab.dir / 'report'}",
        callback="ansible.builtin.default",
        env={"ANSIBLE_LOG_PATH": str(log)},
        timeout=150,
    )
    assert run.rc == 0, run.output
    # The search covers real material: the verbose invocation and results are there.
    assert "Ask the sites' ETRs to re-register" in run.stdout
    assert "_eid_inventory_text" in run.stdout  # shown censored, not absent
    assert "site-00001" in log.read_text()

    ms = load_inventory(lab.eids).map_servers[0]
    files = controller_files(lab, [Path(default_lock_file(ms.name, str(ms.lisp_address)))])
    names = {p.relative_to(lab.dir).as_posix() for p in files if p.is_relative_to(lab.dir)}
    assert {"ansible.log", "ms_state.json", "report/report.json"} <= names
    texts = {"stdout": run.stdout, "stderr": run.stderr}
    texts.update({str(p): p.read_bytes().decode("utf-8", "replace") for p in files})

    leaks = [
        f"{what} in {where}"
        for what, secret in secrets_of(lab).items()
        for where, text in texts.items()
        if secret in text
    ]
    assert leaks == []
