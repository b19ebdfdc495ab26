"""The lab's standard-server view (no augment, ietf-system) read by the ietf
platform: a reboot's boot time, the table from IETF leaves, and method ms
refused before anything is sent."""

from __future__ import annotations

import copy

import pytest
from lxml import etree

from ansible_collections.lispnet.ms_recovery.lab.yang.ms_render import render_ms
from ansible_collections.lispnet.ms_recovery.lab.yang.standard import (
    standard_capabilities,
    standard_ms_view,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.ms import MsSnapshot
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms import (
    MissingCapability,
    get_platform,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.ietf.namespaces import (
    LMR,
)
from ansible_collections.lispnet.ms_recovery.tests.support.subtree import apply_subtree_filter


class StandardServer:
    """Answers like a standard server: the IETF part of the lab's rendering
    plus ietf-system, filtered as the request asks."""

    def __init__(self, snapshot: MsSnapshot) -> None:
        assert snapshot.unit is not None
        self.boot = snapshot.unit.boot_time
        self.data = standard_ms_view(render_ms(snapshot), snapshot.unit.unit_name, self.boot)
        self.requests: list[str] = []

    def get(self, filter_xml: str) -> etree._Element:
        return apply_subtree_filter(copy.deepcopy(self.data), filter_xml)

    def get_text(self, filter_xml: str) -> bytes:
        return etree.tostring(self.get(filter_xml))

    def rpc(self, request_xml: str) -> etree._Element:
        self.requests.append(request_xml)
        raise AssertionError("a standard server was sent an RPC")

    def server_capabilities(self) -> frozenset[str]:
        return frozenset(standard_capabilities())


def test_standard_view_holds_no_augment(ms_snapshot: MsSnapshot) -> None:
    data = StandardServer(ms_snapshot).data
    assert not data.xpath("//*[namespace-uri() = $ns]", ns=LMR)
    assert all(LMR not in uri for uri in standard_capabilities())


def test_unit_from_ietf_system(ms_snapshot: MsSnapshot) -> None:
    assert ms_snapshot.unit is not None
    server = StandardServer(ms_snapshot)
    unit, summary = get_platform("ietf").read_ms_unit_summary(server)
    assert unit.unit is not None
    assert unit.unit.boot_time == ms_snapshot.unit.boot_time
    assert unit.unit.unit_name == ms_snapshot.unit.unit_name
    assert unit.unit.ha_role == "active" and unit.unit.service_address is None
    assert summary is not None and summary.expected_eids is None


def test_registered_from_ietf_leaves(ms_snapshot: MsSnapshot) -> None:
    briefs = get_platform("ietf").read_registered(StandardServer(ms_snapshot))
    expected = [
        (r.eid, f"site-id {r.site_id}", r.rloc_addresses) for r in ms_snapshot.registrations
    ]
    assert [(b.eid, b.site, b.rloc_addresses) for b in briefs] == expected
    # No source on a standard server: the registrant is the server's own key,
    # so a bridge (sent without xTR-ID) is never taken for its source.
    assert all(b.source is None and b.xtr_id is not None for b in briefs)
    # The mapping's last-registration-time: the newest of its records.
    newest = {}
    for r in ms_snapshot.registrations:
        newest[r.eid] = max(newest.get(r.eid, r.last_registered), r.last_registered)
    assert all(b.last_registered == newest[b.eid] for b in briefs)


def test_ms_method_refused_before_sending(ms_snapshot: MsSnapshot) -> None:
    server = StandardServer(ms_snapshot)
    with pytest.raises(MissingCapability, match="lispnet-ms-recovery"):
        get_platform("ietf").send_reregistration(server, [], True, 5)
    assert server.requests == []


def test_full_read_of_a_standard_server(ms_snapshot: MsSnapshot) -> None:
    """What eid_snapshot reads: sites by site-id without names, registrations
    without the augment's leaves, nothing stored."""
    ms = get_platform("ietf").read_ms(StandardServer(ms_snapshot))
    assert [(s.name, s.site_id) for s in ms.sites] == [("", s.site_id) for s in ms_snapshot.sites]
    assert ms.stored == ()
    assert ms.unit is not None and ms_snapshot.unit is not None
    assert ms.unit.boot_time == ms_snapshot.unit.boot_time
    assert [(r.eid, r.site, r.site_id, r.rloc_addresses, r.source) for r in ms.registrations] == [
        (r.eid, "", r.site_id, r.rloc_addresses, None) for r in ms_snapshot.registrations
    ]
