"""Round trips of every path the 2024-10-20 draft changed, lab renders and
the ietf platform parses: keys and values in the draft's types, read back to
the same model values, and what a conformant server may serve otherwise."""

from __future__ import annotations

import base64
import ipaddress
import re
from dataclasses import replace

import pytest
from lxml import etree

from ansible_collections.lispnet.ms_recovery.lab.yang.etr_render import render_etr
from ansible_collections.lispnet.ms_recovery.lab.yang.ms_render import render_ms
from ansible_collections.lispnet.ms_recovery.lab.yang.standard import (
    standard_etr_view,
    standard_ms_view,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.types import Eid
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.ms import (
    EtrSnapshot,
    MsSnapshot,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.ietf.etr_parse import (
    parse_etr,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.ietf.ms_parse import (
    parse_ms,
    parse_ms_summary,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.ietf.namespaces import (
    T,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.ietf.registered import (
    parse_registered_text,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.ietf.values import (
    algorithm_identity,
    algorithm_name,
    format_xtr_key,
    key_id_number,
    locator_key,
    mapping_key,
    parse_xtr_key,
    source_xtr_id,
)

_ID_TYPE = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9\-_.:]*$")
ip = ipaddress.ip_address


def _wire(data: etree._Element) -> etree._Element:
    return etree.fromstring(etree.tostring(data))


@pytest.mark.parametrize(
    "text", ["[0]10.1.0.0/16", "[16777215]2001:db8:ffff:ffff:ffff:ffff:ffff:0/112", "[7]::/0"]
)
def test_mapping_key_is_an_id_type(text: str) -> None:
    key = mapping_key(Eid.parse(text))
    assert _ID_TYPE.match(key) and len(key) <= 64


@pytest.mark.parametrize("address", ["192.0.2.1", "2001:db8::1", "::1", "::ffff:192.0.2.1"])
def test_locator_key_is_an_id_type(address: str) -> None:
    assert _ID_TYPE.match(locator_key(ip(address)))


def test_xtr_id_is_base64_of_16_octets() -> None:
    xtr = bytes(range(16))
    text = format_xtr_key(xtr, None, 0)
    assert base64.b64decode(text) == xtr and parse_xtr_key(text) == xtr
    # Without an xTR-ID: a hash of the source, distinct per address and port.
    sourced = {format_xtr_key(None, ip("127.0.0.1"), p) for p in (4342, 4343)}
    assert len(sourced) == 2
    assert parse_xtr_key(format_xtr_key(None, ip("::1"), 1)) == source_xtr_id(ip("::1"), 1)
    with pytest.raises(ValueError, match="not 16"):
        parse_xtr_key(base64.b64encode(bytes(8)).decode())
    with pytest.raises(ValueError, match="not base64"):
        parse_xtr_key("0a" * 16 + "!")


def test_algorithms_are_the_draft_identities() -> None:
    assert algorithm_identity("hmac-sha-1") == "hmac-sha-1-96-none"
    assert algorithm_identity("hmac-sha-256") == "hmac-sha-256-128-none"
    # Any prefix a server declares; the first identity the inventory knows.
    assert algorithm_name(["x:hmac-sha-256-128-HKDF-SHA2562", "y:hmac-sha-1-96-none"]) == (
        "hmac-sha-1"
    )
    assert algorithm_name(["lisp:hmac-sha-256-128-HKDF-SHA2562"]) is None


def test_key_ids_are_text_on_the_wire() -> None:
    assert [key_id_number(t) for t in ("0", "3", "255", "256", "key-a", None)] == [
        0,
        3,
        255,
        0,
        0,
        0,
    ]


def test_map_server_values_in_draft_types(ms_snapshot: MsSnapshot) -> None:
    data = _wire(render_ms(ms_snapshot))
    mapping = data.find(f".//{T.mapping}")
    assert mapping is not None
    assert mapping.findtext(T.eid_id) == "0-10.1.0.0-16"
    assert mapping.findtext(f"{T.eid_address}/{T.address_type}") == "laddr:ipv4-prefix-afi"
    record = mapping.find(f"{T.records}/{T.record}")
    assert record is not None
    assert base64.b64decode(record.findtext(T.xtr_id) or "") == bytes.fromhex("0a" * 16)
    assert record.findtext(T.authoritative) == "A"
    locator = record.find(f"{T.rlocs}/{T.locator}/{T.locator_address}")
    assert locator is not None and locator.findtext(T.ipv4) == "192.0.2.1"
    assert locator.findtext(T.address_type) == "laddr:ipv4-afi"
    algorithms = [e.text for e in data.iter(T.auth_algorithm_id)]
    assert algorithms == ["lisp:hmac-sha-256-128-none", "lisp:hmac-sha-1-96-none"]
    families = [e.text for e in data.iter(T.address_type) if e.getparent().tag == T.af_data]
    assert families == ["laddr:ipv4-afi", "laddr:ipv6-afi"]
    # A record whose A bit is clear has no authoritative leaf (the draft's bits
    # have no default), and reads back as not authoritative.
    clear = [r for r in ms_snapshot.registrations if not r.authoritative]
    assert clear and len(list(data.iter(T.authoritative))) == len(ms_snapshot.registrations) - len(
        clear
    )
    assert parse_ms(data) == ms_snapshot


def test_standard_view_reads_back_with_the_sourced_key(ms_snapshot: MsSnapshot) -> None:
    """Without the augment the source is unknown: a registration without
    xTR-ID reads as the server keys it (16 octets), all else as rendered."""
    assert ms_snapshot.unit is not None
    data = _wire(standard_ms_view(render_ms(ms_snapshot), "ms-1", ms_snapshot.unit.boot_time))
    parsed = parse_ms(data)
    expected = [
        r.xtr_id if r.xtr_id is not None else source_xtr_id(r.source, r.source_port)  # type: ignore[arg-type]
        for r in ms_snapshot.registrations
    ]
    assert [r.xtr_id for r in parsed.registrations] == expected
    # lmr:local is the augment's: without it every locator reads as not local.
    assert [(r.eid, r.rlocs, r.ttl, r.authoritative) for r in parsed.registrations] == [
        (r.eid, tuple(replace(x, local=False) for x in r.rlocs), r.ttl, r.authoritative)
        for r in ms_snapshot.registrations
    ]
    assert [(s.site_id, s.key_id, s.algorithm) for s in parsed.sites] == [
        (s.site_id, s.key_id, s.algorithm) for s in ms_snapshot.sites
    ]
    summary = parse_ms_summary(data)
    assert summary is not None and set(summary.per_af) == {"ipv4-afi", "ipv6-afi"}
    briefs = parse_registered_text(etree.tostring(data))
    assert [b.registrant for b in briefs] == [
        parse_xtr_key(format_xtr_key(r.xtr_id, r.source, r.source_port))
        for r in ms_snapshot.registrations
    ]


def test_a_server_with_its_own_eid_ids_and_key_names(ms_snapshot: MsSnapshot) -> None:
    """The draft leaves a mapping's eid-id and a key's auth-key-id to the
    server: the platform reads the EID from eid-address, whatever the key."""
    data = _wire(render_ms(ms_snapshot))
    for n, eid_id in enumerate(data.iter(T.eid_id)):
        eid_id.text = f"entry{n}"
    for key_id in data.iter(T.auth_key_id):
        key_id.text = "primary"
    parsed = parse_ms(data)
    assert parsed.registrations == ms_snapshot.registrations
    assert [s.key_id for s in parsed.sites] == [0, 0]
    briefs = parse_registered_text(etree.tostring(data))
    assert [b.eid for b in briefs] == [r.eid for r in ms_snapshot.registrations]


def test_mapping_without_eid_address_is_reported(ms_snapshot: MsSnapshot) -> None:
    data = _wire(render_ms(ms_snapshot))
    mapping = data.find(f".//{T.mapping}")
    assert mapping is not None
    mapping.remove(mapping.find(T.eid_address))
    with pytest.raises(ValueError, match=r"0-10\.1\.0\.0-16.*lacks eid-address"):
        parse_ms(data)
    with pytest.raises(ValueError, match="lacks eid-address"):
        parse_registered_text(etree.tostring(data))


def test_etr_locators_come_from_its_locator_set(etr_snapshot: EtrSnapshot) -> None:
    assert etr_snapshot.last_register_time is not None
    for data in (
        _wire(render_etr(etr_snapshot)),
        _wire(standard_etr_view(render_etr(etr_snapshot), "e", etr_snapshot.last_register_time)),
    ):
        local = data.find(f".//{T.local_eid}")
        assert local is not None and local.findtext(T.e_eid_id) == "0-10.1.0.0-16"
        names = [e.text for e in data.iter(T.locator_set_name)]
        assert local.findtext(T.e_rlocs) in names
        key = data.find(f".//{T.e_map_server}/{T.e_auth_keys}/{T.e_auth_key}")
        assert key is not None and key.findtext(T.e_algorithm) == "lisp:hmac-sha-256-128-none"
        parsed = parse_etr(data)
        assert parsed is not None
        assert (parsed.local_eids, parsed.key_id, parsed.algorithm) == (
            etr_snapshot.local_eids,
            etr_snapshot.key_id,
            etr_snapshot.algorithm,
        )


def test_etr_locator_set_missing_from_the_reply_gives_no_rlocs(
    etr_snapshot: EtrSnapshot,
) -> None:
    data = _wire(render_etr(etr_snapshot))
    sets = data.find(f".//{T.locator_sets}")
    assert sets is not None
    sets.getparent().remove(sets)
    parsed = parse_etr(data)
    assert parsed is not None and all(m.rlocs == () for m in parsed.local_eids)
