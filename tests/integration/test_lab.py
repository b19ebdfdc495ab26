"""The virtual lab on real sockets: ETRs register, the MS serves its table over
NETCONF (host keys verified), a reboot empties it, the MS-native RPC refills it, a
switchover moves the service address, and forged or replayed notifications are
dropped and counted."""

from __future__ import annotations

import concurrent.futures
import ipaddress
import socket
from pathlib import Path

import pytest

from ansible_collections.lispnet.ms_recovery.lab.processes import wait_ms_back
from ansible_collections.lispnet.ms_recovery.lab.topology import free_subnet
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory import (
    load_inventory,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.auth import (
    Algorithm,
    verify,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.codec import (
    MapNotifyMessage,
    decode,
    encode_map_notify,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.nonce import (
    NonceCounter,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.types import (
    Mapping,
    Rloc,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.ms import (
    MsSnapshot,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms import get_platform
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.ietf import (
    filters,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.ietf.etr_parse import (
    parse_etr,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.ietf.ms_parse import (
    parse_ms,
)
from ansible_collections.lispnet.ms_recovery.tests.support.lab import (
    NO_PASSIVE_REFILL,
    Lab,
    eventually,
    running_lab,
)
from ansible_collections.lispnet.ms_recovery.tests.support.yang_validate import validate_data

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]


def read_ms(lab: Lab, unit: int = 0) -> MsSnapshot:
    with lab.ms_session(unit) as session:
        data = session.get(filters.ms_full_filter())
    validate_data(data)  # what the lab serves conforms to the project's YANG modules
    return parse_ms(data)


def test_etrs_register_and_the_table_is_read_over_netconf(lab: Lab) -> None:
    inventory = load_inventory(lab.eids)
    expected = inventory.expected("ms1")
    snapshot = read_ms(lab)
    registered = {r.eid: frozenset(x.address for x in r.rlocs) for r in snapshot.registrations}
    assert registered == expected
    assert snapshot.unit is not None and snapshot.unit.ha_role == "active"
    assert snapshot.counters["map-registers-accepted"] >= len(inventory.sites)
    # Proxy-reply is asked for by every 4th site only, as the topology says.
    proxied = {r.site for r in snapshot.registrations if r.proxy_reply}
    assert proxied == {s.name for i, s in enumerate(inventory.sites) if i % 4 == 0}
    # The ETRs register their RLOCs with the L bit; NETCONF shows what the wire said.
    assert all(rloc.local for r in snapshot.registrations for rloc in r.rlocs)
    standby = read_ms(lab, unit=1)
    assert standby.unit is not None and standby.unit.ha_role == "standby"
    assert standby.registrations == ()


def test_brief_read_streams_while_other_threads_use_the_session(lab: Lab) -> None:
    """The brief read takes its reply unparsed (an asynchronous request); the
    same session's other requests, from other threads at the same time, stay
    synchronous and get their replies."""
    inventory = load_inventory(lab.eids)
    platform = get_platform()
    with lab.ms_session() as session, concurrent.futures.ThreadPoolExecutor(2) as pool:
        briefs = [pool.submit(platform.read_registered, session) for _unused in range(5)]
        units = [platform.read_ms_unit(session).unit for _unused in range(5)]
        tables = [b.result(timeout=30) for b in briefs]
    assert all(unit is not None and unit.ha_role == "active" for unit in units)
    for table in tables:
        registered = {b.eid: b.rloc_addresses for b in table}
        assert registered == inventory.expected("ms1")


def test_reboot_empties_the_table_and_the_rpc_refills_it(lab: Lab) -> None:
    before = read_ms(lab)
    lab.control("reboot", down_for=1.0)
    wait_ms_back(lab.dir, timeout=20)
    after = read_ms(lab)
    assert after.unit is not None and before.unit is not None
    # Nothing survived the reboot. (An ETR whose periodic Map-Register fell in the
    # down window retries within seconds, so a few may already be back.)
    assert all(r.first_registered >= after.unit.boot_time for r in after.registrations)
    assert len(after.registrations) < len(before.registrations)
    assert after.unit.boot_time > before.unit.boot_time
    assert after.unit.reboot_count == before.unit.reboot_count + 1
    # The stored basic routing info survived the reboot: that is what recovery uses.
    assert {s.name for s in after.stored} == {s.name for s in before.stored}

    result = lab.send_reregistration()
    assert result.notifications_sent == lab.spec.etrs_total
    assert result.acked == lab.spec.etrs_total
    assert eventually(lambda: len(read_ms(lab).registrations) == len(before.registrations))


def test_a_rebooting_lab_keeps_its_subnet(lab: Lab) -> None:
    # While the MS is down its service socket is closed, so a bind probe alone would
    # hand the subnet to a second lab (seen: the benchmark started on a test's subnet).
    lab.control("reboot", down_for=3.0)
    try:
        with pytest.raises(RuntimeError, match=r"no free 127\.X subnet"):
            free_subnet(range(lab.spec.subnet, lab.spec.subnet + 1))
    finally:
        wait_ms_back(lab.dir, timeout=20)


def test_switchover_moves_the_service_address(lab: Lab) -> None:
    reply = lab.control("switchover")
    assert reply["active"] == "ms1-b"
    new_active = read_ms(lab, unit=1)
    assert new_active.unit is not None and new_active.unit.ha_role == "active"
    assert new_active.registrations == ()
    # The RPC on the new active unit goes out from the service address it now owns,
    # and the ETRs' Map-Registers reach it there.
    result = lab.send_reregistration(1)
    assert result.acked == lab.spec.etrs_total
    expected = load_inventory(lab.eids).expected("ms1")
    assert eventually(lambda: len(read_ms(lab, unit=1).registrations) == len(expected))
    old = read_ms(lab, unit=0)
    assert old.unit is not None and old.unit.ha_role == "standby"
    assert old.registrations == ()
    with pytest.raises(Exception, match="standby"):
        lab.send_reregistration(0)


def _etr_counters(lab: Lab) -> dict[str, int]:
    with lab.etr_session(0) as session:
        snapshot = parse_etr(session.get(filters.etr_filter()))
    assert snapshot is not None
    return snapshot.counters


def test_forged_and_replayed_notifications_are_dropped_and_counted(lab: Lab) -> None:
    site = load_inventory(lab.eids).sites[0]
    etr = (str(site.etrs[0].rloc), 4342)
    records = [Mapping(eid, (Rloc(site.etrs[0].rloc),)) for eid in site.eids]
    nonces = NonceCounter(None)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(3.0)

    def notify(key: bytes, nonce: int) -> bytes:
        return encode_map_notify(
            records, key=key, key_id=site.key_id, algorithm=site.algorithm, nonce=nonce
        )

    try:
        base = _etr_counters(lab)
        # Wrong key: dropped, counted, no ack.
        sock.sendto(notify(b"not-the-site-key", nonces.next()), etr)
        assert eventually(
            lambda: (
                _etr_counters(lab).get("notify-auth-failures", 0)
                == base.get("notify-auth-failures", 0) + 1
            )
        )
        # Authentic and fresh: acked (with the site key) and acted upon.
        older, newer = nonces.next(), nonces.next()
        sock.sendto(notify(site.key.reveal(), newer), etr)
        ack_bytes, _unused = sock.recvfrom(4096)
        ack = decode(ack_bytes)
        assert isinstance(ack, MapNotifyMessage) and ack.is_ack and ack.nonce == newer
        assert verify(ack_bytes, site.key.reveal(), Algorithm(site.algorithm))
        # Replayed (a nonce older than one already accepted): dropped and counted.
        sock.sendto(notify(site.key.reveal(), older), etr)
        assert eventually(
            lambda: _etr_counters(lab).get("notify-replays", 0) == base.get("notify-replays", 0) + 1
        )
        with pytest.raises(TimeoutError):
            sock.settimeout(0.5)
            sock.recvfrom(4096)
        counters = _etr_counters(lab)
        assert counters["reregistrations-triggered"] == base.get("reregistrations-triggered", 0) + 1
    finally:
        sock.close()


def test_the_active_unit_holds_the_service_address(lab: Lab) -> None:
    service = str(lab.spec.service_address)
    assert ipaddress.ip_address(service) == lab.spec.service_address
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        with pytest.raises(OSError):
            probe.bind((service, 4342))  # held by the active unit
    finally:
        probe.close()


def test_auto_recover_refills_the_table_on_boot(tmp_path: Path) -> None:
    with running_lab(
        tmp_path / "lab",
        sites=4,
        register_interval=NO_PASSIVE_REFILL,  # no passive refill within the test
        auto_recover=True,
        notify_schedule=(0.5, 0.5, 1.0),
    ) as lab:
        expected = load_inventory(lab.eids).expected("ms1")
        lab.control("reboot", down_for=1.0)
        wait_ms_back(lab.dir, timeout=20)
        # Nobody asks: the MS notifies its stored ETRs by itself when it boots.
        assert eventually(lambda: lab.registered() == expected, timeout=15)
        assert lab.read_ms().counters.get("notifies-sent", 0) == lab.spec.etrs_total
