"""``lisplab up --platform iosxe`` as a user meets it: the Map-Server units
serve IOS-XE's paths and nothing else, have RSA host keys (verified), and
recover.yml (bridge registrations), validate.yml and snapshot.yml run end to
end against them through the iosxe platform."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from ansible_collections.lispnet.ms_recovery.lab import paths
from ansible_collections.lispnet.ms_recovery.lab.processes import wait_ms_back
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory import (
    load_inventory,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.types import Eid, IPAddress
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.registered import (
    registered_table,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.netconf_session import (
    NetconfFailure,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms import get_platform
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.ietf import filters
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.iosxe import models
from ansible_collections.lispnet.ms_recovery.tests.integration.ansible_helpers import (
    run_playbook,
)
from ansible_collections.lispnet.ms_recovery.tests.support.lab import (
    NO_PASSIVE_REFILL,
    Lab,
    running_lab,
)

pytestmark = [pytest.mark.integration, pytest.mark.timeout(400)]

PLAYBOOKS = Path(__file__).resolve().parents[2] / "playbooks"
DETECT = "lispnet.ms_recovery.ms_recovery : Detect a reboot or switchover"
CISCO = {namespace for _unused, namespace, _unused in models.MODULES}


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    root = tmp_path_factory.mktemp("iosxe")
    with running_lab(
        root / "lab", sites=3, register_interval=NO_PASSIVE_REFILL, platform="iosxe"
    ) as running:
        yield running


def table(lab: Lab, unit: int = 0) -> dict[Eid, frozenset[IPAddress]]:
    """An independent read of one unit's table through the iosxe platform."""
    with lab.ms_session(unit) as session:
        briefs = get_platform("iosxe").read_registered(session)
    return registered_table(briefs)  # per EID, over every ETR registration


def test_units_serve_ciscos_paths_only_with_rsa_keys(lab: Lab) -> None:
    inventory = yaml.safe_load(lab.inventory.read_text())
    connection = inventory["all"]["children"]["map_servers"]["vars"]
    assert connection["ansible_network_os"] == "lispnet.ms_recovery.iosxe"
    known = paths.known_hosts(lab.dir).read_text().splitlines()
    for unit in (0, 1):
        line = next(x for x in known if x.startswith(f"[{lab.spec.unit_address(unit)}]:"))
        assert line.split()[1] == "ssh-rsa"  # IOS-XE's default; verified on connect
    with lab.ms_session() as session:
        announced = {uri.split("?")[0] for uri in session.server_capabilities()}
        assert announced >= CISCO
        assert not any(uri.startswith("urn:ietf:params:xml:ns:yang:ietf-lisp") for uri in announced)
        # Nothing at the IETF paths, no augment RPC.
        assert len(session.get(filters.ms_full_filter())) == 0
        with pytest.raises(NetconfFailure):
            get_platform("ietf").send_reregistration(session, [], True, 5)
        unit = get_platform("iosxe").read_ms_unit(session).unit
        assert unit is not None and unit.unit_name == "ms1-a" and unit.ha_role == "active"
    assert table(lab) == load_inventory(lab.eids).expected("ms1")


def test_reboot_recovered_by_bridge_registration_then_validated_and_snapshotted(
    lab: Lab, tmp_path: Path
) -> None:
    expected = load_inventory(lab.eids).expected("ms1")

    def recover() -> dict[str, object]:
        run = run_playbook(
            lab,
            f"- ansible.builtin.import_playbook: {PLAYBOOKS / 'recover.yml'}\n",
            "-e",
            "ms_recovery_method=register",
            "-e",
            f"report_dir={tmp_path / 'report'}",
        )
        assert run.rc == 0, run.output
        return run.result(
            "lispnet.ms_recovery.ms_recovery : Detect a reboot or switchover", "ms1-a"
        )

    assert recover()["active"] is True  # healthy: the boot time is recorded
    lab.control("reboot", down_for=1.0)
    wait_ms_back(lab.dir, timeout=20)
    assert table(lab) == {}  # the reboot emptied it; the ETRs stay quiet for a day
    state = recover()
    assert state["event"] == "reboot", state  # from device-hardware-oper boot-time
    assert table(lab) == expected

    validate = run_playbook(
        lab, f"- ansible.builtin.import_playbook: {PLAYBOOKS / 'validate.yml'}\n"
    )
    assert validate.rc == 0, validate.output

    before = load_inventory(lab.eids)
    snapshot = run_playbook(
        lab, f"- ansible.builtin.import_playbook: {PLAYBOOKS / 'snapshot.yml'}\n"
    )
    assert snapshot.rc == 0, snapshot.output
    # Learned from lisp-oper and the Cisco-IOS-XE-lisp sites: the same sites,
    # EIDs, RLOCs, keys and LISP address (which no Cisco path tells).
    after = load_inventory(lab.eids)
    assert after.expected("ms1") == expected
    assert after.map_servers == before.map_servers
    assert {(s.name, s.key_id, s.algorithm, s.key.reveal()) for s in after.sites} == {
        (s.name, s.key_id, s.algorithm, s.key.reveal()) for s in before.sites
    }
