"""`lisplab up --map-servers N --register-to 2`: how the sites are spread over
the Map-Servers, what the EID inventory and each Map-Server's disk say, and
the ETR registering to each of its Map-Servers on its own (nonces, acks,
retries, re-registration towards the notifying one)."""

from __future__ import annotations

import asyncio
import ipaddress
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from ansible_collections.lispnet.ms_recovery.lab import artifacts
from ansible_collections.lispnet.ms_recovery.lab.backends import EtrBackend
from ansible_collections.lispnet.ms_recovery.lab.cli import build_parser
from ansible_collections.lispnet.ms_recovery.lab.etr import VirtualEtr
from ansible_collections.lispnet.ms_recovery.lab.faces import LispnetFace
from ansible_collections.lispnet.ms_recovery.lab.map_server import MapServerUnit, notify_targets
from ansible_collections.lispnet.ms_recovery.lab.netconf.errors import RpcError
from ansible_collections.lispnet.ms_recovery.lab.shard import etr_config
from ansible_collections.lispnet.ms_recovery.lab.topology import LabSpec
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory import (
    dump_inventory,
    parse_inventory,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.codec import (
    encode_map_notify,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.ietf.rpcs import (
    parse_reregister_now_reply,
    reregister_now_rpc,
)

Sent = list[tuple[bytes, tuple[str, int]]]
CONTROLLER = ("127.203.250.9", 50000)
MAP_REGISTER, MAP_NOTIFY_ACK = 3, 5


def _spec(**changes: Any) -> LabSpec:
    settings: dict[str, Any] = {
        "sites": 9,
        "map_servers": 3,
        "register_to": 2,
        "subnet": 203,
        "seed": "regto2",
        "password": "unused",
    }
    return LabSpec(**{**settings, **changes})


def test_each_site_registers_to_two_neighbouring_map_servers() -> None:
    spec = _spec()
    assert [spec.site_map_servers(s) for s in range(4)] == [(0, 1), (1, 2), (2, 0), (0, 1)]
    # Every Map-Server holds 2/3 of the sites, and shares some with each other one.
    assert [len(spec.sites_of_ms(ms)) for ms in range(3)] == [6, 6, 6]
    for ms in range(3):
        partners = Counter(m for s in spec.sites_of_ms(ms) for m in spec.site_map_servers(s))
        assert set(partners) == {0, 1, 2}
    # register_to 1 is today's spread: site s on s mod N only.
    single = _spec(register_to=1)
    assert [single.site_map_servers(s) for s in range(4)] == [(0,), (1,), (2,), (0,)]


def test_register_to_is_bounded_by_the_map_servers() -> None:
    with pytest.raises(ValueError, match=r"register-to 2 needs 1..map-servers \(1\)"):
        LabSpec(register_to=2)
    with pytest.raises(ValueError, match="register-to 0"):
        _spec(register_to=0)
    assert _spec(register_to=3).site_map_servers(1) == (1, 2, 0)


def test_the_option_defaults_to_one() -> None:
    assert build_parser().parse_args(["up"]).register_to == 1
    args = build_parser().parse_args(["up", "--map-servers", "3", "--register-to", "2"])
    assert (args.map_servers, args.register_to) == (3, 2)


def test_the_eid_inventory_lists_a_shared_site_under_both(tmp_path: Path) -> None:
    spec = _spec()
    written = dump_inventory(artifacts.eid_inventory(spec, "lab"), keys="plain")
    inventory = parse_inventory(written, "eids.yml")
    assert inventory.site("site-00001").map_servers == ("ms1", "ms2")
    assert inventory.site("site-00003").map_servers == ("ms3", "ms1")
    for ms in range(3):
        name = spec.ms_name(ms)
        sites = inventory.sites_of(name)
        assert [s.name for s in sites] == [spec.site_name(s) for s in spec.sites_of_ms(ms)]
        # Each Map-Server's disk configures exactly the sites registering to it.
        store = artifacts.ms_store(spec, tmp_path, ms, inventory)
        assert sorted(store.sites) == sorted(s.name for s in sites)


class _Timers:
    """loop.call_later's shape, fired by hand."""

    def __init__(self) -> None:
        self.pending: list[_Timer] = []

    def __call__(self, delay: float, callback: Any, *args: Any) -> _Timer:
        timer = _Timer(callback, args)
        self.pending.append(timer)
        return timer

    def fire(self) -> None:
        due, self.pending = self.pending, []
        for timer in due:
            if not timer.cancelled:
                timer.callback(*timer.args)


class _Timer:
    def __init__(self, callback: Any, args: tuple[Any, ...]) -> None:
        self.callback, self.args, self.cancelled = callback, args, False

    def cancel(self) -> None:
        self.cancelled = True


class _World:
    """Site 0's ETR and the active units of its two Map-Servers (ms1, ms2)."""

    def __init__(self, behaviour: str = "standard") -> None:
        self.spec = _spec(etr_behaviour=behaviour)
        self.timers = _Timers()
        self.etr = VirtualEtr(etr_config(self.spec, 0, 0))
        self.sent: Sent = []
        self.etr.attach(lambda data, addr: self.sent.append((data, addr)), self.timers)
        inventory = artifacts.eid_inventory(self.spec, "lab")
        self.units: dict[str, MapServerUnit] = {}
        self.replies: dict[str, Sent] = {}
        for ms in (0, 1):
            address = str(self.spec.ms_service_address(ms))
            store = artifacts.ms_store(self.spec, Path("/nonexistent/regto2"), ms, inventory)
            unit = MapServerUnit(
                f"{self.spec.ms_name(ms)}-a",
                store,
                registration_timeout=180.0,
                notify_schedule=(60.0,),
            )
            unit.role = "active"
            replies: Sent = []
            unit.attach(lambda data, addr, replies=replies: replies.append((data, addr)))
            self.units[address] = unit
            self.replies[address] = replies

    def registers_to(self) -> list[str]:
        return [addr[0] for data, addr in self.sent if data[0] >> 4 == MAP_REGISTER]

    def deliver(self, *, ack_from: tuple[str, ...]) -> None:
        """Every Map-Register sent so far to its Map-Server; the answers of
        ``ack_from`` back to the ETR (the others' are lost)."""
        for data, addr in self.sent:
            if data[0] >> 4 == MAP_REGISTER:
                self.units[addr[0]].on_datagram(data, (str(self.etr.config.rloc), 4342))
        self.sent.clear()
        for address in ack_from:
            for data, _unused in self.replies[address]:
                self.etr.on_datagram(data, (address, 4342))


def test_an_etr_registers_to_each_map_server_with_its_own_nonce() -> None:
    world = _World()
    ms1, ms2 = list(world.units)
    assert world.etr.register_now()
    registers = [data for data, _unused in world.sent]
    assert sorted(world.registers_to()) == sorted([ms1, ms2])
    assert registers[0][4:12] != registers[1][4:12]  # a nonce per Map-Register
    world.deliver(ack_from=(ms1, ms2))
    for unit in world.units.values():
        # Each Map-Server accepted it and keeps the ETR's nonce in its own state.
        assert unit.counters["map-registers-accepted"] == 1
        assert len(unit.table.registered_eids()) == len(world.spec.site_eids(0))
        assert len(unit.store.last_nonce) == 1
    assert world.etr.counters["register-acks"] == 2


def test_an_unanswered_map_server_is_retried_alone() -> None:
    world = _World()
    ms1, ms2 = list(world.units)
    world.etr.register_now()
    world.deliver(ack_from=(ms2,))  # ms1's answer is lost (say, it is rebooting)
    world.timers.fire()
    assert world.registers_to() == [ms1]  # ms2 acked: nothing more goes there
    assert world.etr.register_retransmits == 1


@pytest.mark.parametrize(
    ("sender", "expected"),
    [("ms1", ["ms1"]), ("ms2", ["ms2"]), ("controller", ["ms1", "ms2"])],
)
def test_a_notify_etr_reregisters_towards_the_notifying_map_server(
    sender: str, expected: list[str]
) -> None:
    world = _World("notify")
    addresses = dict(zip(("ms1", "ms2"), world.units, strict=True))
    store = next(iter(world.units.values())).store
    name = world.spec.site_name(0)
    target = notify_targets(store.sites[name], store.keys[name])[0]
    notify = encode_map_notify(
        target.records, key=target.key, key_id=target.key_id, algorithm=target.algorithm, nonce=9
    )
    source = CONTROLLER if sender == "controller" else (addresses[sender], 4342)
    world.etr.on_datagram(notify, source)
    assert world.sent[0][0][0] >> 4 == MAP_NOTIFY_ACK and world.sent[0][1] == source
    # A controller cannot say which Map-Server lost the site: every one is refreshed.
    assert sorted(world.registers_to()) == sorted(addresses[name] for name in expected)


def test_the_reregistration_rpc_can_name_one_map_server() -> None:
    world = _World("notify")
    ms1, ms2 = (ipaddress.ip_address(a) for a in world.units)
    backend = EtrBackend(world.etr, LispnetFace())
    reply = asyncio.run(backend.rpc(reregister_now_rpc(ms2)))
    assert parse_reregister_now_reply(reply) == 1
    assert world.registers_to() == [str(ms2)]
    world.sent.clear()
    assert parse_reregister_now_reply(asyncio.run(backend.rpc(reregister_now_rpc()))) == 2
    assert sorted(world.registers_to()) == sorted([str(ms1), str(ms2)])
    with pytest.raises(RpcError, match="not a Map-Server this ETR registers to"):
        asyncio.run(backend.rpc(reregister_now_rpc(ipaddress.ip_address("192.0.2.1"))))
