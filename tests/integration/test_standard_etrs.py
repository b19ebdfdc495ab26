"""A lab of standard ETRs is no kinder than real routers: after a reboot the
Map-Server's own notifications change nothing (the ETRs drop them, as
OpenOverlayRouter does, and never ack), the re-registration RPC does not exist
on them, and only their own register timer refills the table."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from ansible_collections.lispnet.ms_recovery.lab.processes import wait_ms_back
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory import (
    load_inventory,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.netconf_session import (
    NetconfFailure,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.ietf import filters
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.ietf.etr_parse import (
    parse_etr,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.ietf.rpcs import (
    reregister_now_rpc,
)
from ansible_collections.lispnet.ms_recovery.tests.support.lab import eventually, running_lab

pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]

REGISTER_INTERVAL = 4.0


def test_standard_etrs_ignore_notifications_and_refill_on_their_timer(tmp_path: Path) -> None:
    with running_lab(
        tmp_path / "lab",
        sites=3,
        etr_behaviour="standard",
        register_interval=REGISTER_INTERVAL,
        notify_schedule=(0.3, 0.3),
    ) as lab:
        expected = load_inventory(lab.eids).expected("ms1")
        assert all(not etr.supports for s in load_inventory(lab.eids).sites for etr in s.etrs)
        lab.control("reboot", down_for=0.5)
        wait_ms_back(lab.dir, timeout=20)
        result = lab.send_reregistration(timeout=3)
        assert result.acked == 0  # nobody acks an unsolicited Map-Notify
        with lab.etr_session(0) as session:
            snapshot = parse_etr(session.get(filters.etr_filter()))
            assert snapshot is not None
            assert snapshot.counters.get("notify-unsolicited-dropped", 0) >= 1
            assert snapshot.counters.get("reregistrations-triggered", 0) == 0
            with pytest.raises(NetconfFailure):
                session.rpc(etree.tostring(reregister_now_rpc()).decode())
        # Their own timer (random phase within the interval) refills the table.
        assert eventually(lambda: lab.registered() == expected, timeout=4 * REGISTER_INTERVAL)
