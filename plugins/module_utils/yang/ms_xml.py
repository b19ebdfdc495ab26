# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Map-Server state <-> NETCONF XML (ietf-lisp-mapserver + lispnet-ms-recovery).

Which parts ``parse_ms`` tolerates being absent (a subtree filter left them
out) and what it returns then:

* ``map-server/sites``          -> ``sites == ()``
* ``map-server/vpns``           -> ``registrations == ()`` and sites without EIDs
* ``lmr:ms-recovery`` unit leaves -> ``unit is None``
* ``lmr:ms-recovery/stored-sites`` -> ``stored == ()``
* ``lmr:ms-recovery/counters``  -> ``counters == {}``
* no map-server at all          -> an empty snapshot with ``unit is None``

Inside a mapping-record every leaf the project renders is required.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from lxml import etree

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.gc_pause import (
    collector_paused,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.types import (
    Eid,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.yang.counters import (
    parse_counters,
    render_counters,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.yang.ms_state import (
    MS_COUNTERS,
    AfCounts,
    ConfiguredSite,
    MsSnapshot,
    MsSummary,
    MsUnitInfo,
    RegistrationFields,
    StoredEtr,
    StoredSite,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.yang.ms_vpns import (
    group_by_eid,
    parse_vpns,
    render_vpns,
    vpns_pieces,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.yang.namespaces import (
    DEFAULT_PROTOCOL_NAME,
    MS,
    T,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.yang.tree import (
    add_lisp_instance,
    find_role,
    int_or_none,
    leaf,
    new_data,
    role_nsmap,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.yang.values import (
    format_time,
    parse_time,
)

_SE = etree.SubElement
_AF_NAMES = {4: "ipv4-prefix", 6: "ipv6-prefix"}
_DEFAULT_ALGORITHM = "hmac-sha-256"


@dataclass(frozen=True)
class MsCounts:
    """The numbers of the summary and of lmr:ms-recovery."""

    configured_sites: int
    registered_sites: int
    configured_eids: dict[str, int]  # per address-type name
    registered_eids: dict[str, int]
    expected_eids: int  # EIDs of the stored sites
    registered_total: int


def render_ms(
    snapshot: MsSnapshot,
    protocol_name: str = DEFAULT_PROTOCOL_NAME,
    counts: MsCounts | None = None,
) -> etree._Element:
    """The <data> a Map-Server answers a full <get> with; ``counts`` when the
    caller keeps them (hashing 50,000 EIDs again to count them costs ~0.5 s)."""
    data = new_data()
    ms = _map_server(data, protocol_name)
    _render_sites(ms, snapshot)
    with collector_paused():
        groups = group_by_eid(snapshot.sites, snapshot.registrations)
        ms.append(render_vpns(groups))
    # Counting from the groups avoids hashing every EID again (slow for
    # ipaddress networks) on a 50,000-entry table.
    if counts is None:
        counts = _count(snapshot, groups)
    _render_summary(ms, counts)
    _render_recovery(ms, snapshot, counts)
    return data


def serialize_ms_registrations(
    sites: Iterable[ConfiguredSite],
    registrations: Iterable[RegistrationFields],
    *,
    brief: bool,
    protocol_name: str = DEFAULT_PROTOCOL_NAME,
) -> Iterator[bytes]:
    """The serialized <data> of map-server/vpns alone, in consecutive parts:
    what ``filters.ms_registrations_filter`` (or, ``brief``,
    ``filters.ms_registered_filter``) selects of ``render_ms``. Text, not a
    tree: a server sends each part as it comes, and a 50,000-entry table is
    not parsed into two million elements only to be written out again."""
    data = new_data()
    _map_server(data, protocol_name).append(etree.Comment(_VPNS_HERE))
    head, tail = etree.tostring(data, encoding="UTF-8").split(f"<!--{_VPNS_HERE}-->".encode())
    yield head
    with collector_paused():
        groups = group_by_eid(sites, registrations)
        for piece in vpns_pieces(groups, brief=brief):
            yield piece.encode()
    yield tail


_VPNS_HERE = "vpns"


def _map_server(data: etree._Element, protocol_name: str) -> etree._Element:
    return _SE(add_lisp_instance(data, protocol_name), T.map_server, nsmap=role_nsmap(MS))


def _count(snapshot: MsSnapshot, groups: dict) -> MsCounts:
    registered = [eid for mappings in groups.values() for eid, (_, r) in mappings.items() if r]
    return MsCounts(
        configured_sites=len(snapshot.sites),
        registered_sites=len({r.site for r in snapshot.registrations}),
        configured_eids=af_counts({e for s in snapshot.sites for e in s.eids}),
        registered_eids=af_counts(registered),
        expected_eids=len({e for s in snapshot.stored for e in s.eids}),
        registered_total=len(registered),
    )


def render_ms_status(
    snapshot: MsSnapshot, counts: MsCounts, protocol_name: str = DEFAULT_PROTOCOL_NAME
) -> etree._Element:
    """Only the summary and lmr:ms-recovery without stored-sites: everything
    ``filters.ms_unit_filter`` selects, from counts the server keeps, so that
    polling a 50,000-entry Map-Server does not render its whole table."""
    data = new_data()
    ms = _map_server(data, protocol_name)
    _render_summary(ms, counts)
    _render_recovery(ms, snapshot, counts, with_stored=False)
    return data


def _render_sites(ms: etree._Element, snapshot: MsSnapshot) -> None:
    sites = _SE(ms, T.sites)
    for site in snapshot.sites:
        elem = _SE(sites, T.site)
        leaf(elem, T.site_id, str(site.site_id))
        leaf(elem, T.site_name, site.name)
        key = _SE(_SE(elem, T.auth_keys), T.auth_key)
        leaf(key, T.auth_key_id, str(site.key_id))
        leaf(key, T.auth_algorithm_id, site.algorithm)


def af_counts(eids: Iterable[Eid]) -> dict[str, int]:
    """Counts per address family; ``eids`` must hold no duplicates."""
    counts = dict.fromkeys(_AF_NAMES.values(), 0)
    for eid in eids:
        counts[_AF_NAMES[eid.prefix.version]] += 1
    return counts


def _render_summary(ms: etree._Element, counts: MsCounts) -> None:
    summary = _SE(ms, T.summary)
    leaf(summary, T.n_conf_sites, str(counts.configured_sites))
    leaf(summary, T.n_reg_sites, str(counts.registered_sites))
    for af in _AF_NAMES.values():
        datum = _SE(summary, T.af_datum)
        leaf(datum, T.address_type, af)
        leaf(datum, T.n_conf_eids, str(counts.configured_eids.get(af, 0)))
        leaf(datum, T.n_reg_eids, str(counts.registered_eids.get(af, 0)))


def _render_recovery(
    ms: etree._Element, snapshot: MsSnapshot, counts: MsCounts, *, with_stored: bool = True
) -> None:
    rec = _SE(ms, T.ms_recovery)
    unit = snapshot.unit
    if unit is not None:
        if unit.ha_role not in ("active", "standby"):
            raise ValueError(f"ha-role must be active or standby, not {unit.ha_role!r}")
        leaf(rec, T.unit_name, unit.unit_name)
        leaf(rec, T.ha_role, unit.ha_role)
        leaf(rec, T.service_address, str(unit.service_address))
        leaf(rec, T.boot_time, format_time(unit.boot_time))
        leaf(rec, T.reboot_count, str(unit.reboot_count))
    leaf(rec, T.expected_eids, str(counts.expected_eids))
    leaf(rec, T.registered_eids, str(counts.registered_total))
    if not with_stored:
        render_counters(rec, snapshot.counters, MS_COUNTERS)
        return
    stored = _SE(rec, T.stored_sites)
    for site in snapshot.stored:
        elem = _SE(stored, T.s_site)
        leaf(elem, T.s_name, site.name)
        leaf(elem, T.s_site_id, str(site.site_id))
        leaf(elem, T.s_key_id, str(site.key_id))
        leaf(elem, T.s_algorithm, site.algorithm)
        etrs = _SE(elem, T.s_etrs)
        for etr in site.etrs:
            etr_elem = _SE(etrs, T.s_etr)
            leaf(etr_elem, T.s_name, etr.name)
            leaf(etr_elem, T.s_rloc, str(etr.rloc))
            if etr.last_notify_result is not None:
                leaf(etr_elem, T.s_notify_result, etr.last_notify_result)
        eids = _SE(elem, T.s_eids)
        for eid in site.eids:
            eid_elem = _SE(eids, T.s_eid)
            leaf(eid_elem, T.s_eid_id, str(eid))
            leaf(eid_elem, T.s_instance_id, str(eid.instance_id))
            leaf(eid_elem, T.s_prefix, str(eid.prefix))
    render_counters(rec, snapshot.counters, MS_COUNTERS)


def parse_ms(data: etree._Element) -> MsSnapshot:
    """Read what ``render_ms`` wrote, or any subtree-filtered part of it."""
    ms = find_role(data, T.map_server)
    if ms is None:
        return MsSnapshot(unit=None)
    registrations, eids_by_site = parse_vpns(ms) if ms.find(T.vpns) is not None else ((), {})
    sites = _parse_sites(ms.find(T.sites), eids_by_site)
    rec = ms.find(T.ms_recovery)
    if rec is None:
        return MsSnapshot(None, sites, registrations)
    return MsSnapshot(
        unit=_parse_unit(rec),
        sites=sites,
        registrations=registrations,
        stored=_parse_stored(rec.find(T.stored_sites)),
        counters=parse_counters(rec),
    )


def _parse_sites(
    sites: etree._Element | None, eids_by_site: dict[int, list[Eid]]
) -> tuple[ConfiguredSite, ...]:
    if sites is None:
        return ()
    result = []
    for site in sites.iterfind(T.site):
        site_id = int(site.findtext(T.site_id) or 0)
        key = site.find(f"{T.auth_keys}/{T.auth_key}")
        key_id = 0 if key is None else int(key.findtext(T.auth_key_id) or 0)
        algorithm = _DEFAULT_ALGORITHM if key is None else key.findtext(T.auth_algorithm_id)
        result.append(
            ConfiguredSite(
                name=site.findtext(T.site_name) or str(site_id),
                site_id=site_id,
                key_id=key_id,
                algorithm=algorithm or _DEFAULT_ALGORITHM,
                eids=tuple(eids_by_site.get(site_id, ())),
            )
        )
    return tuple(result)


def _parse_unit(rec: etree._Element) -> MsUnitInfo | None:
    name = rec.findtext(T.unit_name)
    if name is None:
        return None
    boot = rec.findtext(T.boot_time)
    address = rec.findtext(T.service_address)
    if boot is None or address is None:
        raise ValueError("ms-recovery has unit-name but lacks boot-time or service-address")
    return MsUnitInfo(
        unit_name=name,
        ha_role=rec.findtext(T.ha_role) or "",
        service_address=ipaddress.ip_address(address),
        boot_time=parse_time(boot),
        reboot_count=int(rec.findtext(T.reboot_count) or 0),
    )


def _parse_stored(stored: etree._Element | None) -> tuple[StoredSite, ...]:
    if stored is None:
        return ()
    result = []
    for site in stored.iterfind(T.s_site):
        etrs = tuple(
            StoredEtr(
                name=etr.findtext(T.s_name) or "",
                rloc=ipaddress.ip_address(etr.findtext(T.s_rloc) or ""),
                last_notify_result=etr.findtext(T.s_notify_result),
            )
            for etr in site.iterfind(f"{T.s_etrs}/{T.s_etr}")
        )
        eids = tuple(
            Eid(
                int(eid.findtext(T.s_instance_id) or 0),
                ipaddress.ip_network(eid.findtext(T.s_prefix) or ""),
            )
            for eid in site.iterfind(f"{T.s_eids}/{T.s_eid}")
        )
        result.append(
            StoredSite(
                name=site.findtext(T.s_name) or "",
                site_id=int(site.findtext(T.s_site_id) or 0),
                key_id=int(site.findtext(T.s_key_id) or 0),
                algorithm=site.findtext(T.s_algorithm) or _DEFAULT_ALGORITHM,
                etrs=etrs,
                eids=eids,
            )
        )
    return tuple(result)


def parse_ms_summary(data: etree._Element) -> MsSummary | None:
    """The counts ``ms_unit_filter`` selects; None when no map-server came back."""
    ms = find_role(data, T.map_server)
    if ms is None:
        return None
    summary = ms.find(T.summary)
    rec = ms.find(T.ms_recovery)
    per_af: dict[str, AfCounts] = {}
    configured_sites = registered_sites = None
    if summary is not None:
        configured_sites = int_or_none(summary, T.n_conf_sites)
        registered_sites = int_or_none(summary, T.n_reg_sites)
        for datum in summary.iterfind(T.af_datum):
            per_af[datum.findtext(T.address_type) or ""] = AfCounts(
                int(datum.findtext(T.n_conf_eids) or 0), int(datum.findtext(T.n_reg_eids) or 0)
            )
    return MsSummary(
        configured_sites=configured_sites,
        registered_sites=registered_sites,
        per_af=per_af,
        expected_eids=None if rec is None else int_or_none(rec, T.expected_eids),
        registered_eids=None if rec is None else int_or_none(rec, T.registered_eids),
    )
