# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Map-Server state from NETCONF XML (ietf-lisp-mapserver + lispnet-ms-recovery).

The lab renders what this reads (lab/yang/ms_render.py); round-trip tests in
tests/unit/yang hold the two together. Which parts ``parse_ms`` tolerates
being absent (a subtree filter left them out) and what it returns then:

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

try:
    from lxml import etree
except ImportError:  # a module reports it missing first (module_utils/libraries.py)
    pass

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.types import (
    Eid,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.ms import (
    AfCounts,
    MsSite,
    MsSnapshot,
    MsSummary,
    MsUnitInfo,
    StoredEtr,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.times import (
    parse_time,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.ietf.counters import (
    parse_counters,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.ietf.namespaces import (
    T,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.ietf.tree import (
    find_role,
    int_or_none,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.ietf.values import (
    algorithm_name,
    identity_name,
    key_id_number,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.ietf.vpns_parse import (
    parse_vpns,
)

_DEFAULT_ALGORITHM = "hmac-sha-256"


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
) -> tuple[MsSite, ...]:
    if sites is None:
        return ()
    result = []
    for site in sites.iterfind(T.site):
        site_id = int(site.findtext(T.site_id) or 0)
        key = site.find(f"{T.auth_keys}/{T.auth_key}")
        key_id = 0 if key is None else key_id_number(key.findtext(T.auth_key_id))
        algorithm = (
            None
            if key is None
            else algorithm_name(a.text or "" for a in key.iterfind(T.auth_algorithm_id))
        )
        result.append(
            MsSite(
                # A standard server names no site: "" (the snapshot finds the
                # name by site-id in the EID inventory).
                name=site.findtext(T.site_name) or "",
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


def _parse_stored(stored: etree._Element | None) -> tuple[MsSite, ...]:
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
            MsSite(
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
        for datum in summary.iterfind(f"{T.af_datum}/{T.af_data}"):
            per_af[identity_name(datum.findtext(T.address_type))] = AfCounts(
                int(datum.findtext(T.n_conf_eids) or 0), int(datum.findtext(T.n_reg_eids) or 0)
            )
    return MsSummary(
        configured_sites=configured_sites,
        registered_sites=registered_sites,
        per_af=per_af,
        expected_eids=None if rec is None else int_or_none(rec, T.expected_eids),
        registered_eids=None if rec is None else int_or_none(rec, T.registered_eids),
    )
