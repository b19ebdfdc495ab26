"""Each ETR's own outcome, against the lab (issue 13 items 3 and 5).

The MS here retransmits for longer than ``reregister`` lets it hold its RPC, as
a real MS on the RFC 9301 schedule (54 s) does, and every site has two ETRs
sharing the site key, so a sibling can answer a notification meant for a
stopped ETR.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator

import pytest

from ansible_collections.lispnet.ms_recovery.lab.processes import wait_ms_back
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory import (
    EidInventory,
    load_inventory,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.recovery.controller_notify import (  # noqa: E501
    NotifySettings,
    notify_from_controller,
    targets_for_sites,
)
from ansible_collections.lispnet.ms_recovery.tests.integration.ansible_helpers import (
    run_playbook,
)
from ansible_collections.lispnet.ms_recovery.tests.support.lab import (
    NO_PASSIVE_REFILL,
    Lab,
    running_lab,
)

pytestmark = [pytest.mark.integration, pytest.mark.timeout(240)]

SITES = 3
ACTIVE = "ms1-a"


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    with running_lab(
        tmp_path_factory.mktemp("acks") / "lab",
        sites=SITES,
        etrs_per_site=2,
        register_interval=NO_PASSIVE_REFILL,
        notify_schedule=(2.0,) * 10,  # 20 s of retransmission, longer than any task here
    ) as running:
        yield running


@pytest.fixture(scope="module")
def inventory(lab: Lab) -> EidInventory:
    return load_inventory(str(lab.eids))


def stopped(lab: Lab, site: int, etr: int) -> str:
    name = lab.spec.etr_name(site, etr)
    index = lab.spec.etr_index(site, etr)
    lab.control("stop_etr", process=lab.etr_process_of(index), name=name)
    return name


def restart(lab: Lab, site: int, etr: int) -> None:
    name = lab.spec.etr_name(site, etr)
    index = lab.spec.etr_index(site, etr)
    lab.control("start_etr", process=lab.etr_process_of(index), name=name)


def test_ms_method_reports_each_etrs_own_outcome_and_the_curve(
    lab: Lab, inventory: EidInventory
) -> None:
    """One ETR never acks: the others are still reported acked, with the count,
    and the curve shows the sites that came back before the timeout."""
    dead = stopped(lab, 1, 0)
    try:
        lab.control("reboot", down_for=1)
        wait_ms_back(lab.dir, timeout=30)
        run = run_playbook(
            lab,
            f"""
- hosts: {ACTIVE}
  gather_facts: false
  tasks:
    - name: recover
      lispnet.ms_recovery.reregister:
        eid_inventory: "{{{{ lisp_eid_inventory }}}}"
        method: ms
        timeout: 8
      ignore_errors: true
""",
        )
        result = run.result("recover", ACTIVE)
    finally:
        restart(lab, 1, 0)
    etrs = {e["etr"]: e for site in result["sites"] for e in site["etrs"]}
    assert len(etrs) == 2 * SITES
    assert etrs[dead]["acked"] is False and etrs[dead]["error"], etrs[dead]
    others = [e for name, e in etrs.items() if name != dead]
    assert all(e["acked"] is True and e["error"] is None for e in others), others
    assert result["sent"] == 2 * SITES and result["acked"] == 2 * SITES - 1
    assert result["unreachable_etrs"] == [dead]
    assert result["failed_sites"] == [inventory.sites[1].name]
    # The sites that recovered at once show in the curve long before the 8 s timeout.
    eids = 2 * SITES  # lab default: 2 EIDs per site
    early = [t for t, count in result["progress"] if count == eids - 2]
    assert early and early[0] < 8, result["progress"]


class Relay:
    """An on-path relay: whatever reaches the stopped ETR's address goes to its
    sibling from another address, and the sibling's answers go back to whoever
    sent the first datagram, from that other address."""

    def __init__(self, stopped_rloc: str, sibling_rloc: str, relay_address: str) -> None:
        self.inbound = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.inbound.bind((stopped_rloc, 4342))
        self.outbound = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.outbound.bind((relay_address, 0))
        for sock in (self.inbound, self.outbound):
            sock.settimeout(0.05)
        self.sibling = (sibling_rloc, 4342)
        self.controller: tuple[str, int] | None = None
        self.relayed_acks = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                data, self.controller = self.inbound.recvfrom(4096)
                self.outbound.sendto(data, self.sibling)
            except TimeoutError:
                pass
            try:
                data, _unused = self.outbound.recvfrom(4096)
                if self.controller is not None:
                    self.outbound.sendto(data, self.controller)
                    self.relayed_acks += 1
            except TimeoutError:
                pass

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.inbound.close()
        self.outbound.close()


def test_a_sibling_answering_a_relayed_notification_does_not_ack_a_stopped_etr(
    lab: Lab, inventory: EidInventory
) -> None:
    site = inventory.sites[2]
    dead_etr, sibling = site.etrs
    stopped(lab, 2, 0)
    relay_address = str(lab.spec.host(250, 1))
    relay = Relay(str(dead_etr.rloc), str(sibling.rloc), relay_address)
    try:
        run = asyncio.run(
            notify_from_controller(
                targets_for_sites([site]), NotifySettings(ack_timeout=0.3, retries=3)
            )
        )
    finally:
        relay.close()
        restart(lab, 2, 0)
    assert relay.relayed_acks > 0  # the sibling did answer the relayed copies
    outcome = {r.etr: r for r in run.results}
    assert outcome[sibling.name].acked is True
    assert outcome[dead_etr.name].acked is False
    assert outcome[dead_etr.name].error == "no Map-Notify-Ack after 4 sends"
