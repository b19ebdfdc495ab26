"""The virtual MS's registration table: it holds the shared Registration
values, keeps a registrant's first registration time across refreshes, and
expires by the refresh time it keeps beside each value."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime, timedelta

from ansible_collections.lispnet.ms_recovery.lab.registration_table import RegistrationTable
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.types import Eid, Rloc
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.registration import (
    Registration,
)

EID = Eid.parse("[0]10.1.0.0/16")
ETR = ipaddress.ip_address("127.0.0.1")
T0 = datetime(2026, 12, 4, 6, 0, tzinfo=UTC)


def registration(
    at: datetime, xtr_id: bytes | None = b"\x01" * 16, port: int = 4342
) -> Registration:
    return Registration(
        eid=EID,
        site="s",
        rlocs=(Rloc(ETR),),
        last_registered=at,
        xtr_id=xtr_id,
        source=ETR,
        source_port=port,
        site_id=1,
        ttl=3,
        first_registered=at,
        proxy_reply=False,
        want_map_notify=True,
        authoritative=True,
    )


def test_a_refresh_keeps_the_first_registration_time() -> None:
    table = RegistrationTable()
    assert table.upsert(registration(T0), refreshed_at=0.0)
    later = registration(T0 + timedelta(minutes=1))
    assert not table.upsert(later, refreshed_at=60.0)
    [held] = table.all_records()
    assert (held.first_registered, held.last_registered) == (T0, later.last_registered)


def test_registrants_are_kept_apart_and_expire_by_their_own_refresh() -> None:
    table = RegistrationTable()
    table.upsert(registration(T0), refreshed_at=0.0)
    bridge = registration(T0, xtr_id=None, port=5555)
    assert not table.upsert(bridge, refreshed_at=100.0)
    assert len(table.records(EID)) == 2
    assert table.expire(now=150.0, timeout=120.0) == []  # the ETR's went, the bridge's stays
    assert table.all_records() == [bridge]
    assert table.all_records()[0] is bridge  # the value itself, not a copy
    assert table.expire(now=300.0, timeout=120.0) == [EID]
    assert len(table) == 0
