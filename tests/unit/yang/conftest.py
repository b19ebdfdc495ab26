"""Shared fixtures of the YANG data-path tests."""

from __future__ import annotations

import ipaddress
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

# tests.support is imported by path from the repository root.
ROOT = Path(__file__).resolve().parents[3]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.types import (
    Eid,
    Mapping,
    Rloc,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.ms import (
    EtrSnapshot,
    MsSite,
    MsSnapshot,
    MsUnitInfo,
    StoredEtr,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.registration import (
    Registration,
)

T0 = datetime(2025, 3, 1, 12, 0, 0, 250000, tzinfo=UTC)
T1 = datetime(2025, 3, 1, 12, 1, 0, tzinfo=UTC)
ip = ipaddress.ip_address


@pytest.fixture
def ms_snapshot() -> MsSnapshot:
    """IPv4 + IPv6, two instances, several RLOCs, xTR-ID and none, proxy-reply,
    a dynamic more-specific, stored sites and counters."""
    a4 = Eid.parse("[0]10.1.0.0/16")
    a6 = Eid.parse("[0]2001:db8:a::/48")
    b4 = Eid.parse("[4097]10.1.0.0/16")
    b_more = Eid.parse("[4097]10.1.128.0/24")
    sites = (
        MsSite("site-a", 1, 1, "hmac-sha-256", (a4, a6)),
        MsSite("site-b", 2, 3, "hmac-sha-1", (b4,)),
    )
    regs = (
        Registration(
            eid=a4,
            site="site-a",
            site_id=1,
            xtr_id=bytes.fromhex("0a" * 16),
            rlocs=(
                Rloc.of("192.0.2.1", local=True),
                Rloc.of("2001:db8:ff::1", priority=2, weight=50),
            ),
            ttl=1440,
            source=ip("192.0.2.1"),
            source_port=4342,
            first_registered=T0,
            last_registered=T1,
            proxy_reply=True,
            want_map_notify=True,
            authoritative=True,
        ),
        Registration(
            eid=a4,
            site="site-a",
            site_id=1,
            xtr_id=bytes.fromhex("0b" * 16),
            rlocs=(Rloc.of("192.0.2.2", m_priority=1, m_weight=7),),
            ttl=1440,
            source=ip("192.0.2.2"),
            source_port=61000,
            first_registered=T0,
            last_registered=T1,
            proxy_reply=False,
            want_map_notify=True,
            authoritative=True,
        ),
        Registration(
            eid=a6,
            site="site-a",
            site_id=1,
            xtr_id=None,
            rlocs=(Rloc.of("2001:db8:ff::1"),),
            ttl=10,
            source=ip("2001:db8:ff::1"),
            source_port=4342,
            first_registered=T1,
            last_registered=T1,
            proxy_reply=False,
            want_map_notify=False,
            authoritative=False,
        ),
        Registration(
            eid=b4,
            site="site-b",
            site_id=2,
            xtr_id=bytes(16),
            rlocs=(Rloc.of("198.51.100.9"),),
            ttl=60,
            source=ip("198.51.100.9"),
            source_port=4342,
            first_registered=T0,
            last_registered=T0,
            proxy_reply=True,
            want_map_notify=False,
            authoritative=True,
        ),
        Registration(
            eid=b_more,
            site="site-b",
            site_id=2,
            xtr_id=bytes(16),
            rlocs=(Rloc.of("198.51.100.9"),),
            ttl=60,
            source=ip("198.51.100.9"),
            source_port=4342,
            first_registered=T0,
            last_registered=T0,
            proxy_reply=True,
            want_map_notify=False,
            authoritative=True,
        ),
    )
    stored = (
        MsSite(
            "site-a",
            1,
            1,
            "hmac-sha-256",
            (a4, a6),
            (StoredEtr("etr-a1", ip("192.0.2.1"), "acked"), StoredEtr("etr-a2", ip("192.0.2.2"))),
        ),
        MsSite("site-b", 2, 3, "hmac-sha-1", (b4,), (StoredEtr("etr-b1", ip("198.51.100.9")),)),
    )
    unit = MsUnitInfo("ms-1", "active", ip("192.0.2.100"), T0, 2)
    counters = {"map-registers-received": 12, "auth-failures": 1, "registrations-expired": 0}
    return MsSnapshot(unit, sites, regs, stored, counters)


@pytest.fixture
def etr_snapshot() -> EtrSnapshot:
    return EtrSnapshot(
        name="etr-a1",
        site="site-a",
        map_servers=(ip("192.0.2.100"), ip("2001:db8::100")),
        local_eids=(
            Mapping(
                Eid.parse("[0]10.1.0.0/16"),
                (Rloc.of("192.0.2.1"), Rloc.of("2001:db8:ff::1", priority=2)),
            ),
            Mapping(Eid.parse("[7]2001:db8:a::/48"), (Rloc.of("192.0.2.1"),), ttl=60),
        ),
        registration_interval=60,
        last_register_time=T1,
        counters={"map-registers-sent": 40, "reregistrations-triggered": 1},
        key_id=1,
        algorithm="hmac-sha-256",
    )
