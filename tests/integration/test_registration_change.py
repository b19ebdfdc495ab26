"""lmr:registration-change notifications (RFC 5277) of the active MS unit:
registered as the MS-native recovery refills the table after a reboot, expired
when a stopped ETR's registrations time out."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lxml import etree

from ansible_collections.lispnet.ms_recovery.lab.processes import wait_ms_back
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory import (
    load_inventory,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.types import Eid
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.events import (
    MsEvent,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.ietf.events import (
    parse_notification,
)
from ansible_collections.lispnet.ms_recovery.tests.support.lab import Lab, running_lab


def _collect(
    manager: Any, kind: str, done: Callable[[list[MsEvent]], bool], timeout: float
) -> list[MsEvent]:
    """``kind`` notifications taken from a subscribed session until ``done``
    holds or ``timeout`` passes (bounded)."""
    events: list[MsEvent] = []
    deadline = time.monotonic() + timeout
    while not done(events) and time.monotonic() < deadline:
        note = manager.take_notification(block=True, timeout=0.5)
        if note is None:
            continue
        event = parse_notification(etree.fromstring(note.notification_xml.encode()))
        if event is not None and event.kind == kind:
            events.append(event)
    return events


def _eids(events: list[MsEvent], change: str) -> set[Eid]:
    return {Eid.parse(e.details["eid-id"]) for e in events if e.details["change"] == change}


def test_registered_is_published_as_the_rpc_refills_a_rebooted_ms(lab: Lab) -> None:
    inventory = load_inventory(lab.eids)
    owner = {eid: site.name for site in inventory.sites for eid in site.eids}
    lab.control("reboot", down_for=1)
    wait_ms_back(lab.dir, timeout=20)
    with lab.ms_session() as watcher:
        assert watcher.manager.create_subscription().ok
        # An ETR's own periodic registration may come before the subscription:
        # those EIDs were registered before anyone listened.
        early = set(lab.registered())
        lab.send_reregistration()
        wanted = set(owner) - early
        events = _collect(
            watcher.manager,
            "registration-change",
            lambda got: wanted <= _eids(got, "registered"),
            timeout=20,
        )
    assert wanted and wanted <= _eids(events, "registered")
    for event in events:
        eid = Eid.parse(event.details["eid-id"])
        assert event.unit == "ms1-a"
        assert event.details == {"eid-id": str(eid), "site": owner[eid], "change": "registered"}
    # One notification per EID becoming registered, not per Map-Register.
    assert len(events) == len(_eids(events, "registered"))


def test_expired_is_published_when_an_etr_stops_refreshing(tmp_path: Path) -> None:
    with running_lab(
        tmp_path / "lab", sites=3, register_interval=2.0, notify_schedule=(0.5, 0.5, 1.0)
    ) as lab:
        site = load_inventory(lab.eids).sites[0]
        with lab.ms_session() as watcher:
            assert watcher.manager.create_subscription().ok
            lab.control("stop_etr", process=lab.etr_process_of(0), name=lab.spec.etr_name(0, 0))
            events = _collect(
                watcher.manager,
                "registration-change",
                lambda got: set(site.eids) <= _eids(got, "expired"),
                timeout=30,  # three register intervals, and the 1 s housekeeping
            )
        expired = [e for e in events if e.details["change"] == "expired"]
        assert {Eid.parse(e.details["eid-id"]) for e in expired} == set(site.eids)
        assert all(e.details["site"] == site.name for e in expired)
