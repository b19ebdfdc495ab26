"""The lab under network faults and operator accidents, on real sockets.

Loss and duplication are injected in every router's LISP send path (`lisplab up
--loss/--duplicate --fault-seed`); reboots and switchovers land in the middle of
a recovery; ETRs are down. The MS-native recovery (RPC send-reregistration)
must still reach every reachable site, count each registration once, and name
what it could not reach. Hostile datagrams over UDP show up in the counters
that NETCONF serves.
"""

from __future__ import annotations

import random
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from ansible_collections.lispnet.ms_recovery.lab.cli import lab_status
from ansible_collections.lispnet.ms_recovery.lab.processes import wait_ms_back
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory import (
    load_inventory,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.codec import (
    encode_map_notify,
    encode_map_register,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.nonce import (
    NonceCounter,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.types import (
    Mapping,
    Rloc,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.ietf import (
    filters,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.ietf.etr_parse import (
    parse_etr,
)
from ansible_collections.lispnet.ms_recovery.tests.support.lab import (
    NO_PASSIVE_REFILL,
    Lab,
    eventually,
    running_lab,
)

pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]

# Fast retransmission: 16 sends 0.25 s apart, so a lossy recovery ends in seconds.
FAST = (0.25,) * 16
# Long enough that nothing refills the table but the recovery under test.


def reboot(lab: Lab) -> None:
    lab.control("reboot", down_for=0.5)
    wait_ms_back(lab.dir, timeout=20)
    assert lab.read_ms().registrations == ()


@pytest.fixture
def lossy_lab(tmp_path: Path) -> Iterator[Lab]:
    with running_lab(
        tmp_path / "lab",
        sites=10,
        register_interval=NO_PASSIVE_REFILL,
        notify_schedule=FAST,
        loss=0.2,
        fault_seed=20,
    ) as lab:
        yield lab


def test_recovery_reaches_every_site_through_20_percent_loss(lossy_lab: Lab) -> None:
    lab = lossy_lab
    expected = load_inventory(lab.eids).expected("ms1")
    reboot(lab)
    result = lab.send_reregistration()
    assert result.notifications_sent == lab.spec.etrs_total
    assert result.acked == lab.spec.etrs_total  # 100 % of the sites, by retransmission
    # Lost re-registrations are retried by the ETRs until the MS acks them.
    assert eventually(lambda: lab.registered() == expected)
    status = lab_status(lab.dir)
    assert status["faults"]["dropped"] > 0  # the loss was real
    assert sum(etr.retries for site in result.sites for etr in site.etrs) > 0


def test_duplicates_do_not_double_count_registrations(tmp_path: Path) -> None:
    with running_lab(
        tmp_path / "lab",
        sites=6,
        register_interval=NO_PASSIVE_REFILL,
        notify_schedule=FAST,
        duplicate=0.5,
        fault_seed=7,
    ) as lab:
        expected = load_inventory(lab.eids).expected("ms1")
        before = lab_status(lab.dir)["etrs"]
        reboot(lab)
        result = lab.send_reregistration()
        assert result.acked == lab.spec.etrs_total
        assert eventually(lambda: lab.registered() == expected)
        snapshot = lab.read_ms()
        keys = [(r.eid, r.xtr_id) for r in snapshot.registrations]
        assert len(keys) == len(set(keys)) == len(expected)  # one record per EID and ETR
        # A duplicated Map-Register is an exact retransmission: answered, not applied again.
        assert eventually(lambda: lab.read_ms().counters.get("register-retransmissions", 0) > 0)
        after = lab_status(lab.dir)
        assert after["faults"]["duplicated"] > 0
        for name, etr in after["etrs"].items():
            # A duplicated notification is re-acked, not acted on twice.
            assert etr["reregistrations"] == before[name]["reregistrations"] + 1, name


@pytest.fixture
def slow_lab(tmp_path: Path) -> Iterator[Lab]:
    with running_lab(
        tmp_path / "lab",
        sites=6,
        register_interval=NO_PASSIVE_REFILL,
        notify_schedule=(0.5,) * 12,
    ) as lab:
        yield lab


def _stop_etr(lab: Lab, index: int) -> str:
    name = lab.spec.etr_name(index, 0)
    lab.control("stop_etr", process=lab.etr_process_of(index), name=name)
    return name


def _reachable(lab: Lab, stopped_site: int) -> dict[object, frozenset[object]]:
    inventory = load_inventory(lab.eids)
    gone = set(inventory.sites[stopped_site].eids)
    return {eid: rlocs for eid, rlocs in inventory.expected("ms1").items() if eid not in gone}


def _check_final_recovery(lab: Lab, stopped: str, stopped_site: int, unit: int = 0) -> None:
    result = lab.send_reregistration(unit=unit)
    assert result.notifications_sent == lab.spec.etrs_total
    assert result.acked == lab.spec.etrs_total - 1
    not_acked = [e for s in result.sites for e in s.etrs if not e.acked]
    assert [e.etr for e in not_acked] == [stopped]  # named in the result
    assert not_acked[0].error
    assert eventually(lambda: lab.registered(unit) == _reachable(lab, stopped_site))


def test_a_second_reboot_during_a_recovery(slow_lab: Lab) -> None:
    lab = slow_lab
    stopped = _stop_etr(lab, 3)
    reboot(lab)
    # The first recovery keeps retransmitting to the stopped ETR for seconds...
    started = lab.send_reregistration(wait=False)
    assert started.notifications_sent == lab.spec.etrs_total
    # ... when the MS reboots again: what it had refilled is gone.
    reboot(lab)
    _check_final_recovery(lab, stopped, 3)


def test_a_switchover_during_a_recovery(slow_lab: Lab) -> None:
    lab = slow_lab
    stopped = _stop_etr(lab, 2)
    reboot(lab)
    lab.send_reregistration(wait=False)
    assert lab.control("switchover")["active"] == "ms1-b"
    assert lab.read_ms(1).registrations == ()
    _check_final_recovery(lab, stopped, 2, unit=1)
    # The interrupted recovery on the old active unit did not overwrite what the
    # new one stored about each ETR (the units share the stored routing info).
    stored = {e.name: e.last_notify_result for s in lab.read_ms(1).stored for e in s.etrs}
    assert stored[stopped] not in (None, "acked")
    assert all(v == "acked" for k, v in stored.items() if k != stopped)


def _etr_counters(lab: Lab, index: int) -> dict[str, int]:
    with lab.etr_session(index) as session:
        snapshot = parse_etr(session.get(filters.etr_filter()))
    assert snapshot is not None
    return snapshot.counters


def test_hostile_datagrams_over_udp_show_in_the_netconf_counters(tmp_path: Path) -> None:
    with running_lab(tmp_path / "lab", sites=3, register_interval=NO_PASSIVE_REFILL) as lab:
        site = load_inventory(lab.eids).sites[0]
        ms = (str(lab.spec.service_address), 4342)
        etr = (str(site.etrs[0].rloc), 4342)
        ms_before, etr_before = lab.read_ms().counters, _etr_counters(lab, 0)
        table_before = lab.registered()
        rng = random.Random(4342)
        nonces = NonceCounter(None)
        records = [Mapping(eid, (Rloc(site.etrs[0].rloc),)) for eid in site.eids]
        forged_register = encode_map_register(
            records, key=b"guessed", key_id=site.key_id, algorithm=site.algorithm, nonce=1
        )
        forged_notify = encode_map_notify(
            records, key=b"guessed", key_id=site.key_id, algorithm=site.algorithm, nonce=1
        )
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            sock.bind(("127.0.0.1", 0))
            for _unused in range(200):
                junk = rng.randbytes(rng.randrange(0, 300))
                sock.sendto(junk, ms)
                sock.sendto(junk, etr)
            for _unused in range(20):
                sock.sendto(forged_register[:-1] + bytes([rng.randrange(256)]), ms)
                sock.sendto(forged_notify, etr)
            sock.sendto(
                encode_map_notify(
                    records,
                    key=site.key.reveal(),
                    key_id=site.key_id,
                    algorithm=site.algorithm,
                    nonce=nonces.next(),
                ),
                etr,
            )  # one genuine notification last: the ETR must still act on it
        finally:
            sock.close()

        def risen() -> bool:
            ms_now, etr_now = lab.read_ms().counters, _etr_counters(lab, 0)
            return (
                ms_now.get("malformed", 0) > ms_before.get("malformed", 0)
                and ms_now.get("auth-failures", 0) >= ms_before.get("auth-failures", 0) + 20
                and etr_now.get("malformed", 0) > etr_before.get("malformed", 0)
                and etr_now.get("notify-auth-failures", 0)
                >= etr_before.get("notify-auth-failures", 0) + 20
                and etr_now.get("reregistrations-triggered", 0)
                == etr_before.get("reregistrations-triggered", 0) + 1
            )

        assert eventually(risen)
        assert lab.registered() == table_before
