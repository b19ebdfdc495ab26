# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The virtual Map-Server's state rendered as NETCONF XML (ietf-lisp-mapserver
+ lispnet-ms-recovery); plugins/module_utils/platforms/ietf/ms_parse.py reads it."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from lxml import etree

from ansible_collections.lispnet.ms_recovery.lab.yang.counters import (
    render_counters,
)
from ansible_collections.lispnet.ms_recovery.lab.yang.tree import (
    add_lisp_instance,
    new_data,
    role_nsmap,
)
from ansible_collections.lispnet.ms_recovery.lab.yang.vpns_render import (
    group_by_eid,
    render_vpns,
    vpns_pieces,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.gc_pause import (
    collector_paused,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.types import (
    Eid,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.ms import (
    MS_COUNTERS,
    MsSite,
    MsSnapshot,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.registration import (
    Registration,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.times import (
    format_time,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.ietf.namespaces import (
    DEFAULT_PROTOCOL_NAME,
    LADDR,
    LISP,
    MS,
    MS_ROLE,
    T,
    q,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.ietf.tree import (
    leaf,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.ietf.values import (
    algorithm_identity,
)

_SE = etree.SubElement
# The summary counts EIDs per address family (ietf-lisp-address-types identity).
_AF_NAMES = {4: "ipv4-afi", 6: "ipv6-afi"}


@dataclass(frozen=True)
class MsCounts:
    """The numbers of the summary and of lmr:ms-recovery."""

    configured_sites: int
    registered_sites: int
    configured_eids: dict[str, int]  # per address family identity, e.g. ipv4-afi
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
    since = None if snapshot.unit is None else snapshot.unit.boot_time
    with collector_paused():
        groups = group_by_eid(snapshot.sites, snapshot.registrations)
        ms.append(render_vpns(groups, since))
    # Counting from the groups avoids hashing every EID again (slow for
    # ipaddress networks) on a 50,000-entry table.
    if counts is None:
        counts = _count(snapshot, groups)
    _render_summary(ms, counts)
    if snapshot.unit is not None:
        _render_standard_counters(ms, snapshot.unit.boot_time, snapshot.counters)
    _render_recovery(ms, snapshot, counts)
    return data


# ietf-lisp-mapserver's counters the lab counts, from its own (model/ms.py
# MS_COUNTERS). The draft's record counts (map-notify-records-out,
# proxy-reply-records-out) are not kept: the lab counts messages.
_STANDARD_COUNTERS = (
    ("map-registers-in", "map-registers-received"),
    ("map-registers-in-auth-failed", "auth-failures"),
    ("map-requests-forwarded-out", "map-requests-forwarded"),
)


def _render_standard_counters(
    ms: etree._Element, since: datetime, counters: dict[str, int]
) -> None:
    elem = _SE(ms, T.ms_counters)
    leaf(elem, T.discontinuity, format_time(since))
    for name, own in _STANDARD_COUNTERS:
        if own in counters:
            leaf(elem, q(MS, name), str(counters[own]))


def serialize_ms_registrations(
    sites: Iterable[MsSite],
    registrations: Iterable[Registration],
    *,
    brief: bool,
    since: datetime | None = None,
    protocol_name: str = DEFAULT_PROTOCOL_NAME,
) -> Iterator[bytes]:
    """The serialized <data> of map-server/vpns alone, in consecutive parts:
    what ``filters.ms_registrations_filter`` (or, ``brief``,
    ``filters.ms_registered_filter``) selects of ``render_ms``; ``since``:
    the unit's boot time (``render_ms``'s per-VPN counters). Text, not a
    tree: a server sends each part as it comes, and a 50,000-entry table is
    not parsed into two million elements only to be written out again."""
    data = new_data()
    _map_server(data, protocol_name).append(etree.Comment(_VPNS_HERE))
    head, tail = etree.tostring(data, encoding="UTF-8").split(f"<!--{_VPNS_HERE}-->".encode())
    yield head
    with collector_paused():
        groups = group_by_eid(sites, registrations)
        for piece in vpns_pieces(groups, since, brief=brief):
            yield piece.encode()
    yield tail


_VPNS_HERE = "vpns"


def _map_server(data: etree._Element, protocol_name: str) -> etree._Element:
    lisp = add_lisp_instance(data, protocol_name, MS_ROLE)
    return _SE(lisp, T.map_server, nsmap=role_nsmap(MS))


def _count(snapshot: MsSnapshot, groups: dict) -> MsCounts:
    registered = [
        eid for mappings in groups.values() for eid, (_unused, r) in mappings.items() if r
    ]
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
        algorithm = _SE(key, T.auth_algorithm_id, nsmap={"lisp": LISP})
        algorithm.text = f"lisp:{algorithm_identity(site.algorithm)}"


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
    datum = _SE(summary, T.af_datum)
    for af in _AF_NAMES.values():
        data = _SE(datum, T.af_data)
        _SE(data, T.address_type, nsmap={"laddr": LADDR}).text = f"laddr:{af}"
        leaf(data, T.n_conf_eids, str(counts.configured_eids.get(af, 0)))
        leaf(data, T.n_reg_eids, str(counts.registered_eids.get(af, 0)))


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
