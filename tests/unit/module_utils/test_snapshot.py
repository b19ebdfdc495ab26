"""Learning an EID inventory from a Map-Server's state: merge, keys, drift, text."""

from __future__ import annotations

import dataclasses
import ipaddress
from datetime import UTC, datetime

import pytest

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory import (
    EidInventory,
    Etr,
    InventoryError,
    MapServer,
    MsUnit,
    NetconfEndpoint,
    Secret,
    Site,
    dump_inventory,
    parse_inventory,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.auth import Algorithm
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
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.snapshot import (
    MISSING_KEY,
    MISSING_KEY_TAG,
    SnapshotError,
    Sources,
    UnitSpec,
    find_map_server,
    from_transport,
    is_missing,
    parse_reference,
    render,
    take_snapshot,
    to_transport,
)

KEY = "Zq9-snapshot-s3cret"
VAULT = "$ANSIBLE_VAULT;1.1;AES256\n6162636465\n"
ADDRESS = ipaddress.ip_address("127.100.0.1")
NOW = datetime(2025, 1, 1, tzinfo=UTC)


def eid(text: str, iid: int = 0) -> Eid:
    return Eid(iid, ipaddress.ip_network(text))


def rloc_of(n: int) -> ipaddress.IPv4Address:
    return ipaddress.ip_address(f"127.100.1.{n}")


def site(n: int, key: Secret | None = None, ms: str = "ms1", **changes: object) -> Site:
    built = Site(
        name=f"site-{n}",
        site_id=n,
        map_servers=(ms,),
        key_id=0,
        algorithm=Algorithm.HMAC_SHA_256,
        key=key if key is not None else Secret(f"{KEY}-{n}"),
        etrs=(Etr(f"site-{n}-etr1", rloc_of(n), NetconfEndpoint(str(rloc_of(n)), 8830)),),
        eids=(eid(f"10.{n}.0.0/24"), eid(f"2001:db8:{n}::/48")),
    )
    return dataclasses.replace(built, **changes)


MS1 = MapServer(
    "ms1",
    ADDRESS,
    (
        MsUnit("ms1-a", NetconfEndpoint("127.100.0.2", 8830)),
        MsUnit("ms1-b", NetconfEndpoint("127.100.0.3", 8830)),
    ),
)
MS2 = MapServer(
    "ms2", ipaddress.ip_address("127.100.0.9"), (MsUnit("ms2-a", NetconfEndpoint("x")),)
)


def inventory(*sites: Site, map_servers: tuple[MapServer, ...] = (MS1,)) -> EidInventory:
    return EidInventory(map_servers, sites, "eids.yml")


def stored(s: Site) -> MsSite:
    return MsSite(
        name=s.name,
        site_id=s.site_id,
        key_id=s.key_id,
        algorithm="hmac-sha-256",
        etrs=tuple(StoredEtr(e.name, e.rloc) for e in s.etrs),
        eids=s.eids,
    )


def configured(s: Site) -> MsSite:
    return MsSite(s.name, s.site_id, s.key_id, "hmac-sha-256", s.eids)


def registration(s: Site, e: Eid, *rlocs: ipaddress.IPv4Address) -> Registration:
    return Registration(
        eid=e,
        site=s.name,
        site_id=s.site_id,
        xtr_id=None,
        rlocs=tuple(Rloc(r) for r in rlocs),
        ttl=1440,
        source=rlocs[0],
        source_port=4342,
        first_registered=NOW,
        last_registered=NOW,
        proxy_reply=False,
        want_map_notify=True,
        authoritative=True,
    )


def ms_state(*sites: Site, unit: str = "ms1-a", registered: bool = True) -> MsSnapshot:
    return MsSnapshot(
        unit=MsUnitInfo(unit, "active", ADDRESS, NOW, 0),
        sites=tuple(configured(s) for s in sites),
        registrations=tuple(
            registration(s, e, *(etr.rloc for etr in s.etrs))
            for s in (sites if registered else ())
            for e in s.eids
        ),
        stored=tuple(stored(s) for s in sites),
    )


def snap(ms: MsSnapshot, base: EidInventory | None, keys: EidInventory | None = None, **kw):
    sources = Sources(base=base, keys=keys or base)
    return take_snapshot(
        ms, sources, map_server=find_map_server(ms, sources), merge=kw.pop("merge", True), **kw
    )


# ------------------------------------------------------------------ learning


def test_an_unchanged_ms_reproduces_the_file_byte_for_byte() -> None:
    old = inventory(site(1), site(2), site(3))
    result = snap(ms_state(site(1), site(2), site(3)), old)
    assert render(result.inventory, keys="plain") == dump_inventory(old, keys="plain")
    assert not result.drift
    assert result.missing_keys == ()
    assert result.learned == ("site-1", "site-2", "site-3")


def test_render_plain_matches_dump_inventory_layout() -> None:
    inv = inventory(site(2), site(1), site(10))
    assert render(inv, keys="plain") == dump_inventory(inv, keys="plain")
    assert render(inv, keys="keep-vault") == dump_inventory(inv, keys="plain")  # no vault keys


def test_keys_come_from_keys_source_then_base() -> None:
    base = inventory(site(1, key=Secret("from-base")), site(2, key=Secret("base-2")))
    keys = inventory(site(1, key=Secret("from-keys")))
    result = snap(ms_state(site(1), site(2)), base, keys)
    by_name = {s.name: s for s in result.inventory.sites}
    assert by_name["site-1"].key.reveal() == b"from-keys"
    assert by_name["site-2"].key.reveal() == b"base-2"


def test_site_unknown_to_every_file_gets_placeholder_and_is_reported() -> None:
    result = snap(ms_state(site(1), site(7)), inventory(site(1)))
    assert result.missing_keys == ("site-7",)
    assert result.drift.sites_added == ("site-7",)
    text = render(result.inventory, keys="plain")
    assert f"key: {MISSING_KEY_TAG} 'replace with the pre-shared key of site site-7" in text
    # The placeholder never loads as a key...
    with pytest.raises(InventoryError) as info:
        parse_inventory(text, "eids.yml")
    assert "sites[1].key: unsupported YAML tag '!missing-key'" in str(info.value)
    # ...but a later snapshot reads it back as missing and writes the same text.
    again = parse_reference(text, "eids.yml")
    assert is_missing(again.site("site-7").key)
    second = snap(ms_state(site(1), site(7)), again)
    assert render(second.inventory, keys="plain") == text
    assert not second.drift


def test_key_stored_for_another_key_id_is_not_used() -> None:
    result = snap(ms_state(site(1, key_id=3)), inventory(site(1)))
    assert result.missing_keys == ("site-1",)
    assert result.drift.sites["site-1"].changed_fields == ("key_id",)


def test_registered_rloc_not_in_stored_info_becomes_an_etr() -> None:
    s1 = site(1)
    extra = ipaddress.ip_address("127.100.9.9")
    ms = dataclasses.replace(
        ms_state(s1), registrations=(registration(s1, s1.eids[0], rloc_of(1), extra),)
    )
    result = snap(ms, inventory(s1))
    etrs = {e.rloc: e for e in result.inventory.site("site-1").etrs}
    assert etrs[extra].name == "site-1-rloc-127-100-9-9"
    assert etrs[extra].netconf is None
    assert etrs[rloc_of(1)].netconf == NetconfEndpoint("127.100.1.1", 8830)  # kept from the file
    assert result.drift.sites["site-1"].rlocs_added == ("127.100.9.9",)


def test_registered_rloc_known_in_file_keeps_its_name() -> None:
    known = site(1, etrs=(Etr("site-1-etr1", rloc_of(1)), Etr("backup", rloc_of(50))))
    s1 = site(1)
    ms = dataclasses.replace(
        ms_state(s1), registrations=(registration(s1, s1.eids[0], rloc_of(1), rloc_of(50)),)
    )
    result = snap(ms, inventory(known))
    assert {e.name for e in result.inventory.site("site-1").etrs} == {"site-1-etr1", "backup"}
    assert not result.drift


def test_site_only_configured_takes_etrs_from_the_file() -> None:
    s1 = site(1)
    ms = dataclasses.replace(ms_state(s1, registered=False), stored=())
    result = snap(ms, inventory(s1))
    assert result.inventory.site("site-1").etrs == s1.etrs
    assert not result.drift


def test_site_without_any_etr_is_skipped_not_removed() -> None:
    s9 = site(9)
    ms = dataclasses.replace(ms_state(site(1), registered=False), sites=(configured(s9),))
    ms = dataclasses.replace(ms, stored=(stored(site(1)),))
    result = snap(ms, inventory(site(1)), merge=False)
    assert [s.site for s in result.skipped] == ["site-9"]
    assert "no ETR" in result.skipped[0].reason
    assert "site-9" not in {s.name for s in result.inventory.sites}
    assert not result.drift.sites_added and not result.drift.sites_removed


# ------------------------------------------------------------------- merging


def test_merge_keeps_file_only_sites_and_reports_them() -> None:
    old = inventory(site(1), site(2), site(3))
    result = snap(ms_state(site(1), site(2)), old, merge=True)
    assert {s.name for s in result.inventory.sites} == {"site-1", "site-2", "site-3"}
    assert result.kept == ("site-3",)
    assert result.drift.sites_removed == ("site-3",)


def test_mirror_drops_file_only_sites() -> None:
    old = inventory(site(1), site(2), site(3))
    result = snap(ms_state(site(1), site(2)), old, merge=False)
    assert {s.name for s in result.inventory.sites} == {"site-1", "site-2"}
    assert result.kept == ()
    assert result.drift.sites_removed == ("site-3",)


def test_sites_of_other_map_servers_are_kept_either_way() -> None:
    old = inventory(site(1), site(5, ms="ms2"), map_servers=(MS1, MS2))
    for merge in (True, False):
        result = snap(ms_state(site(1)), old, merge=merge)
        assert result.inventory.site("site-5") == old.site("site-5")
        assert {m.name for m in result.inventory.map_servers} == {"ms1", "ms2"}
        assert not result.drift


def test_a_redundant_site_keeps_its_other_map_server() -> None:
    shared = site(5, map_servers=("ms2", "ms1"))
    old = inventory(site(1), shared, map_servers=(MS1, MS2))
    for merge in (True, False):
        result = snap(ms_state(site(1), shared), old, merge=merge)
        assert result.inventory.site("site-5") == shared  # ms2 stays, in its order
        assert not result.drift
    text = render(result.inventory, keys="plain")
    assert text == dump_inventory(old, keys="plain")


def test_a_redundant_site_gone_from_one_map_server_stays_for_the_other() -> None:
    shared = site(5, map_servers=("ms1", "ms2"))
    old = inventory(site(1), shared, map_servers=(MS1, MS2))
    kept = snap(ms_state(site(1)), old, merge=True).inventory.site("site-5")
    assert kept.map_servers == ("ms1", "ms2")  # merge keeps what only the file has
    result = snap(ms_state(site(1)), old, merge=False)
    assert result.inventory.site("site-5").map_servers == ("ms2",)
    assert result.drift.sites_removed == ("site-5",)  # removed from ms1


def test_a_site_of_another_map_server_found_here_too_becomes_redundant() -> None:
    old = inventory(site(1), site(5, ms="ms2"), map_servers=(MS1, MS2))
    result = snap(ms_state(site(1), site(5)), old)
    assert result.inventory.site("site-5").map_servers == ("ms2", "ms1")


def test_conflicting_result_is_refused_with_the_inventory_problems() -> None:
    # The MS claims an EID that another map-server's site has in the file.
    other = site(5, ms="ms2", eids=(eid("10.1.0.0/24"),))
    with pytest.raises(InventoryError) as info:
        snap(ms_state(site(1)), inventory(site(1), other, map_servers=(MS1, MS2)))
    assert "10.1.0.0/24" in str(info.value)


# --------------------------------------------------------------------- drift


def test_drift_lists_eids_rlocs_and_settings_per_site() -> None:
    old = inventory(site(1), site(2))
    now1 = site(1, eids=(eid("10.1.0.0/24"), eid("10.1.1.0/24", iid=7)))
    now2 = site(2, etrs=(Etr("site-2-etr1", rloc_of(22)),), algorithm=Algorithm.HMAC_SHA_1)
    ms = ms_state(now1, now2)
    ms = dataclasses.replace(
        ms,
        stored=tuple(
            dataclasses.replace(stored(s), algorithm=alg)
            for s, alg in ((now1, "hmac-sha-256"), (now2, "hmac-sha-1"))
        ),
    )
    drift = snap(ms, old).drift.as_dict()
    assert drift["eids"] == {
        "site-1": {"added": ["[7]10.1.1.0/24"], "removed": ["[0]2001:db8:1::/48"]}
    }
    assert drift["rlocs"] == {"site-2": {"added": ["127.100.1.22"], "removed": ["127.100.1.2"]}}
    assert drift["settings"] == {"site-2": ["algorithm"]}
    assert drift["sites_added"] == [] and drift["sites_removed"] == []


def test_drift_never_contains_a_key() -> None:
    old = inventory(site(1), site(2))
    result = snap(ms_state(site(1), site(3)), old)
    assert KEY not in repr(result.drift.as_dict())
    assert KEY not in repr(result)


def test_without_a_file_every_site_is_added() -> None:
    result = snap(ms_state(site(1)), None, inventory(site(1)))
    assert result.drift.sites_added == ("site-1",)


def test_changed_lisp_address_is_reported_and_written() -> None:
    old = inventory(site(1), map_servers=(dataclasses.replace(MS1, lisp_address=rloc_of(99)),))
    result = snap(ms_state(site(1)), old)
    assert result.drift.lisp_address == ("127.100.1.99", "127.100.0.1")
    assert result.inventory.map_server("ms1").lisp_address == ADDRESS


# -------------------------------------------------------------- map-servers


def test_map_server_found_by_unit_name_then_address() -> None:
    sources = Sources(base=inventory(site(1), map_servers=(MS2, MS1)))
    assert find_map_server(ms_state(site(1), unit="ms1-b"), sources).name == "ms1"
    assert find_map_server(ms_state(site(1), unit="renamed"), sources).name == "ms1"


def test_unknown_map_server_needs_name_and_units() -> None:
    ms = ms_state(site(1), unit="new-a")
    with pytest.raises(SnapshotError, match="give map_server and units"):
        find_map_server(ms, Sources())
    built = find_map_server(ms, Sources(), "msx", [UnitSpec("new-a", "127.1.1.1", 8830)])
    assert built == MapServer(
        "msx", ADDRESS, (MsUnit("new-a", NetconfEndpoint("127.1.1.1", 8830)),)
    )


# --------------------------------------------------------------- vault keys


def test_keep_vault_writes_vault_keys_back_and_clear_ones_as_they_were() -> None:
    old = inventory(site(1, key=Secret("decrypted", vault=VAULT)), site(2))
    result = snap(ms_state(site(1), site(2)), old)
    text = render(result.inventory, keys="keep-vault")
    assert "key: !vault |\n    $ANSIBLE_VAULT;1.1;AES256\n    6162636465\n" in text
    assert "decrypted" not in text
    assert f"key: {KEY}-2" in text
    assert "key: decrypted" in render(result.inventory, keys="plain")


def test_transport_round_trip_keeps_plain_keys_vault_and_placeholders() -> None:
    old = inventory(
        site(1, key=Secret("decrypted", vault=VAULT)), site(2), site(3, key=MISSING_KEY)
    )
    data = to_transport(old)
    assert set(data) == {"text", "vault"}
    back = from_transport(data, "eids.yml")
    assert back == old
    assert back.site("site-1").key.vault == VAULT
    assert is_missing(back.site("site-3").key)
    assert back.source == "eids.yml"


def test_placeholder_lookalike_text_is_not_a_placeholder() -> None:
    text = dump_inventory(inventory(site(1, key=Secret("!missing-key is my key"))), keys="plain")
    assert not is_missing(parse_reference(text, "eids.yml").site("site-1").key)


def test_a_map_server_that_tells_no_key_id_or_algorithm_keeps_the_inventorys() -> None:
    # IOS-XE: one key per site, no key-id, no algorithm (MsSite says "").
    old = site(1, key_id=3, algorithm=Algorithm.HMAC_SHA_1)
    untold = dataclasses.replace(ms_state(old), stored=())
    untold = dataclasses.replace(
        untold, sites=tuple(dataclasses.replace(c, key_id=0, algorithm="") for c in untold.sites)
    )
    result = snap(untold, inventory(old))
    (learned,) = result.inventory.sites
    assert (learned.key_id, learned.algorithm, learned.key) == (3, Algorithm.HMAC_SHA_1, old.key)
    assert not result.drift.sites and not result.missing_keys
    fresh = snap(untold, inventory(site(2)))  # site-1 unknown: defaults, no key
    new = next(s for s in fresh.inventory.sites if s.name == "site-1")
    assert (new.key_id, new.algorithm) == (0, Algorithm.HMAC_SHA_256)


def test_a_map_server_that_tells_no_lisp_address_keeps_the_inventorys() -> None:
    untold = MsSnapshot(unit=MsUnitInfo("ms1-a", "active", None, NOW, 0))
    assert find_map_server(untold, Sources(base=inventory(site(1)))).lisp_address == ADDRESS
    with pytest.raises(SnapshotError, match="no existing inventory describes"):
        find_map_server(untold, Sources(), "msx", [UnitSpec("ms1-a", "127.1.1.1", 8830)])


def test_a_standard_server_sites_are_named_by_site_id() -> None:
    """A server without the augment names no site and stores nothing: the
    inventory's site of each site-id gives the name; an unknown id a made one."""
    full = ms_state(site(1), site(2), site(5))
    standard = dataclasses.replace(
        full,
        stored=(),
        sites=tuple(dataclasses.replace(s, name="") for s in full.sites),
        registrations=tuple(r._replace(site="", source=None) for r in full.registrations),
    )
    result = snap(standard, inventory(site(1), site(2)))
    assert result.learned == ("site-1", "site-2", "site-5")
    by_name = {s.name: s for s in result.inventory.sites}
    assert by_name["site-1"].etrs == site(1).etrs
    assert by_name["site-5"].eids == site(5).eids
