"""A reregister run end to end with fake routers: idempotence, check mode, the three
methods, failures named by site and ETR, bounded waits. The lisp method talks real
UDP to fake ETRs on loopback addresses."""

from __future__ import annotations

import random
import socket
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import pytest

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory import (
    EidInventory,
    Etr,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.auth import verify
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.codec import (
    MapNotifyMessage,
    decode,
    encode_map_notify_ack,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.types import (
    Eid,
    IPAddress,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.reregistration import (
    EtrResult,
    ReregistrationResult,
    SiteResult,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.netconf_session import (
    NetconfFailure,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.recovery.controller_notify import (  # noqa: E501
    STOPPED,
    NotifySettings,
    retransmit_schedule,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.recovery.etr_rpc import (
    EtrCredentials,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.recovery.notifier import (
    RFC_RETRANSMIT_SCHEDULE,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.recovery.reregister_run import (
    Routers,
    RunOptions,
    ms_ack_wait,
    run_reregister,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.recovery.table_watch import (
    Watch,
)
from ansible_collections.lispnet.ms_recovery.tests.unit.module_utils.test_reregister_plan import (
    KEY,
    make_inventory,
    make_site,
)

FAST = NotifySettings(ack_timeout=0.05, retries=2, pace=10000.0)


@dataclass
class FakeMs:
    """A registration table the fake ETRs fill; counts what the run did to it."""

    inventory: EidInventory
    table: dict[Eid, frozenset[IPAddress]] = field(default_factory=dict)
    reads: int = 0
    rpc_calls: list[tuple[list[str], bool, int]] = field(default_factory=list)
    dead_etrs: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def register(self, etr_name: str) -> None:
        with self.lock:
            for site in self.inventory.sites:
                for etr in site.etrs:
                    if etr.name == etr_name:
                        for eid in site.eids:
                            self.table[eid] = self.table.get(eid, frozenset()) | {etr.rloc}

    def fill(self) -> None:
        for site in self.inventory.sites:
            for etr in site.etrs:
                self.register(etr.name)

    def read_table(self) -> dict[Eid, frozenset[IPAddress]]:
        with self.lock:
            self.reads += 1
            return dict(self.table)

    def ms_reregister(self, sites: Sequence[str], wait: bool, timeout: int) -> ReregistrationResult:
        self.rpc_calls.append((list(sites), wait, timeout))
        results = []
        for name in sites:
            etrs = []
            for etr in self.inventory.site(name).etrs:
                alive = etr.name not in self.dead_etrs
                if alive:
                    self.register(etr.name)
                etrs.append(
                    EtrResult(
                        etr.name, etr.rloc, alive, 0 if alive else 2, None if alive else "no ack"
                    )
                )
            results.append(SiteResult(name, tuple(etrs)))
        count = sum(len(s.etrs) for s in results)
        acked = sum(e.acked for s in results for e in s.etrs)
        return ReregistrationResult(count, acked, tuple(results))

    def routers(self) -> Routers:
        def no_rpc(session: object, map_server: object) -> int:
            raise AssertionError("no ETR RPC expected")

        return Routers(self.read_table, self.ms_reregister, no_rpc)


def free_loopback_subnet() -> int:
    for second in random.sample(range(20, 100), 80):
        probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            probe.bind((f"127.{second}.1.1", 4342))
        except OSError:
            continue
        finally:
            probe.close()
        return second
    raise RuntimeError("no free loopback subnet")


class FakeEtrs:
    """Threads answering Map-Notify like the project's ETRs: verify, ack, re-register."""

    def __init__(self, ms: FakeMs, silent: set[str]) -> None:
        self.ms = ms
        self.received: dict[str, int] = {}
        self._stop = threading.Event()
        self._threads = []
        self._sockets = []
        for site in ms.inventory.sites:
            for etr in site.etrs:
                sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                sock.bind((str(etr.rloc), 4342))
                sock.settimeout(0.05)
                self._sockets.append(sock)
                thread = threading.Thread(
                    target=self._serve, args=(sock, etr, KEY.encode(), etr.name in silent)
                )
                thread.start()
                self._threads.append(thread)

    def _serve(self, sock: socket.socket, etr: Etr, key: bytes, silent: bool) -> None:
        while not self._stop.is_set():
            try:
                data, addr = sock.recvfrom(4096)
            except TimeoutError:
                continue
            message = decode(data)
            assert isinstance(message, MapNotifyMessage) and not message.is_ack
            assert verify(data, key, message.algorithm)
            self.received[etr.name] = self.received.get(etr.name, 0) + 1
            if silent:
                continue
            ack = encode_map_notify_ack(
                message.records,
                key=key,
                key_id=message.key_id,
                algorithm=message.algorithm,
                nonce=message.nonce,
            )
            sock.sendto(ack, addr)
            self.ms.register(etr.name)

    def close(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=5)
        for sock in self._sockets:
            sock.close()


def lab_inventory(subnet: int) -> EidInventory:
    return make_inventory(
        make_site("site-a", 1, ["10.1.0.0/24", "2001:db8:1::/48"], [f"127.{subnet}.1.1"]),
        make_site("site-b", 2, ["10.2.0.0/24"], [f"127.{subnet}.2.1", f"127.{subnet}.2.2"]),
        make_site("site-c", 3, ["10.3.0.0/24"], [f"127.{subnet}.3.1"]),
    )


@pytest.fixture
def ms() -> FakeMs:
    return FakeMs(lab_inventory(free_loopback_subnet()))


@pytest.fixture
def etrs(ms: FakeMs, request: pytest.FixtureRequest) -> Iterator[FakeEtrs]:
    silent = getattr(request, "param", set())
    fake = FakeEtrs(ms, silent)
    yield fake
    fake.close()


def test_retransmit_schedule_defaults_to_rfc_9301() -> None:
    assert retransmit_schedule(3.0, 6) == RFC_RETRANSMIT_SCHEDULE
    assert retransmit_schedule(0.5, 1) == (0.5, 0.5)
    with pytest.raises(ValueError):
        retransmit_schedule(0, 3)


@pytest.mark.parametrize("method", ["ms", "lisp", "netconf"])
def test_a_healthy_map_server_gets_nothing_sent(ms: FakeMs, method: str) -> None:
    ms.fill()
    result = run_reregister(ms.inventory, RunOptions(method=method, notify=FAST), ms.routers())
    assert result["changed"] is False
    assert result["sent"] == 0 and result["targeted_sites"] == []
    assert result["complete"] is True and result["registered"] == result["expected"] == 4
    assert ms.rpc_calls == []


def test_check_mode_reports_the_targets_and_sends_nothing(ms: FakeMs) -> None:
    ms.register("site-b-etr1")  # site-b still lacks its second ETR's RLOC
    ms.register("site-a-etr1")
    result = run_reregister(ms.inventory, RunOptions(check_mode=True), ms.routers())
    assert result["changed"] is True
    assert result["sent"] == 0 and result["would_send"] == 3
    assert result["targeted_sites"] == ["site-b", "site-c"]
    assert [e["etr"] for e in result["sites"][0]["etrs"]] == ["site-b-etr1", "site-b-etr2"]
    assert ms.rpc_calls == []
    assert result["complete"] is False and result["missing"] == ["[0]10.2.0.0/24", "[0]10.3.0.0/24"]


def test_ms_method_asks_the_map_server_for_the_missing_sites_only(ms: FakeMs) -> None:
    ms.register("site-a-etr1")
    result = run_reregister(ms.inventory, RunOptions(method="ms", timeout=5), ms.routers())
    # The MS holds the RPC for half the timeout, leaving the session to the reads.
    assert ms.rpc_calls == [(["site-b", "site-c"], True, 3)]
    assert result["changed"] is True and result["complete"] is True
    assert result["sent"] == 3 and result["acked"] == 3
    assert result["failed_sites"] == [] and result["unreachable_etrs"] == []
    assert all(site["recovered"] for site in result["sites"])
    # The curve starts from the table read before sending.
    assert result["progress"][0] == [0.0, 2]
    assert result["progress"][-1][1] == 4
    assert result["elapsed"] is not None


def test_ms_method_failure_names_the_site_and_etr(ms: FakeMs) -> None:
    ms.dead_etrs.add("site-c-etr1")
    result = run_reregister(ms.inventory, RunOptions(method="ms", timeout=0.3), ms.routers())
    assert result["failed"] is True
    assert result["failed_sites"] == ["site-c"]
    assert result["unreachable_etrs"] == ["site-c-etr1"]
    assert "site-c" in result["msg"] and "site-c-etr1" in result["msg"]
    assert result["missing"] == ["[0]10.3.0.0/24"]


def test_ms_method_when_the_map_server_gives_up_waiting_for_acks(ms: FakeMs) -> None:
    def timing_out(sites: Sequence[str], wait: bool, timeout: int) -> ReregistrationResult:
        raise NetconfFailure("rpc failed: not every ETR acked within 1 s; retransmission goes on")

    routers = ms.routers()
    routers.ms_reregister = timing_out
    result = run_reregister(ms.inventory, RunOptions(method="ms", timeout=0.2), routers)
    assert result["failed"] is True
    assert result["failed_sites"] == ["site-a", "site-b", "site-c"]
    etr = result["sites"][0]["etrs"][0]
    assert etr["acked"] is False and "acked within" in etr["error"]


def test_ms_method_reports_each_etr_when_one_is_still_being_retransmitted_to(
    ms: FakeMs,
) -> None:
    """The MS answers at its wait bound with each ETR's own outcome: the others
    acked and registered, the dead one is named; the table is watched on."""
    ms.dead_etrs.add("site-c-etr1")
    result = run_reregister(ms.inventory, RunOptions(method="ms", timeout=0.4), ms.routers())
    assert result["sent"] == 4 and result["acked"] == 3
    acked = {e["etr"]: e["acked"] for site in result["sites"] for e in site["etrs"]}
    assert acked == {
        "site-a-etr1": True,
        "site-b-etr1": True,
        "site-b-etr2": True,
        "site-c-etr1": False,
    }
    assert result["failed_sites"] == ["site-c"] and result["unreachable_etrs"] == ["site-c-etr1"]
    # A point of the curve shows the sites that came back, before the timeout.
    assert result["progress"][0] == [0.0, 0]
    assert any(count == 3 for _unused, count in result["progress"])


def test_ms_ack_wait_leaves_room_for_table_reads() -> None:
    assert ms_ack_wait(0.2) == 1
    assert ms_ack_wait(8) == 4
    assert ms_ack_wait(30) == 10
    assert ms_ack_wait(600) == 10


def test_netconf_method_whose_only_call_failed_changed_nothing(ms: FakeMs) -> None:
    def refused(etr: Etr, credentials: EtrCredentials) -> object:
        raise NetconfFailure(f"{etr.netconf.host}:8830: cannot connect: refused")

    def never(session: object, map_server: object) -> int:
        raise AssertionError("no session, no RPC")

    ms.fill()
    ms.table = {eid: rlocs for eid, rlocs in ms.table.items() if str(eid) != "[0]10.3.0.0/24"}
    routers = Routers(ms.read_table, ms.ms_reregister, never, refused)
    options = RunOptions(method="netconf", timeout=0.2, etr_credentials=EtrCredentials("u", "p"))
    result = run_reregister(ms.inventory, options, routers)
    assert result["targeted_sites"] == ["site-c"]
    assert result["changed"] is False and result["sent"] == 0 and result["acked"] == 0
    assert result["failed"] is True and "cannot connect" in result["msg"]


def test_fail_on_incomplete_false_reports_without_failing(ms: FakeMs) -> None:
    ms.dead_etrs.add("site-c-etr1")
    options = RunOptions(method="ms", timeout=0.2, fail_on_incomplete=False)
    result = run_reregister(ms.inventory, options, ms.routers())
    assert "failed" not in result and result["complete"] is False


def test_lisp_method_notifies_every_etr_and_collects_acks(ms: FakeMs, etrs: FakeEtrs) -> None:
    ms.register("site-a-etr1")
    result = run_reregister(ms.inventory, RunOptions(method="lisp", notify=FAST), ms.routers())
    assert result["changed"] is True and result["complete"] is True, result
    assert result["sent"] == 3 and result["acked"] == 3
    assert set(etrs.received) == {"site-b-etr1", "site-b-etr2", "site-c-etr1"}
    assert result["sources"][0].startswith("0.0.0.0:")
    assert all(e["acked"] for site in result["sites"] for e in site["etrs"])


def test_lisp_method_binds_the_source_address(ms: FakeMs, etrs: FakeEtrs) -> None:
    options = RunOptions(
        method="lisp",
        notify=NotifySettings(ack_timeout=0.05, retries=2, source_address="127.0.0.1"),
    )
    result = run_reregister(ms.inventory, options, ms.routers())
    assert result["sources"][0].startswith("127.0.0.1:") and result["complete"] is True


@pytest.mark.parametrize("etrs", [{"site-c-etr1"}], indirect=True)
def test_lisp_method_names_the_etr_that_never_acks(ms: FakeMs, etrs: FakeEtrs) -> None:
    result = run_reregister(
        ms.inventory, RunOptions(method="lisp", notify=FAST, timeout=5), ms.routers()
    )
    assert result["failed"] is True
    assert result["failed_sites"] == ["site-c"] and result["unreachable_etrs"] == ["site-c-etr1"]
    site_c = next(s for s in result["sites"] if s["site"] == "site-c")
    assert site_c["recovered"] is False
    assert site_c["etrs"][0]["retries"] == 2
    assert "no Map-Notify-Ack after 3 sends" in site_c["etrs"][0]["error"]
    assert etrs.received["site-c-etr1"] == 3
    assert "site-c-etr1 (" in result["msg"]


@pytest.mark.parametrize("etrs", [{"site-c-etr1"}], indirect=True)
def test_lisp_retransmission_stops_at_the_task_timeout(ms: FakeMs, etrs: FakeEtrs) -> None:
    slow = NotifySettings(ack_timeout=30.0, retries=6)  # would retransmit for minutes
    result = run_reregister(
        ms.inventory, RunOptions(method="lisp", notify=slow, timeout=0.5), ms.routers()
    )
    site_c = next(s for s in result["sites"] if s["site"] == "site-c")
    assert site_c["etrs"][0]["error"] == STOPPED
    assert result["failed_sites"] == ["site-c"]


def test_netconf_method_reports_each_etr(ms: FakeMs) -> None:
    connected: list[str] = []

    def connect(etr: Etr, credentials: EtrCredentials) -> object:
        assert credentials.username == "u" and credentials.password == "p"
        if etr.name == "site-b-etr2":
            raise NetconfFailure(f"{etr.netconf.host}:8830: cannot connect: refused")
        connected.append(etr.name)
        return etr

    def reregister(session: object, map_server: object) -> int:
        assert isinstance(session, Etr)
        # Only to the Map-Server being recovered (a site may register to others).
        assert map_server == ms.inventory.map_server("ms1").lisp_address
        ms.register(session.name)
        return 1

    routers = Routers(ms.read_table, ms.ms_reregister, reregister, connect)
    options = RunOptions(
        method="netconf", timeout=0.3, etr_credentials=EtrCredentials("u", "p"), etr_workers=2
    )
    result = run_reregister(ms.inventory, options, routers)
    assert sorted(connected) == ["site-a-etr1", "site-b-etr1", "site-c-etr1"]
    # The call that could not connect was not sent.
    assert result["sent"] == 3 and result["acked"] == 3
    assert result["failed_sites"] == ["site-b"]
    assert result["unreachable_etrs"] == ["site-b-etr2"]
    assert "cannot connect" in result["msg"]


def test_netconf_method_needs_credentials(ms: FakeMs) -> None:
    with pytest.raises(ValueError, match="etr_username"):
        run_reregister(ms.inventory, RunOptions(method="netconf"), ms.routers())


def test_without_wait_the_table_is_read_once_after_sending(ms: FakeMs) -> None:
    result = run_reregister(ms.inventory, RunOptions(method="ms", wait=False), ms.routers())
    assert ms.reads == 2  # the only_missing read and the final one
    assert result["complete"] is True


def test_progress_keeps_one_sample_per_change() -> None:
    clock = iter([1.0, 1.1, 1.2, 1.3, 1.4]).__next__
    watch = Watch(started=1.0, clock=clock)

    class State:
        def __init__(self, registered: int, complete: bool) -> None:
            self.registered, self.complete = registered, complete

    for registered in (0, 0, 0, 3, 4):
        watch.record(State(registered, registered == 4))  # type: ignore[arg-type]
    assert watch.progress == [[0.0, 0], [0.2, 0], [0.3, 3], [0.4, 4]]
    assert watch.elapsed == 0.4
