"""The virtual MS renders only what a filter can select, and answers the same."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
from lxml import etree

from ansible_collections.lispnet.ms_recovery.lab.artifacts import ms_store
from ansible_collections.lispnet.ms_recovery.lab.backends import MsBackend
from ansible_collections.lispnet.ms_recovery.lab.map_server import MapServerUnit
from ansible_collections.lispnet.ms_recovery.lab.ms_selection import selection
from ansible_collections.lispnet.ms_recovery.lab.netconf.subtree import apply_subtree_filter
from ansible_collections.lispnet.ms_recovery.lab.topology import LabSpec
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.types import Rloc
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.registration import (
    Registration,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.ietf import (
    filters,
)

NC = "urn:ietf:params:xml:ns:netconf:base:1.0"


def _filter(content: str) -> etree._Element:
    return etree.fromstring(f'<filter xmlns="{NC}" type="subtree">{content}</filter>')


@pytest.fixture
def backend(tmp_path: Path) -> MsBackend:
    spec = LabSpec(sites=6, eids_per_site=3, subnet=200)
    store = ms_store(spec, tmp_path)
    unit = MapServerUnit("ms1-a", store, registration_timeout=180, notify_schedule=(1.0,))
    unit.role = "active"
    now = datetime.now(UTC)
    for site in range(4):  # sites 5 and 6 stay unregistered
        rloc = spec.etr_address(site)
        for eid in spec.site_eids(site):
            unit.table.upsert(
                Registration(
                    eid=eid,
                    site=spec.site_name(site),
                    site_id=site + 1,
                    xtr_id=bytes(16),
                    rlocs=(Rloc(rloc),),
                    ttl=1440,
                    source=rloc,
                    source_port=4342,
                    first_registered=now,
                    last_registered=now,
                    proxy_reply=False,
                    want_map_notify=True,
                    authoritative=True,
                ),
                time.monotonic(),
            )
    unit.counters["map-registers-received"] = 4
    shard = SimpleNamespace(service_address=str(spec.service_address), spec=spec)
    return MsBackend(unit, shard)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "content",
    [
        filters.ms_unit_filter(),
        filters.ms_registrations_filter(),
        filters.ms_stored_sites_filter(),
        filters.ms_full_filter(),
    ],
    ids=["unit", "registrations", "stored", "full"],
)
def test_selected_rendering_answers_like_the_full_one(backend: MsBackend, content: str) -> None:
    flt = _filter(content)
    full = apply_subtree_filter(backend.get(), flt)
    selected = apply_subtree_filter(backend.get_selected(flt), flt)
    assert etree.tostring(selected, method="c14n") == etree.tostring(full, method="c14n")


def test_only_the_status_filter_skips_the_table() -> None:
    assert selection(_filter(filters.ms_unit_filter())).status_only
    for content in (
        filters.ms_registrations_filter(),
        filters.ms_stored_sites_filter(),
        filters.ms_full_filter(),
    ):
        assert not selection(_filter(content)).status_only
    assert not selection(None).status_only
    assert selection(None).stored_sites
    assert not selection(_filter(filters.ms_registrations_filter())).stored_sites


def _structure(element: etree._Element) -> tuple:
    """Names, texts and children in order: what a client can tell apart
    (prefixes and where namespaces are declared do not count)."""
    return (
        element.tag,
        (element.text or "").strip(),
        [_structure(c) for c in element if isinstance(c.tag, str)],
    )


@pytest.mark.parametrize(
    "content",
    [filters.ms_registrations_filter(), filters.ms_registered_filter()],
    ids=["registrations", "registered"],
)
def test_exact_rendering_answers_like_generic_filtering(backend: MsBackend, content: str) -> None:
    flt = _filter(content)
    parts = backend.get_exact(flt)
    assert parts is not None
    exact = etree.fromstring(b"".join(parts))
    generic = apply_subtree_filter(backend.get(), flt)
    assert _structure(exact) == _structure(generic)
    # Not vacuous: both hold the 12 registered and the 6 unregistered EIDs.
    ns = {"ms": "urn:ietf:params:xml:ns:yang:ietf-lisp-mapserver"}
    assert len(exact.findall(".//ms:mapping", ns)) == 18
    assert len(exact.findall(".//ms:mapping-record", ns)) == 12


def test_exact_rendering_is_only_for_the_known_filters(backend: MsBackend) -> None:
    for content in (
        filters.ms_unit_filter(),
        filters.ms_full_filter(),
        filters.ms_stored_sites_filter(),
        # A content match narrows the table: the generic filter must run.
        filters.ms_registrations_filter().replace(
            "<vpns/>", "<vpns><vpn><instance-id>0</instance-id></vpn></vpns>"
        ),
        filters.ms_registered_filter().replace("<xtr-id/>", ""),
    ):
        assert backend.get_exact(_filter(content)) is None, content
    assert backend.get_exact(None) is None


def test_the_table_is_rendered_without_a_prefix_per_element(backend: MsBackend) -> None:
    parts = backend.get_exact(_filter(filters.ms_registrations_filter()))
    assert parts is not None
    text = b"".join(parts)
    assert b"<mapping-record>" in text
    assert b"lisp-ms:mapping" not in text


def test_the_snapshot_hands_out_the_tables_own_values(backend: MsBackend) -> None:
    """The virtual MS's table and store hold the shared model values: a
    snapshot (what every rendering reads) refers to them, it copies nothing."""
    store = backend.unit.store
    snapshot = backend.snapshot()
    table = backend.unit.table.all_records()
    assert len(snapshot.registrations) == len(table) == 12
    assert all(a is b for a, b in zip(snapshot.registrations, table, strict=True))
    assert all(s is store.sites[s.name] for s in snapshot.stored)
    assert all(s is store.sites[s.name] for s in snapshot.sites)
    assert snapshot.stored and all(s.etrs for s in snapshot.stored)


def test_a_keyed_site_never_shows_its_key(backend: MsBackend) -> None:
    store = backend.unit.store
    name = next(iter(store.sites))
    keyed = store.keyed(name)
    assert keyed is not None and keyed.key == store.keys[name]
    assert keyed.key.decode() not in repr(keyed) and str(keyed.key) not in repr(keyed)
