"""The IETF platform reads what the project's routers render (same yang/ code)
and reports unreadable replies as NetconfFailure."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime

import pytest
from lxml import etree

from ansible_collections.lispnet.ms_recovery.lab.yang.capabilities import capabilities
from ansible_collections.lispnet.ms_recovery.lab.yang.ms_render import (
    render_ms,
)
from ansible_collections.lispnet.ms_recovery.lab.yang.rpcs import (
    parse_send_reregistration_rpc,
    render_reregister_now_reply,
    render_send_reregistration_reply,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.types import Eid, Rloc
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.ms import (
    MsSite,
    MsSnapshot,
    MsUnitInfo,
    StoredEtr,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.registration import (
    Registration,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.reregistration import (
    EtrResult,
    ReregistrationRequest,
    ReregistrationResult,
    SiteResult,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.netconf_session import (
    NetconfFailure,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms import (
    PLATFORMS,
    get_platform,
    platform_for_network_os,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.base import (
    MissingCapability,
    Platform,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.ietf import (
    filters,
)

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
EID = Eid.parse("[0]10.1.0.0/24")
RLOC = ipaddress.ip_address("192.0.2.1")


def snapshot() -> MsSnapshot:
    return MsSnapshot(
        unit=MsUnitInfo("ms1-a", "active", ipaddress.ip_address("192.0.2.100"), T0, 3),
        sites=(MsSite("site-a", 1, 0, "hmac-sha-256", (EID,)),),
        registrations=(
            Registration(
                eid=EID,
                site="site-a",
                rlocs=(Rloc(RLOC),),
                last_registered=T0,
                source=RLOC,
                source_port=4342,
                site_id=1,
                ttl=1440,
                first_registered=T0,
                proxy_reply=False,
                want_map_notify=True,
                authoritative=True,
            ),
        ),
        stored=(MsSite("site-a", 1, 0, "hmac-sha-256", (EID,), (StoredEtr("e1", RLOC),)),),
        counters={"map-registers-received": 7},
    )


class FakeSession:
    """Answers every <get> with the full rendered state, as a lenient device
    would; records what was asked."""

    def __init__(
        self,
        data: etree._Element,
        reply: etree._Element | None = None,
        announced: tuple[str, ...] = tuple(capabilities()),
    ) -> None:
        self.data = data
        self.reply = reply
        self.announced = frozenset(announced)
        self.filters: list[str] = []
        self.requests: list[str] = []

    def get(self, filter_xml: str) -> etree._Element:
        self.filters.append(filter_xml)
        return self.data

    def get_text(self, filter_xml: str) -> bytes:
        return etree.tostring(self.get(filter_xml))

    def rpc(self, request_xml: str) -> etree._Element:
        self.requests.append(request_xml)
        assert self.reply is not None
        return self.reply

    def server_capabilities(self) -> frozenset[str]:
        return self.announced


def test_registry() -> None:
    assert "ietf" in PLATFORMS
    platform: Platform = get_platform()
    assert platform.name == "ietf"
    with pytest.raises(ValueError, match="unknown platform 'junos'; known: ietf"):
        get_platform("junos")


def test_reads_unit_summary_and_registrations() -> None:
    session = FakeSession(render_ms(snapshot()))
    platform = get_platform("ietf")
    unit_snapshot, summary = platform.read_ms_unit_summary(session)
    assert unit_snapshot.unit == snapshot().unit
    assert unit_snapshot.counters["map-registers-received"] == 7
    assert summary is not None
    assert (summary.expected_eids, summary.registered_eids) == (1, 1)
    assert session.filters == [filters.ms_unit_filter()]  # one cheap read for both
    assert platform.read_ms_unit(session).unit == snapshot().unit
    assert platform.read_registrations(session) == snapshot().registrations
    assert session.filters[-1] == filters.ms_registrations_filter()
    briefs = platform.read_registered(session)
    assert session.filters[-1] == filters.ms_registered_filter()
    assert [(b.eid, b.site, b.rloc_addresses) for b in briefs] == [
        (r.eid, r.site, r.rloc_addresses) for r in snapshot().registrations
    ]
    full = platform.read_ms(session)
    assert full.stored == snapshot().stored
    assert session.filters[-1] == filters.ms_full_filter()


def test_send_reregistration_round_trip() -> None:
    result = ReregistrationResult(1, 1, (SiteResult("site-a", (EtrResult("e1", RLOC, True),)),))
    session = FakeSession(render_ms(snapshot()), render_send_reregistration_reply(result))
    got = get_platform().send_reregistration(session, ["site-a"], True, 5)
    assert got == result
    request = parse_send_reregistration_rpc(etree.fromstring(session.requests[0]))
    assert request == ReregistrationRequest(("site-a",), True, 5)


def test_ms_method_refused_without_the_augment() -> None:
    """A standard server (no lispnet-ms-recovery in its hello) is never sent
    send-reregistration; the error names what it lacks."""
    standard = tuple(uri for uri in capabilities() if "lispnet-ms-recovery" not in uri)
    result = ReregistrationResult(0, 0, ())
    session = FakeSession(render_ms(snapshot()), render_send_reregistration_reply(result), standard)
    platform = get_platform()
    assert "ms" not in platform.capabilities(session).methods
    with pytest.raises(MissingCapability, match="lispnet-ms-recovery module's send-reregistration"):
        platform.send_reregistration(session, [], False, 5)
    assert session.requests == []
    assert "ms" in platform.capabilities(FakeSession(render_ms(snapshot()))).methods


def test_network_os_maps_to_a_platform() -> None:
    assert platform_for_network_os("lispnet.ms_recovery.ietf") == "ietf"
    with pytest.raises(ValueError, match=r"'vendor\.x\.y' names no platform"):
        platform_for_network_os("vendor.x.y")


def test_rpc_error_is_a_netconf_failure() -> None:
    error = etree.fromstring(
        '<rpc-reply xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><rpc-error>'
        "<error-tag>operation-failed</error-tag><error-message>ms1-b is not the active unit"
        "</error-message></rpc-error></rpc-reply>"
    )
    session = FakeSession(render_ms(snapshot()), error)
    with pytest.raises(NetconfFailure, match=r"send-reregistration: .*not the active unit"):
        get_platform().send_reregistration(session, [], False, 5)
    with pytest.raises(NetconfFailure, match="reregister-now"):
        get_platform().etr_reregister_now(session)


def test_etr_reregister_now() -> None:
    session = FakeSession(render_ms(snapshot()), render_reregister_now_reply(2))
    assert get_platform().etr_reregister_now(session) == 2
    assert "map-server" not in session.requests[0]
    assert get_platform().etr_reregister_now(session, ipaddress.ip_address("192.0.2.7")) == 2
    assert "<map-server>192.0.2.7</map-server>" in session.requests[1]


def test_not_an_etr() -> None:
    assert get_platform().read_etr(FakeSession(render_ms(snapshot()))) is None
