"""edit-config of the virtual MS's stored sites: plan, validation, apply, and
what the registration processing makes of the result at once."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest
from lxml import etree

from ansible_collections.lispnet.ms_recovery.lab.map_server import MapServerUnit
from ansible_collections.lispnet.ms_recovery.lab.ms_config_edit import (
    EditError,
    apply_plan,
    plan_site_edits,
)
from ansible_collections.lispnet.ms_recovery.lab.ms_store import KeyedSite, MsStore
from ansible_collections.lispnet.ms_recovery.lab.yang.ms_config import (
    SiteEdit,
    parse_site_edits,
    stored_sites_config,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.auth import Algorithm
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.codec import (
    encode_map_register,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.types import (
    Eid,
    Mapping,
    Rloc,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.ms import MsSite, StoredEtr

E = Eid.parse
ip = ipaddress.ip_address
NEW_SITE = (
    "<site><name>new</name><site-id>9</site-id><auth-key-id>1</auth-key-id>"
    "<auth-algorithm>hmac-sha-256</auth-algorithm><auth-key-value>new-key</auth-key-value>"
    "<etrs><etr><name>new-etr</name><rloc>127.9.0.1</rloc></etr></etrs>"
    "<eids><eid><eid-id>[0]10.99.0.0/24</eid-id></eid></eids></site>"
)


def _site(name: str, site_id: int, *eids: str) -> KeyedSite:
    site = MsSite(
        name=name,
        site_id=site_id,
        key_id=0,
        algorithm="hmac-sha-256",
        eids=tuple(E(e) for e in eids),
        etrs=(StoredEtr(f"{name}-etr1", ip(f"127.0.0.{site_id}"), "acked"),),
    )
    return KeyedSite(site, f"{name}-key".encode())


@pytest.fixture
def store(tmp_path: Path) -> MsStore:
    store = MsStore(tmp_path / "ms-store.json")
    store.set_sites(
        [_site("a", 1, "[0]10.1.0.0/16", "[0]2001:db8:1::/48"), _site("b", 2, "[0]10.2.0.0/16")]
    )
    store.flush(force=True)
    return store


def _edits(sites_xml: str, default: str = "merge") -> list[SiteEdit]:
    return parse_site_edits(etree.fromstring(stored_sites_config(sites_xml)), default)


def _apply(store: MsStore, sites_xml: str, default: str = "merge") -> dict[Eid, str]:
    return apply_plan(store, plan_site_edits(store, _edits(sites_xml, default)))


def _refused(store: MsStore, sites_xml: str, tag: str, default: str = "merge") -> str:
    before = _state(store)
    with pytest.raises(EditError) as info:
        _apply(store, sites_xml, default)
    assert info.value.tag == tag
    assert _state(store) == before  # nothing changed
    return info.value.message


def _state(store: MsStore) -> object:
    return (
        {n: (s, store.keys[n], [(e.name, e.rloc) for e in s.etrs]) for n, s in store.sites.items()},
        dict(store.eid_owner),
    )


def test_a_new_site_is_added_with_its_eids_owned(store: MsStore) -> None:
    assert _apply(store, NEW_SITE) == {}
    site = store.sites["new"]
    assert (site.site_id, site.key_id, store.keys["new"], site.eids) == (
        9,
        1,
        b"new-key",
        (E("[0]10.99.0.0/24"),),
    )
    assert [(e.name, e.rloc) for e in site.etrs] == [("new-etr", ip("127.9.0.1"))]
    assert store.eid_owner[E("[0]10.99.0.0/24")] == "new"


def test_merge_adds_an_eid_changes_an_rloc_and_keeps_the_rest(store: MsStore) -> None:
    _apply(
        store,
        "<site><name>a</name><etrs><etr><name>a-etr1</name><rloc>127.0.5.5</rloc></etr></etrs>"
        "<eids><eid><eid-id>[3]10.1.0.0/16</eid-id></eid></eids></site>",
    )
    site = store.sites["a"]
    assert site.eids == (E("[0]10.1.0.0/16"), E("[0]2001:db8:1::/48"), E("[3]10.1.0.0/16"))
    assert [(e.name, e.rloc, e.last_notify_result) for e in site.etrs] == [
        ("a-etr1", ip("127.0.5.5"), None)
    ]
    assert (site.site_id, store.keys["a"]) == (1, b"a-key")
    assert store.eid_owner[E("[3]10.1.0.0/16")] == "a"


def test_nested_delete_drops_an_eid_and_reports_it_dropped(store: MsStore) -> None:
    dropped = _apply(
        store,
        '<site><name>a</name><eids><eid nc:operation="delete"><eid-id>[0]10.1.0.0/16</eid-id>'
        '</eid></eids><etrs><etr nc:operation="remove"><name>a-etr1</name></etr></etrs></site>',
    )
    assert dropped == {E("[0]10.1.0.0/16"): "a"}
    assert store.sites["a"].eids == (E("[0]2001:db8:1::/48"),)
    assert store.sites["a"].etrs == ()
    assert E("[0]10.1.0.0/16") not in store.eid_owner


def test_replace_rebuilds_the_whole_site(store: MsStore) -> None:
    dropped = _apply(
        store,
        '<site nc:operation="replace"><name>a</name><site-id>11</site-id><auth-key-id>2'
        "</auth-key-id><auth-algorithm>hmac-sha-1</auth-algorithm><auth-key-value>k2"
        "</auth-key-value><eids><eid><eid-id>[0]10.3.0.0/16</eid-id></eid></eids></site>",
    )
    site = store.sites["a"]
    key = store.keys["a"]
    assert (site.site_id, site.key_id, site.algorithm, key) == (11, 2, "hmac-sha-1", b"k2")
    assert site.eids == (E("[0]10.3.0.0/16"),) and site.etrs == ()
    assert dropped == {E("[0]10.1.0.0/16"): "a", E("[0]2001:db8:1::/48"): "a"}
    assert store.eid_owner == {E("[0]10.3.0.0/16"): "a", E("[0]10.2.0.0/16"): "b"}


def test_default_operation_replace_applies_to_each_site(store: MsStore) -> None:
    _apply(store, NEW_SITE.replace("<name>new</name>", "<name>b</name>"), "replace")
    assert store.sites["b"].eids == (E("[0]10.99.0.0/24"),)
    assert set(store.sites) == {"a", "b"}


def test_delete_and_remove(store: MsStore) -> None:
    dropped = _apply(store, '<site nc:operation="delete"><name>b</name></site>')
    assert dropped == {E("[0]10.2.0.0/16"): "b"}
    assert "b" not in store.sites and E("[0]10.2.0.0/16") not in store.eid_owner
    assert _apply(store, '<site nc:operation="remove"><name>b</name></site>') == {}
    assert "no-such" in _refused(
        store, '<site nc:operation="delete"><name>no-such</name></site>', "data-missing"
    )


def test_create_on_an_existing_site_is_data_exists(store: MsStore) -> None:
    message = _refused(
        store,
        NEW_SITE.replace("<site>", '<site nc:operation="create">').replace("new<", "a<"),
        "data-exists",
    )
    assert "site a" in message


def test_none_needs_the_site_and_writes_only_explicit_operations(store: MsStore) -> None:
    _refused(store, "<site><name>zz</name></site>", "data-missing", "none")
    _apply(
        store,
        "<site><name>a</name><site-id>99</site-id>"
        '<eids><eid nc:operation="create"><eid-id>[0]10.4.0.0/16</eid-id></eid></eids></site>',
        "none",
    )
    assert store.sites["a"].site_id == 1
    assert E("[0]10.4.0.0/16") in store.sites["a"].eids


@pytest.mark.parametrize(
    ("sites_xml", "words"),
    [
        (NEW_SITE.replace("<site-id>9</site-id>", ""), "site-id"),
        (NEW_SITE.replace("<auth-key-id>1</auth-key-id>", ""), "auth-key-id"),
        (NEW_SITE.replace("hmac-sha-256", "none"), "auth-algorithm"),
        (NEW_SITE.replace("new-key", ""), "auth-key-value"),
        (NEW_SITE.replace("<auth-key-value>new-key</auth-key-value>", ""), "auth-key-value"),
        (NEW_SITE.replace("<eid><eid-id>[0]10.99.0.0/24</eid-id></eid>", ""), "at least one EID"),
        (NEW_SITE.replace("<rloc>127.9.0.1</rloc>", ""), "rloc"),
    ],
)
def test_a_new_site_must_be_complete(store: MsStore, sites_xml: str, words: str) -> None:
    message = _refused(store, sites_xml, "invalid-value")
    assert "site new" in message and words in message
    assert "new-key" not in message


@pytest.mark.parametrize(
    ("eid", "other"),
    [
        ("[0]10.2.0.0/16", "[0]10.2.0.0/16"),  # equal
        ("[0]10.2.3.0/24", "[0]10.2.0.0/16"),  # inside
        ("[0]10.0.0.0/8", "[0]10.1.0.0/16"),  # covering
    ],
)
def test_an_eid_overlapping_another_sites_is_refused(store: MsStore, eid: str, other: str) -> None:
    message = _refused(store, NEW_SITE.replace("[0]10.99.0.0/24", eid), "invalid-value")
    assert f"site new: EID {eid} overlaps EID {other}" in message


def test_overlap_is_judged_on_the_whole_request(store: MsStore) -> None:
    # Another instance does not overlap; moving a prefix between sites in one
    # request is fine; a conflict anywhere rejects every site of the request.
    _apply(store, NEW_SITE.replace("[0]10.99.0.0/24", "[5]10.2.0.0/16"))
    _apply(
        store,
        '<site><name>b</name><eids><eid nc:operation="delete"><eid-id>[0]10.2.0.0/16</eid-id>'
        "</eid><eid><eid-id>[0]10.5.0.0/16</eid-id></eid></eids></site>"
        "<site><name>a</name><eids><eid><eid-id>[0]10.2.0.0/16</eid-id></eid></eids></site>",
    )
    assert store.eid_owner[E("[0]10.2.0.0/16")] == "a"
    message = _refused(
        store,
        NEW_SITE.replace("new", "c").replace("[0]10.99.0.0/24", "[0]10.77.0.0/16")
        + NEW_SITE.replace("new", "d").replace("[0]10.99.0.0/24", "[0]10.77.1.0/24"),
        "invalid-value",
    )
    assert "10.77" in message and "site c" in message and "site d" in message


def test_the_store_is_saved_and_loads_back(store: MsStore) -> None:
    _apply(store, NEW_SITE)
    store.flush(force=True)
    loaded = MsStore.load(store.path)
    assert loaded.keys["new"] == b"new-key"
    assert loaded.eid_owner[E("[0]10.99.0.0/24")] == "new"


# The registration processing honours an edit at once -------------------------------
class _Unit:
    def __init__(self, store: MsStore) -> None:
        self.sent: list[bytes] = []
        self.changes: list[tuple[str, str, str]] = []
        self.unit = MapServerUnit("ms", store, registration_timeout=30.0, notify_schedule=(1.0,))
        self.unit.role = "active"
        self.unit.attach(lambda data, addr: self.sent.append(data))
        self.unit.on_registration_change = lambda c, e, s: self.changes.append((c, str(e), s))

    def register(self, eid: str, key: bytes, nonce: int) -> None:
        data = encode_map_register(
            [Mapping(E(eid), (Rloc.of("127.9.0.1"),))],
            key=key,
            key_id=1,
            algorithm=Algorithm.HMAC_SHA_256,
            nonce=nonce,
            xtr_id=bytes(16),
        )
        self.unit.on_datagram(data, ("127.9.0.1", 4342))


def test_a_new_site_registers_at_once_and_a_deleted_one_is_unknown(store: MsStore) -> None:
    ms = _Unit(store)
    ms.register("[0]10.99.0.0/24", b"new-key", 1)
    assert ms.unit.counters["unknown-site"] == 1

    _apply(store, NEW_SITE)
    ms.register("[0]10.99.0.0/24", b"new-key", 2)
    assert ms.unit.counters["map-registers-accepted"] == 1
    assert E("[0]10.99.0.0/24") in ms.unit.table.registered_eids()
    ms.register("[0]10.99.0.0/24", b"new-key", 3)  # a refresh is no change
    assert ms.changes == [("registered", "[0]10.99.0.0/24", "new")]

    dropped = _apply(store, '<site nc:operation="delete"><name>new</name></site>')
    assert ms.unit.withdraw(dropped) == [E("[0]10.99.0.0/24")]
    assert ms.unit.table.registered_eids() == set()
    assert ms.changes[-1] == ("withdrawn", "[0]10.99.0.0/24", "new")
    ms.register("[0]10.99.0.0/24", b"new-key", 4)
    assert ms.unit.counters["unknown-site"] == 2


def test_expiry_is_reported_per_eid(store: MsStore) -> None:
    _apply(store, NEW_SITE)
    ms = _Unit(store)
    ms.unit.registration_timeout = -1.0  # everything is due at once
    ms.register("[0]10.99.0.0/24", b"new-key", 1)
    assert ms.unit.expire() == [E("[0]10.99.0.0/24")]
    assert ms.changes[-1] == ("expired", "[0]10.99.0.0/24", "new")
