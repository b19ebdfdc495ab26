"""NETCONF faces of the virtual routers: their state rendered at the YANG paths,
their RPCs and their event notifications."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from lxml import etree

from ansible_collections.lispnet.ms_recovery.lab.etr import VirtualEtr
from ansible_collections.lispnet.ms_recovery.lab.faces import Face, face_of
from ansible_collections.lispnet.ms_recovery.lab.map_server import MapServerUnit
from ansible_collections.lispnet.ms_recovery.lab.ms_config_edit import (
    EditError,
    apply_plan,
    plan_site_edits,
)
from ansible_collections.lispnet.ms_recovery.lab.netconf.errors import (
    RpcError,
    UnknownRpc,
    info_element,
)
from ansible_collections.lispnet.ms_recovery.lab.netconf.notifications import NotificationHub
from ansible_collections.lispnet.ms_recovery.lab.yang.ms_config import (
    ConfigError,
    parse_site_edits,
)
from ansible_collections.lispnet.ms_recovery.lab.yang.ms_render import (
    MsCounts,
    af_counts,
)
from ansible_collections.lispnet.ms_recovery.lab.yang.notifications import (
    render_event,
)
from ansible_collections.lispnet.ms_recovery.lab.yang.rpcs import (
    is_reregister_now_rpc,
    parse_send_reregistration_rpc,
    render_reregister_now_reply,
    render_send_reregistration_reply,
    reregister_now_map_server,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.auth import (
    ALGORITHM_NAMES,
    Algorithm,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.types import Eid, Rloc
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.events import (
    MsEvent,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.ms import (
    EtrSnapshot,
    MsSite,
    MsSnapshot,
    MsUnitInfo,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.reregistration import (
    EtrResult,
    ReregistrationResult,
    SiteResult,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.times import (
    format_time,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.ietf.rpcs import (
    SEND_REREGISTRATION,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.recovery.notifier import (
    NotifyResult,
    NotifyTarget,
)

if TYPE_CHECKING:
    from ansible_collections.lispnet.ms_recovery.lab.shard import MsShard


class MsBackend:
    def __init__(self, unit: MapServerUnit, shard: MsShard) -> None:
        self.unit = unit
        self.shard = shard
        self.notifications = NotificationHub()
        self.face = face_of(shard.spec.platform)
        unit.on_registration_change = self._registration_change

    def capabilities(self) -> Iterable[str]:
        return self.face.capabilities()

    def _registration_change(self, change: str, eid: Eid, site: str) -> None:
        # Called per EID from the unit's hot path: nothing is built unless a
        # session subscribed.
        if (
            not self.notifications.subscriber_count
            or self.unit.role != "active"
            or not self.face.augment
        ):
            return
        self._publish("registration-change", {"eid-id": str(eid), "site": site, "change": change})

    def snapshot(
        self, with_state: bool = True, with_table: bool = True, with_stored: bool = True
    ) -> MsSnapshot:
        unit = self.unit
        if not with_table:  # unit info and counters only (render_ms_status)
            return MsSnapshot(unit=self.unit_info(), counters=dict(unit.counters))
        # The store's own values, configured and stored alike: no copies.
        sites = self.configured_sites()
        stored = sites if with_stored else ()
        if not with_state:
            return MsSnapshot(unit=None, sites=sites, stored=stored)
        # The table's own values: a tuple of references, no copies.
        registrations = tuple(unit.table.all_records())
        return MsSnapshot(
            unit=self.unit_info(),
            sites=sites,
            registrations=registrations,
            stored=stored,
            counters=dict(unit.counters),
        )

    def configured_sites(self) -> tuple[MsSite, ...]:
        return tuple(self.unit.store.sites.values())

    def get(self) -> etree._Element:
        return self.face.ms_get(self, None)

    def get_selected(self, flt: etree._Element | None) -> etree._Element:
        """``get``, rendering only what ``flt`` can select (lab/faces.py)."""
        return self.face.ms_get(self, flt)

    def get_exact(self, flt: etree._Element | None) -> Iterator[bytes] | None:
        """The serialized <data> ``flt`` selects, or None to leave the filter
        to the framework (lab/faces.py)."""
        return self.face.ms_exact(self, flt)

    def counts(self) -> MsCounts:
        unit, store = self.unit, self.unit.store
        # The unit only accepts a site's own configured EIDs, so every
        # registered EID is a configured one (no set arithmetic on 50,000 EIDs).
        registered = unit.table.registered_eids()
        configured = store.eid_owner.keys()
        return MsCounts(
            configured_sites=len(store.sites),
            registered_sites=len({r.site for r in unit.table.all_records()}),
            configured_eids=af_counts(configured),
            registered_eids=af_counts(registered),
            expected_eids=len({e for s in store.sites.values() for e in s.eids}),
            registered_total=len(registered),
        )

    def unit_info(self) -> MsUnitInfo:
        unit = self.unit
        return MsUnitInfo(
            unit_name=unit.name,
            ha_role=unit.role,
            service_address=Rloc.of(self.shard.service_address).address,
            boot_time=unit.boot_time,
            reboot_count=unit.reboot_count,
            switchover_time=unit.switchover_time,
        )

    def get_config(self) -> etree._Element:
        return self.face.ms_config(self)

    def edit_config(self, config: etree._Element, default_operation: str) -> None:
        """Write the stored sites (lab/ms_config_edit.py); both units share the
        store, so both see the change, and the active one drops registrations
        its sites no longer own."""
        if not self.face.augment:
            raise RpcError("operation-not-supported", "this Map-Server's config is read-only")
        store = self.unit.store
        try:
            edits = parse_site_edits(config, default_operation)
            plan = plan_site_edits(store, edits)
        except ConfigError as exc:
            info = [] if exc.element is None else [info_element("bad-element", exc.element)]
            raise RpcError(exc.tag, exc.message, info=info) from None
        except EditError as exc:
            raise RpcError(exc.tag, exc.message) from None
        dropped = apply_plan(store, plan)
        for unit in self.shard.units:
            unit.withdraw(dropped)
        try:
            store.flush(force=True)
        except OSError as exc:
            raise RpcError(
                "operation-failed", f"applied, but the MS store was not saved: {exc}"
            ) from None

    async def rpc(self, request: etree._Element) -> etree._Element | None:
        if request.tag != SEND_REREGISTRATION or not self.face.augment:
            raise UnknownRpc(request.tag)
        order = parse_send_reregistration_rpc(request)
        if self.unit.role != "active" or self.unit.notifier is None:
            raise RpcError(
                "operation-failed",
                f"{self.unit.name} is the {self.unit.role} unit; ask the active one",
            )
        try:
            targets = self.unit.reregistration_targets(list(order.sites))
        except KeyError as exc:
            raise RpcError("invalid-value", str(exc.args[0])) from exc
        progress: list[NotifyResult] = []
        job = asyncio.ensure_future(self.unit.send_reregistration(list(order.sites), progress))
        if not order.wait_for_acks:
            self.shard._spawn(job)
            return render_send_reregistration_reply(
                ReregistrationResult(notifications_sent=len(targets), acked=0, sites=())
            )
        try:
            results = await asyncio.wait_for(asyncio.shield(job), timeout=order.timeout)
        except TimeoutError:
            # Each ETR's own outcome so far: those that acked say so, the others
            # are still being retransmitted to after this reply.
            self.shard._spawn(job)
            results = still_waiting(targets, progress, order.timeout)
        return render_send_reregistration_reply(reregistration_result(results))

    def publish_boot(self, reason: str) -> None:
        details = {"boot-time": format_time(self.unit.boot_time), "reason": reason}
        self._publish("ms-boot", details)

    def publish_switchover(self, *, new_active: str, previous_active: str) -> None:
        self._publish(
            "ha-switchover", {"new-active": new_active, "previous-active": previous_active}
        )

    def publish_deficit(self, *, expected: int, registered: int) -> None:
        self._publish(
            "registration-deficit", {"expected": str(expected), "registered": str(registered)}
        )

    def _publish(self, kind: str, details: dict[str, str]) -> None:
        if not self.face.augment:
            return  # a standard server has none of the augment's notifications
        event = MsEvent(kind=kind, unit=self.unit.name, time=datetime.now(UTC), details=details)
        self.notifications.publish(render_event(event), when=event.time)


class EtrBackend:
    def __init__(self, etr: VirtualEtr, face: Face) -> None:
        self.etr = etr
        self.face = face
        self.started = datetime.now(UTC)
        self.notifications = NotificationHub()

    def capabilities(self) -> Iterable[str]:
        return self.face.capabilities()

    def snapshot(self) -> EtrSnapshot:
        config = self.etr.config
        return EtrSnapshot(
            name=config.name,
            site=config.site,
            map_servers=config.map_servers,
            local_eids=self.etr.records,
            registration_interval=int(config.register_interval),
            last_register_time=self.etr.last_register_time,
            counters=dict(self.etr.counters),
            key_id=config.key_id,
            algorithm=_algorithm_name(config.algorithm),
        )

    def get(self) -> etree._Element:
        return self.face.etr_get(self)

    def get_config(self) -> etree._Element:
        return self.face.etr_get(self)

    def edit_config(self, config: etree._Element, default_operation: str) -> None:
        raise RpcError("operation-not-supported", "this virtual ETR's config is read-only")

    async def rpc(self, request: etree._Element) -> etree._Element | None:
        # The re-registration RPC is the patent's ETR's; a standard ETR has none.
        acts = self.etr.config.acts_on_notify and self.face.augment
        if not acts or not is_reregister_now_rpc(request):
            raise UnknownRpc(request.tag)
        try:
            map_server = reregister_now_map_server(request)
        except ValueError:
            raise RpcError("invalid-value", "map-server is not an IP address") from None
        try:
            sent = self.etr.register_now(map_server)
        except KeyError:
            raise RpcError(
                "invalid-value", f"{map_server} is not a Map-Server this ETR registers to"
            ) from None
        return render_reregister_now_reply(sent)


def _algorithm_name(value: Algorithm) -> str:
    return next(name for name, alg in ALGORITHM_NAMES.items() if alg == value)


def still_waiting(
    targets: list[NotifyTarget], progress: list[NotifyResult], waited: float
) -> list[NotifyResult]:
    """The results at the RPC's timeout: acked or not, one per target in order."""
    pending = f"no Map-Notify-Ack within {waited:g} s; the Map-Server retransmits on"
    results = []
    for index, target in enumerate(targets):
        if index < len(progress):
            done = progress[index]
            results.append(
                NotifyResult(
                    done.site,
                    done.etr,
                    done.rloc,
                    acked=done.acked,
                    retries=done.retries,
                    error=done.error if done.acked or done.error else pending,
                )
            )
        else:
            results.append(NotifyResult(target.site, target.etr, str(target.rloc), error=pending))
    return results


def reregistration_result(results: list[NotifyResult]) -> ReregistrationResult:
    """The RPC's view of the notifier's per-ETR results, grouped by site."""
    by_site: dict[str, list[EtrResult]] = {}
    for r in results:
        by_site.setdefault(r.site, []).append(
            EtrResult(
                etr=r.etr,
                rloc=Rloc.of(r.rloc).address,
                acked=r.acked,
                retries=r.retries,
                error=r.error,
            )
        )
    return ReregistrationResult(
        notifications_sent=len(results),
        acked=sum(1 for r in results if r.acked),
        sites=tuple(SiteResult(site, tuple(etrs)) for site, etrs in by_site.items()),
    )
