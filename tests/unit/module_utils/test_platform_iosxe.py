"""The iosxe platform reads what the lab's IOS-XE emulation renders, through
the same subtree filters a device would get; the rendering keeps to the paths
and types of Cisco's published models (the facts in platforms/iosxe/models.py)."""

from __future__ import annotations

import dataclasses
import ipaddress
from datetime import UTC, datetime, timedelta

import pytest
from lxml import etree

from ansible_collections.lispnet.ms_recovery.lab.iosxe.render import (
    data_element,
    render_sites,
    render_table,
    render_unit,
)
from ansible_collections.lispnet.ms_recovery.lab.netconf.subtree import apply_subtree_filter
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.types import Eid, Rloc
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.ms import (
    MsSite,
    MsUnitInfo,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.registered import (
    registered_table,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.registration import (
    Registration,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.netconf_session import (
    NetconfFailure,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms import (
    MissingCapability,
    get_platform,
    platform_for_network_os,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.iosxe import (
    filters,
    models,
    parse,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.iosxe.adapter import (
    get_all,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.iosxe.features import (
    iosxe_capabilities,
)

NC = "urn:ietf:params:xml:ns:netconf:base:1.0"
T0 = datetime(2026, 12, 4, 1, 0, tzinfo=UTC)
V4 = Eid(0, ipaddress.ip_network("10.0.1.0/24"))
V6 = Eid(0, ipaddress.ip_network("2001:db8:0:1::/64"))
IID5 = Eid(5, ipaddress.ip_network("10.5.0.0/16"))
UNREGISTERED = Eid(0, ipaddress.ip_network("10.0.9.0/24"))


def _record(eid: Eid, site: str, source: str, *rlocs: Rloc, minute: int = 0) -> Registration:
    return Registration(
        eid=eid,
        site=site,
        site_id=0,
        xtr_id=None,
        rlocs=rlocs,
        ttl=1440,
        source=ipaddress.ip_address(source),
        source_port=4342,
        first_registered=T0 + timedelta(minutes=minute),
        last_registered=T0 + timedelta(minutes=minute + 1),
        proxy_reply=minute % 2 == 0,
        want_map_notify=True,
        authoritative=True,
    )


RECORDS = (
    _record(V4, "site-a", "127.0.1.1", Rloc.of("127.0.1.1", priority=1, weight=50)),
    _record(V4, "site-a", "127.0.1.2", Rloc.of("127.0.1.2", priority=2, weight=50), minute=3),
    _record(V6, "site-a", "127.0.1.1", Rloc.of("127.0.1.1")),
    _record(IID5, "site-b", "127.0.1.3", Rloc.of("2001:db8::3")),
)
SITES = (
    MsSite("site-a", 7, 0, "", (V4, V6, UNREGISTERED)),
    MsSite("site-b", 0, 0, "", (IID5,)),
)
UNIT = MsUnitInfo("ms1-a", "active", None, T0, 0)
NOW = T0 + timedelta(hours=1)


def _device() -> etree._Element:
    data = data_element()
    render_unit(data, UNIT, NOW)
    render_table(data, RECORDS, SITES)
    render_sites(data, SITES)
    return data


def _filtered(flt: str) -> etree._Element:
    """What the device answers to <get> with ``flt`` (as the lab's server filters)."""
    # ncclient sends a subtree filter as one element: one root per filter.
    assert len(etree.fromstring(f"<f>{flt}</f>")) == 1
    element = etree.fromstring(f'<filter xmlns="{NC}" type="subtree">{flt}</filter>')
    return apply_subtree_filter(_device(), element)


def _all_filtered(flts: tuple[str, ...]) -> etree._Element:
    return get_all(_Session(_device()), flts)


def test_registrations_round_trip_through_the_filter() -> None:
    got = parse.parse_registrations(_filtered(filters.registrations_filter()))
    # IOS-XE keeps one creation-time per EID, not per ETR registration.
    first = {r.eid: min(x.first_registered for x in RECORDS if x.eid == r.eid) for r in RECORDS}
    expected = [r._replace(first_registered=first[r.eid]) for r in RECORDS]
    assert sorted(got, key=lambda r: (str(r.eid), str(r.source))) == sorted(
        expected, key=lambda r: (str(r.eid), str(r.source))
    )


def test_brief_read_gives_each_etr_registration_and_skips_unregistered_prefixes() -> None:
    briefs = parse.parse_registered(_filtered(filters.registered_filter()))

    def brief(r: Registration) -> tuple[object, ...]:
        return (r.eid, r.site, r.registrant, r.rloc_addresses, r.last_registered)

    # One value per etr-registration, its registrant the source address and
    # port; UNREGISTERED is listed with is-registered false, and left out.
    assert sorted(map(brief, briefs), key=str) == sorted(map(brief, RECORDS), key=str)
    table = registered_table(briefs)
    assert set(table) == {V4, V6, IID5}
    assert table[V4] == {ipaddress.ip_address("127.0.1.1"), ipaddress.ip_address("127.0.1.2")}


def test_unit_boot_time_role_and_count() -> None:
    data = _all_filtered(filters.unit_filters())
    unit = parse.parse_unit(data)
    assert unit is not None
    assert (unit.unit_name, unit.ha_role, unit.boot_time) == ("ms1-a", "active", T0)
    assert unit.service_address is None
    summary = parse.parse_summary(data)
    assert summary is not None and summary.registered_eids == 3
    standby = data_element()
    render_unit(standby, MsUnitInfo("ms1-b", "standby", None, T0, 0), T0)
    assert parse.ha_role(standby) == "standby"
    assert parse.parse_unit(data_element()) is None  # no boot-time, no unit


def test_switchover_time_only_after_a_switchover() -> None:
    """ha-infra's last-switchover-time, through the unit filter; a unit that never
    switched over (has-switchover-occured false) has none."""
    assert parse.parse_unit(_all_filtered(filters.unit_filters())).switchover_time is None  # type: ignore[union-attr]
    switched = T0 + timedelta(minutes=9)
    data = data_element()
    render_unit(data, dataclasses.replace(UNIT, switchover_time=switched), NOW)
    element = etree.fromstring(
        f'<filter xmlns="{NC}" type="subtree">{filters.unit_filters()[2]}</filter>'
    )
    reply = apply_subtree_filter(data, element)
    assert parse.switchover_time(reply) == switched
    denied = etree.fromstring(etree.tostring(reply))
    flag = denied.find(f".//{{{models.HA}}}has-switchover-occured")
    assert flag is not None
    flag.text = "false"
    assert parse.switchover_time(denied) is None


def test_sites_from_the_lisp_config_without_keys() -> None:
    flt = filters.sites_filter()
    assert "authentication-key" not in flt
    sites = parse.parse_sites(_filtered(flt))
    assert sites == SITES


def test_bad_replies_are_refused() -> None:
    data = _device()
    afi = data.find(f".//{{{models.OPER}}}ms-registrations/{{{models.OPER}}}afi")
    assert afi is not None
    afi.text = "ipv6-afi"  # the prefix is IPv4
    with pytest.raises(ValueError, match="not of afi"):
        parse.parse_registrations(data)


class _Session:
    def __init__(self, data: etree._Element, caps: frozenset[str] = frozenset()) -> None:
        self.data, self.caps, self.filters = data, caps, []

    def get(self, filter_xml: str) -> etree._Element:
        self.filters.append(filter_xml)
        element = etree.fromstring(f'<filter xmlns="{NC}" type="subtree">{filter_xml}</filter>')
        return apply_subtree_filter(self.data, element)

    def get_text(self, filter_xml: str) -> bytes:
        return etree.tostring(self.get(filter_xml))

    def rpc(self, request_xml: str) -> etree._Element:
        raise AssertionError("IOS-XE gets no RPC from this platform")

    def server_capabilities(self) -> frozenset[str]:
        return self.caps


def test_adapter_reads_a_whole_ms_and_refuses_ms_and_netconf_methods() -> None:
    platform = get_platform("iosxe")
    session = _Session(_device())
    snapshot = platform.read_ms(session)
    assert snapshot.unit is not None and snapshot.unit.unit_name == "ms1-a"
    assert len(snapshot.registrations) == len(RECORDS) and snapshot.sites == SITES
    with pytest.raises(MissingCapability, match="IOS-XE has none"):
        platform.send_reregistration(session, [], True, 5)
    with pytest.raises(MissingCapability):
        platform.etr_reregister_now(session)
    broken = _device()
    for node in broken.iter(f"{{{models.HARDWARE}}}boot-time"):
        node.text = "yesterday"
    with pytest.raises(NetconfFailure, match="IOS-XE"):
        platform.read_ms_unit(_Session(broken))


def test_capabilities_from_the_hello() -> None:
    uris = [models.module_uri(*m) for m in models.MODULES]
    caps = iosxe_capabilities(uris)
    assert caps.reboot and "boot-time" in caps.reboot
    assert caps.switchover and "ha-infra" in caps.switchover
    assert caps.methods == {"register", "lisp", "auto"}
    with pytest.raises(MissingCapability, match="IOS-XE has none"):
        caps.require("ms")
    assert iosxe_capabilities([]).methods == frozenset()
    assert platform_for_network_os("lispnet.ms_recovery.iosxe") == "iosxe"


# -- the rendering keeps to Cisco's published models -------------------------------

_OPER_MS = "lisp-state/lisp-routers/instances/af/ms-registrations"
# Every path the emulation may render, from the models (models.py lists them).
KNOWN_PATHS = {
    "native",
    "native/hostname",
    "native/router",
    "native/router/lisp",
    "native/router/lisp/site",
    "native/router/lisp/site/sname",
    "native/router/lisp/site/site-id",
    "native/router/lisp/site/eid-record",
    "native/router/lisp/site/eid-record/prefixes",
    "native/router/lisp/site/eid-record/prefixes/prefix",
    "native/router/lisp/site/eid-record/instance-id-cfg",
    "native/router/lisp/site/eid-record/instance-id-cfg/id",
    "native/router/lisp/site/eid-record/instance-id-cfg/prefix",
    "device-hardware-data",
    "device-hardware-data/device-hardware",
    "device-hardware-data/device-hardware/device-system-data",
    "device-hardware-data/device-hardware/device-system-data/current-time",
    "device-hardware-data/device-hardware/device-system-data/boot-time",
    "device-hardware-data/device-hardware/device-system-data/last-reboot-reason",
    "ha-oper-data",
    "ha-oper-data/ha-infra",
    "ha-oper-data/ha-infra/ha-state",
    "ha-oper-data/ha-infra/peer-state",
    "ha-oper-data/ha-infra/ha-enabled",
    "ha-oper-data/ha-infra/has-switchover-occured",
    "ha-oper-data/ha-infra/last-switchover-time",
    "lisp-state",
    "lisp-state/lisp-routers",
    "lisp-state/lisp-routers/top-id",
    "lisp-state/lisp-routers/instances",
    "lisp-state/lisp-routers/instances/iid",
    "lisp-state/lisp-routers/instances/af",
    "lisp-state/lisp-routers/instances/af/iaftype",
    "lisp-state/lisp-routers/instances/af/role",
    "lisp-state/lisp-routers/instances/af/role/is-ms",
    "lisp-state/lisp-routers/instances/af/ms-registered-eids",
    _OPER_MS,
    *(
        f"{_OPER_MS}/{leaf}"
        for leaf in (
            "afi",
            "prefix",
            "site-name",
            "is-registered",
            "last-registration-source",
            "last-registration-source/afi",
            "last-registration-source/address",
            "last-registration-source-port",
            "creation-time",
            "last-registration-time",
            "authentication-error",
            "rloc-mismatch-error",
            "etr-registrations",
            "etr-registrations/source-address",
            "etr-registrations/source-port",
            "etr-registrations/last-registration-time",
            "etr-registrations/ttl",
            "etr-registrations/proxy-reply",
            "etr-registrations/wants-map-notify",
            "etr-registrations/ms-registration-rloc",
            "etr-registrations/ms-registration-rloc/afi",
            "etr-registrations/ms-registration-rloc/address",
            "etr-registrations/ms-registration-rloc/params",
            "etr-registrations/ms-registration-rloc/params/priority",
            "etr-registrations/ms-registration-rloc/params/weight",
            "etr-registrations/ms-registration-rloc/state",
            "etr-registrations/ms-registration-rloc/is-local",
        )
    ),
}
NAMESPACE_OF_TOP = {
    "native": models.NATIVE,
    "device-hardware-data": models.HARDWARE,
    "ha-oper-data": models.HA,
    "lisp-state": models.OPER,
}
ENUMS = {
    "afi": {"ipv4-afi", "ipv6-afi", "mac-afi"},
    "iaftype": {"iaf-ipv4", "iaf-ipv6", "iaf-mac", "iaf-ar", "iaf-rar"},
    "ha-state": models.RF_ACTIVE | models.RF_STANDBY | {"db-rf-disabled"},
    "peer-state": models.RF_ACTIVE | models.RF_STANDBY | {"db-rf-disabled"},
    "state": {"lisp-rloc-state-down", "lisp-rloc-state-up"},
}
BOOLEANS = {"is-registered", "proxy-reply", "wants-map-notify", "is-local", "is-ms", "ha-enabled"}
TIMES = {"current-time", "boot-time", "creation-time", "last-registration-time"}
UINTS = {"ttl", "source-port", "priority", "weight", "top-id", "iid", "ms-registered-eids"}


def _paths(node: etree._Element, prefix: str = "") -> list[tuple[str, etree._Element]]:
    found = []
    for child in node:
        path = f"{prefix}{etree.QName(child).localname}"
        found.append((path, child))
        found.extend(_paths(child, path + "/"))
    return found


def test_rendering_keeps_to_ciscos_paths_and_types() -> None:
    data = _device()
    for top in data:
        local = etree.QName(top).localname
        assert etree.QName(top).namespace == NAMESPACE_OF_TOP[local]
    lisp = data.find(f"{{{models.NATIVE}}}native/{{{models.NATIVE}}}router/{{{models.LISP}}}lisp")
    assert lisp is not None  # Cisco-IOS-XE-lisp augments /native/router
    for path, node in _paths(data):
        assert path in KNOWN_PATHS, path
        name = etree.QName(node).localname
        if name in ENUMS:
            assert node.text in ENUMS[name], (path, node.text)
        if name in BOOLEANS:
            assert node.text in ("true", "false"), path
        if name in TIMES:
            assert datetime.fromisoformat(node.text or "").tzinfo is not None, path
        if name in UINTS:
            assert (node.text or "").isdigit(), path
    # instance-id-cfg ids start at 1; instance-id 0 EIDs are prefixes.
    for cfg in data.iter(f"{{{models.LISP}}}instance-id-cfg"):
        assert int(cfg.findtext(f"{{{models.LISP}}}id") or 0) >= models.MIN_INSTANCE_ID_CFG
