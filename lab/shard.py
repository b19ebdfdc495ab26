"""One lab process: the Map-Server pair, or a slice of the ETRs.

A process hosts many routers in one asyncio loop. ETRs are split over several
processes because each one holds a UDP socket and a NETCONF listener, and one
process may open only so many files.

Run by `lisplab up`: ``python -m ...lab.shard --dir DIR ms`` or
``... etrs FIRST COUNT``.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import logging
import random
import signal
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ansible_collections.lispnet.ms_recovery.lab import paths
from ansible_collections.lispnet.ms_recovery.lab.backends import EtrBackend, MsBackend
from ansible_collections.lispnet.ms_recovery.lab.control import serve_control
from ansible_collections.lispnet.ms_recovery.lab.etr import EtrConfig, VirtualEtr
from ansible_collections.lispnet.ms_recovery.lab.etr_replay import NotifyReplayGuard
from ansible_collections.lispnet.ms_recovery.lab.faces import face_of
from ansible_collections.lispnet.ms_recovery.lab.map_server import MapServerUnit
from ansible_collections.lispnet.ms_recovery.lab.ms_store import MsStore
from ansible_collections.lispnet.ms_recovery.lab.netconf.hostkeys import load_or_create_host_key
from ansible_collections.lispnet.ms_recovery.lab.netconf.server import start_netconf_server
from ansible_collections.lispnet.ms_recovery.lab.topology import (
    LabSpec,
    xtr_id_of,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.atomic_file import (
    atomic_write_text,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.auth import (
    algorithm_from_name,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.nonce import NonceCounter
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.recovery.notifier import (
    LISP_CONTROL_PORT,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.recovery.udp import open_udp

log = logging.getLogger("lisplab")
# Seconds the active unit may stay short of its configured EIDs before the
# registration-deficit notification (a passive refill takes a register interval).
DEFICIT_AFTER_S = 5.0


class Router:
    """A router's sockets: what goes away when it reboots or is switched off."""

    def __init__(self, name: str, address: str, lab_dir: Path, spec: LabSpec) -> None:
        self.name = name
        self.address = address
        self.lab_dir = lab_dir
        self.spec = spec
        self.udp: asyncio.DatagramTransport | None = None
        self.netconf: Any = None

    async def open_netconf(self, backend: Any) -> None:
        self.netconf = await start_netconf_server(
            host=self.address,
            port=self.spec.netconf_port,
            backend=backend,
            host_key=load_or_create_host_key(
                paths.host_key(self.lab_dir, self.name), self.spec.host_key_algorithm(self.name)
            ),
            username=self.spec.username,
            password=self.spec.password,
        )

    async def close(self) -> None:
        if self.udp is not None:
            self.udp.close()
            self.udp = None
        if self.netconf is not None:
            await self.netconf.close()
            self.netconf = None


class MsShard:
    """The Map-Server pair: two units sharing one LISP service address."""

    def __init__(self, lab_dir: Path, spec: LabSpec, index: int = 0) -> None:
        self.lab_dir = lab_dir
        self.spec = spec
        self.name = spec.ms_name(index)
        store_path = paths.ms_store(lab_dir, self.name)
        self.store = MsStore.load(store_path)
        nonces = NonceCounter(paths.nonce_counter(lab_dir, spec.ms_process(index)))
        self.units = [
            MapServerUnit(
                name,
                self.store,
                registration_timeout=3 * spec.register_interval,
                notify_schedule=spec.notify_schedule,
                nonces=nonces,
            )
            for name in spec.unit_names(index)
        ]
        self.routers = [
            Router(name, str(spec.unit_address(i, index)), lab_dir, spec)
            for i, name in enumerate(spec.unit_names(index))
        ]
        self.backends = [MsBackend(unit, self) for unit in self.units]
        self.active = 0
        self.units[0].role = "active"
        self._tasks: set[asyncio.Task[Any]] = set()
        self.service_address = str(spec.ms_service_address(index))
        self.fault_counters: Counter[str] = Counter()

    async def start(self) -> None:
        for index in range(len(self.units)):
            await self._bring_up(index)
        self._spawn(self._housekeeping())
        for backend in self.backends:
            backend.publish_boot("start")

    async def _bring_up(self, index: int) -> None:
        unit, router = self.units[index], self.routers[index]
        await router.open_netconf(self.backends[index])
        if index == self.active:
            router.udp = await open_udp(self.service_address, LISP_CONTROL_PORT, unit.on_datagram)
            unit.attach(self._sender(index))
        unit.up = True

    def _sender(self, index: int) -> Any:
        """The active unit's send, through the lab's network faults (if any)."""
        udp = self.routers[index].udp
        assert udp is not None
        return self.spec.faults.sender(udp.sendto, self.units[index].name, self.fault_counters)

    async def _take_down(self, index: int) -> None:
        unit, router = self.units[index], self.routers[index]
        unit.detach()
        unit.up = False
        await router.close()
        unit.lose_volatile_state()

    async def reboot(self, down_for: float) -> dict[str, Any]:
        index = self.active
        unit = self.units[index]
        if not unit.up:
            raise RuntimeError(f"{unit.name} is already down")
        await self._take_down(index)
        # The instant it stopped serving: what a report's down window must contain.
        down_at = datetime.now(UTC)
        back_at = down_at.timestamp() + down_for
        self._spawn(self._come_back(index, down_for))
        return {
            "unit": unit.name,
            "down_for": down_for,
            "down_at": down_at.isoformat(),
            "back_at": back_at,
        }

    async def _come_back(self, index: int, down_for: float) -> None:
        await asyncio.sleep(down_for)
        unit = self.units[index]
        unit.boot_time = datetime.now(UTC)
        unit.reboot_count += 1
        unit.switchover_time = None  # a new boot, no switchover in it yet
        await self._bring_up(index)
        self.backends[index].publish_boot("reboot")
        log.info("%s is back after a reboot", unit.name)
        if self.spec.auto_recover:
            self._spawn(unit.send_reregistration(None))

    async def switchover(self) -> dict[str, Any]:
        old, new = self.active, 1 - self.active
        if not self.units[new].up:
            raise RuntimeError(f"standby {self.units[new].name} is down")
        old_unit, new_unit = self.units[old], self.units[new]
        old_unit.detach()
        switched_at = datetime.now(UTC)
        old_udp = self.routers[old].udp
        if old_udp is not None:
            old_udp.close()
            self.routers[old].udp = None
        old_unit.role = "standby"
        old_unit.lose_volatile_state()
        self.active = new
        new_unit.role = "active"
        new_unit.switchover_time = switched_at
        new_unit.lose_volatile_state()
        self.routers[new].udp = await open_udp(
            self.service_address, LISP_CONTROL_PORT, new_unit.on_datagram
        )
        new_unit.attach(self._sender(new))
        for backend in self.backends:
            backend.publish_switchover(new_active=new_unit.name, previous_active=old_unit.name)
        if self.spec.auto_recover:
            self._spawn(new_unit.send_reregistration(None))
        return {
            "active": new_unit.name,
            "previous": old_unit.name,
            "switched_at": switched_at.isoformat(),
        }

    def split_brain(self) -> dict[str, Any]:
        """The standby loses sight of its peer and promotes itself: both units
        claim active over NETCONF. The service address stays with the unit that
        held it (one socket per address), as the pair's LISP traffic would
        follow one of them; a switchover or reboot ends it."""
        standby = self.units[1 - self.active]
        if not standby.up:
            raise RuntimeError(f"standby {standby.name} is down")
        standby.role = "active"
        return {"active_units": [u.name for u in self.units if u.role == "active"]}

    async def _housekeeping(self) -> None:
        # registration-deficit: published once per (active unit, boot) when the
        # active unit stays short of the configured EIDs for DEFICIT_AFTER_S, so
        # a watcher that missed the reboot (its session was dropped) still hears.
        watched: tuple[str, datetime] | None = None
        short_since: float | None = None
        published = False
        while True:
            await asyncio.sleep(1.0)
            for unit in self.units:
                if unit.up:
                    unit.expire()
            active, now = self.units[self.active], asyncio.get_running_loop().time()
            expected, registered = len(self.store.eid_owner), len(active.table)
            if watched != (active.name, active.boot_time):
                watched, short_since, published = (active.name, active.boot_time), None, False
            if not active.up or registered >= expected:
                short_since = None
            elif short_since is None:
                short_since = now
            elif not published and now - short_since >= DEFICIT_AFTER_S:
                published = True
                self.backends[self.active].publish_deficit(expected=expected, registered=registered)
            try:
                self.store.flush()
            except OSError:
                log.exception("cannot save the MS store")

    def status(self) -> dict[str, Any]:
        return {
            "map_server": self.name,
            "service_address": self.service_address,
            "units": [
                {
                    "name": u.name,
                    "role": u.role,
                    "up": u.up,
                    "boot_time": u.boot_time.isoformat(),
                    "reboot_count": u.reboot_count,
                    "registered_eids": len(u.table),
                    "netconf": f"{r.address}:{self.spec.netconf_port}",
                }
                for u, r in zip(self.units, self.routers, strict=True)
            ],
            "configured_eids": len(self.store.eid_owner),
            "faults": dict(self.fault_counters),
        }

    async def handle(self, command: str, args: dict[str, Any]) -> dict[str, Any]:
        if command == "status":
            return self.status()
        if command == "reboot":
            return await self.reboot(float(args.get("down_for", 5.0)))
        if command == "switchover":
            return await self.switchover()
        if command == "split_brain":
            return self.split_brain()
        raise ValueError(f"unknown command {command!r} for the map-server process")

    def _spawn(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        for index in range(len(self.units)):
            await self.routers[index].close()
        self.store.flush(force=True)


class EtrShard:
    """A slice of the lab's ETRs.

    ``stop-etr`` / ``start-etr`` are a reboot: the ETR's memory is gone (a new
    VirtualEtr), what it keeps on disk (its notification replay state, written
    here at most once a second and at once when it stops) is read back.
    """

    def __init__(self, lab_dir: Path, spec: LabSpec, first: int, count: int) -> None:
        self.lab_dir = lab_dir
        self.spec = spec
        self.state_path = paths.etr_state(lab_dir, f"etrs-{first}")
        self.etrs: dict[str, VirtualEtr] = {}
        self.routers: dict[str, Router] = {}
        self.backends: dict[str, EtrBackend] = {}
        self._timers: dict[str, asyncio.TimerHandle] = {}
        self._flusher: asyncio.Task[None] | None = None
        self._booted: set[str] = set()
        self.fault_counters: Counter[str] = Counter()
        # One counter for the process's ETRs: each ETR's nonces still grow.
        self._nonces = NonceCounter(paths.nonce_counter(lab_dir, f"etrs-{first}"))
        guards = self._read_guards()
        for index in range(first, min(first + count, spec.etrs_total)):
            site, etr_no = divmod(index, spec.etrs_per_site)
            config = etr_config(spec, site, etr_no)
            etr = VirtualEtr(config, self._nonces, guards.get(config.name))
            self.etrs[config.name] = etr
            self.routers[config.name] = Router(config.name, str(config.rloc), lab_dir, spec)
            self.backends[config.name] = EtrBackend(etr, face_of(spec.platform))

    async def start(self) -> None:
        for name in self.etrs:
            await self.start_etr(name)
        self._flusher = asyncio.ensure_future(self._flush_every_second())

    def _read_guards(self) -> dict[str, NotifyReplayGuard]:
        try:
            data = json.loads(self.state_path.read_text())
        except FileNotFoundError:
            return {}
        return {name: NotifyReplayGuard.from_data(state) for name, state in data.items()}

    def save_state(self, force: bool = False) -> None:
        if not force and not any(etr.replay_guard.dirty for etr in self.etrs.values()):
            return
        data = {name: etr.replay_guard.to_data() for name, etr in self.etrs.items()}
        self.state_path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(self.state_path, json.dumps(data))
        for etr in self.etrs.values():
            etr.replay_guard.dirty = False

    async def _flush_every_second(self) -> None:
        while True:
            await asyncio.sleep(1.0)
            try:
                self.save_state()
            except OSError:
                log.exception("cannot save the ETRs' replay state")

    async def start_etr(self, name: str) -> dict[str, Any]:
        etr, router = self._lookup(name)
        if etr.running:
            return {"etr": name, "running": True}
        if name in self._booted:
            # It ran before: boot a new one with what it kept on disk.
            guard = self._read_guards().get(name)
            etr = VirtualEtr(etr.config, self._nonces, guard)
            self.etrs[name] = etr
            self.backends[name] = EtrBackend(etr, face_of(self.spec.platform))
        self._booted.add(name)
        await router.open_netconf(self.backends[name])
        router.udp = await open_udp(router.address, LISP_CONTROL_PORT, etr.on_datagram)
        send = self.spec.faults.sender(router.udp.sendto, name, self.fault_counters)
        etr.attach(send, asyncio.get_running_loop().call_later)
        etr.register_now()
        # A random phase per ETR: after an MS reboot the passive refill is spread
        # over a whole interval, as with real routers.
        interval = self.spec.register_interval
        self._schedule(name, random.uniform(0.0, interval))
        return {"etr": name, "running": True}

    async def stop_etr(self, name: str) -> dict[str, Any]:
        etr, router = self._lookup(name)
        timer = self._timers.pop(name, None)
        if timer is not None:
            timer.cancel()
        etr.detach()
        await router.close()
        self.save_state(force=True)
        return {"etr": name, "running": False}

    def _schedule(self, name: str, delay: float) -> None:
        loop = asyncio.get_running_loop()
        self._timers[name] = loop.call_later(delay, self._tick, name)

    def _tick(self, name: str) -> None:
        etr = self.etrs[name]
        if etr.running:
            etr.register_now()
            self._schedule(name, self.spec.register_interval)

    def _lookup(self, name: str) -> tuple[VirtualEtr, Router]:
        if name not in self.etrs:
            raise KeyError(f"no ETR named {name!r} in this process")
        return self.etrs[name], self.routers[name]

    def status(self) -> dict[str, Any]:
        return {
            "etrs": {
                name: {
                    "running": etr.running,
                    "rloc": str(etr.config.rloc),
                    "behaviour": etr.config.behaviour,
                    "registers_sent": etr.counters["map-registers-sent"],
                    "reregistrations": etr.counters["reregistrations-triggered"],
                    "register_retransmits": etr.register_retransmits,
                    "notify_replays": etr.counters["notify-replays"],
                    "notify_retransmissions": etr.counters["notify-retransmissions"],
                }
                for name, etr in self.etrs.items()
            },
            "faults": dict(self.fault_counters),
        }

    async def handle(self, command: str, args: dict[str, Any]) -> dict[str, Any]:
        if command == "status":
            return self.status()
        if command == "stop_etr":
            return await self.stop_etr(str(args["name"]))
        if command == "start_etr":
            return await self.start_etr(str(args["name"]))
        raise ValueError(f"unknown command {command!r} for an ETR process")

    async def stop(self) -> None:
        if self._flusher is not None:
            self._flusher.cancel()
        for timer in self._timers.values():
            timer.cancel()
        for router in self.routers.values():
            await router.close()
        self.save_state()


def etr_config(spec: LabSpec, site: int, etr_no: int) -> EtrConfig:
    name = spec.etr_name(site, etr_no)
    return EtrConfig(
        name=name,
        site=spec.site_name(site),
        site_id=site + 1,
        rloc=spec.etr_address(spec.etr_index(site, etr_no)),
        map_servers=tuple(spec.ms_service_address(ms) for ms in spec.site_map_servers(site)),
        key=spec.site_key(site),
        key_id=0,
        algorithm=algorithm_from_name(spec.site_algorithm(site)),
        eids=spec.site_eids(site),
        xtr_id=xtr_id_of(name),
        register_interval=spec.register_interval,
        proxy_reply=spec.site_proxy_reply(site),
        behaviour=spec.site_behaviour(site),
    )


async def run(lab_dir: Path, role: str, first: int, count: int) -> None:
    spec = LabSpec.load(lab_dir)
    shard: MsShard | EtrShard
    if role == "ms":
        # ``first`` is the Map-Server's index here.
        shard = MsShard(lab_dir, spec, first)
        sock = paths.control_socket(lab_dir, spec.ms_process(first))
    else:
        shard = EtrShard(lab_dir, spec, first, count)
        sock = paths.control_socket(lab_dir, f"etrs-{first}")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)

    async def handler(command: str, args: dict[str, Any]) -> dict[str, Any]:
        if command == "shutdown":
            stop.set()
            return {"stopping": True}
        return await shard.handle(command, args)

    await shard.start()
    control = await serve_control(sock, handler)
    _settle_collector()
    log.info("%s ready", sock.name)
    try:
        await stop.wait()
    finally:
        control.close()
        await shard.stop()
        sock.unlink(missing_ok=True)


# Allocations between young collections. The default (700) makes a router
# holding 50,000 registrations (~600,000 objects) run collections all through
# a recovery wave, a quarter of its time in the profile.
GC_YOUNG_THRESHOLD = 50_000


def _settle_collector() -> None:
    """What the process built to start (store, sockets, sessions) stays: move
    it out of the collector's sight, and collect the young less often."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_YOUNG_THRESHOLD, *gc.get_threshold()[1:])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="lisplab-shard")
    parser.add_argument("--dir", type=Path, required=True)
    sub = parser.add_subparsers(dest="role", required=True)
    ms = sub.add_parser("ms")
    ms.add_argument("index", type=int, nargs="?", default=0, help="which Map-Server (from 0)")
    etrs = sub.add_parser("etrs")
    etrs.add_argument("first", type=int)
    etrs.add_argument("count", type=int)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    first = args.index if args.role == "ms" else args.first
    asyncio.run(run(args.dir, args.role, first, getattr(args, "count", 0)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
