"""Map-Server state: render -> validate -> parse, full and filtered."""

from __future__ import annotations

import copy
import ipaddress
from datetime import UTC, datetime

import pytest
from lxml import etree

from ansible_collections.lispnet.ms_recovery.lab.yang.ms_render import (
    render_ms,
    serialize_ms_registrations,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.types import Rloc
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.ms import (
    MsSnapshot,
    MsUnitInfo,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.registration import (
    Registration,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.ietf import (
    registered as ms_registered,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.ietf.filters import (
    ms_full_filter,
    ms_registered_filter,
    ms_registrations_filter,
    ms_stored_sites_filter,
    ms_unit_filter,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.ietf.ms_parse import (
    parse_ms,
    parse_ms_summary,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.ietf.namespaces import (
    T,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.ietf.registered import (
    parse_registered,
    parse_registered_text,
)
from ansible_collections.lispnet.ms_recovery.tests.support.subtree import (
    apply_subtree_filter,
)
from tests.support.yang_validate import YangValidationError, validate_data

BOOT = datetime(2025, 3, 2, 8, 30, tzinfo=UTC)


def _via_wire(data: etree._Element) -> etree._Element:
    # What a module really gets: the serialised reply parsed again.
    return etree.fromstring(etree.tostring(data), parser=etree.XMLParser(huge_tree=True))


def test_realistic_snapshot_validates(ms_snapshot: MsSnapshot) -> None:
    validate_data(render_ms(ms_snapshot))


def test_round_trip_equals_snapshot(ms_snapshot: MsSnapshot) -> None:
    assert parse_ms(_via_wire(render_ms(ms_snapshot))) == ms_snapshot


def test_empty_table_validates_and_round_trips() -> None:
    unit = MsUnitInfo("ms-2", "standby", ipaddress.ip_address("2001:db8::100"), BOOT, 0)
    empty = MsSnapshot(unit)
    data = render_ms(empty)
    validate_data(data)
    assert parse_ms(_via_wire(data)) == empty


def test_summary_counts(ms_snapshot: MsSnapshot) -> None:
    summary = parse_ms_summary(render_ms(ms_snapshot))
    assert summary is not None
    assert (summary.configured_sites, summary.registered_sites) == (2, 2)
    assert summary.per_af["ipv4-afi"].configured_eids == 2
    assert summary.per_af["ipv4-afi"].registered_eids == 3
    assert summary.per_af["ipv6-afi"].registered_eids == 1
    assert (summary.expected_eids, summary.registered_eids) == (3, 4)


def test_registrations_filter_gives_registrations_only(ms_snapshot: MsSnapshot) -> None:
    data = render_ms(ms_snapshot)
    part = apply_subtree_filter(data, ms_registrations_filter())
    validate_data(part)
    parsed = parse_ms(_via_wire(part))
    assert parsed.registrations == ms_snapshot.registrations
    assert (parsed.unit, parsed.sites, parsed.stored, parsed.counters) == (None, (), (), {})


def _briefs(snapshot: MsSnapshot) -> tuple[Registration, ...]:
    """What the brief read keeps of each registration: the RLOCs' addresses
    and the registrant (the xTR-ID, or without one its source, which the
    augment tells)."""
    return tuple(
        Registration(
            r.eid,
            r.site,
            tuple(Rloc(rloc.address) for rloc in r.rlocs),
            r.last_registered,
            r.xtr_id,
            r.source,
            r.source_port,
        )
        for r in snapshot.registrations
    )


def test_registered_filter_gives_the_brief_view(ms_snapshot: MsSnapshot) -> None:
    # A filtered subset of valid data (test_realistic_snapshot_validates); it
    # lacks mandatory leaves by design, so yangson would refuse it.
    part = apply_subtree_filter(render_ms(ms_snapshot), ms_registered_filter())
    text = etree.tostring(part)
    # The source tells a bridge (no xTR-ID) from an ETR; nothing else of a full record.
    assert b"registration-source" in text and b"creation-time" not in text
    assert parse_registered(_via_wire(part)) == _briefs(ms_snapshot)
    assert parse_registered_text(etree.tostring(part)) == _briefs(ms_snapshot)
    # The brief view of a full read is the same.
    assert parse_registered(_via_wire(render_ms(ms_snapshot))) == _briefs(ms_snapshot)
    assert parse_registered_text(etree.tostring(render_ms(ms_snapshot))) == _briefs(ms_snapshot)


@pytest.mark.parametrize("chunk", [1, 2, 3, 2048])
def test_streamed_brief_read_in_chunks(
    ms_snapshot: MsSnapshot, chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ms_registered, "_CHUNK", chunk)
    text = etree.tostring(render_ms(ms_snapshot))
    assert parse_registered_text(text) == _briefs(ms_snapshot)


def test_known_eids_are_reused_not_parsed_again(ms_snapshot: MsSnapshot) -> None:
    known = {r.eid: r.eid for r in ms_snapshot.registrations}
    text = etree.tostring(render_ms(ms_snapshot))
    briefs = parse_registered_text(text, known)
    assert briefs == _briefs(ms_snapshot)
    assert all(b.eid is known[b.eid] for b in briefs)
    # Without them, equal EIDs are built anew.
    assert not any(b.eid is known[b.eid] for b in parse_registered_text(text))


def test_streamed_brief_read_takes_the_first_map_server_only(ms_snapshot: MsSnapshot) -> None:
    data = render_ms(ms_snapshot)
    second = copy.deepcopy(data.find(f".//{T.cpp}"))
    data.find(T.routing).find(T.cpps).append(second)
    text = etree.tostring(data)
    assert text.count(b"<mapping-record>") == 2 * len(ms_snapshot.registrations)
    assert parse_registered_text(text) == _briefs(ms_snapshot)
    assert parse_registered(data) == _briefs(ms_snapshot)


def test_streamed_brief_read_reports_rpc_errors_and_bad_xml() -> None:
    nc = "urn:ietf:params:xml:ns:netconf:base:1.0"
    error = (
        f'<rpc-reply xmlns="{nc}"><rpc-error><error-type>application</error-type>'
        "<error-message>too big</error-message></rpc-error></rpc-reply>"
    ).encode()
    with pytest.raises(ValueError, match="rpc-error: too big"):
        parse_registered_text(error)
    with pytest.raises(ValueError, match="malformed XML"):
        parse_registered_text(b"<rpc-reply><data>")


@pytest.mark.parametrize("brief", [False, True], ids=["full", "brief"])
def test_registrations_alone_render_what_the_filter_selects(
    ms_snapshot: MsSnapshot, brief: bool
) -> None:
    flt = ms_registered_filter() if brief else ms_registrations_filter()
    assert ms_snapshot.unit is not None
    alone = etree.fromstring(
        b"".join(
            serialize_ms_registrations(
                ms_snapshot.sites,
                ms_snapshot.registrations,
                brief=brief,
                since=ms_snapshot.unit.boot_time,  # the per-VPN counters' start
            )
        )
    )
    if not brief:
        validate_data(alone)
    filtered = apply_subtree_filter(render_ms(ms_snapshot), flt)
    assert etree.tostring(alone, method="c14n") == etree.tostring(filtered, method="c14n")


def test_brief_record_without_its_time_is_reported(ms_snapshot: MsSnapshot) -> None:
    data = etree.fromstring(
        b"".join(
            serialize_ms_registrations(ms_snapshot.sites, ms_snapshot.registrations, brief=True)
        )
    )
    last = data.find(f".//{T.record}/{T.rec_last_reg}")
    assert last is not None
    last.getparent().remove(last)
    with pytest.raises(ValueError, match=r"mapping-record of .* lacks lmr:last-registration-time"):
        parse_registered(data)
    with pytest.raises(ValueError, match=r"mapping-record of .* lacks lmr:last-registration-time"):
        parse_registered_text(etree.tostring(data))


def test_unit_filter_is_cheap_and_complete(ms_snapshot: MsSnapshot) -> None:
    data = render_ms(ms_snapshot)
    part = apply_subtree_filter(data, ms_unit_filter())
    validate_data(part)
    assert part.find(f".//{T.vpns}") is None and part.find(f".//{T.stored_sites}") is None
    parsed = parse_ms(part)
    assert parsed.unit == ms_snapshot.unit
    assert parsed.counters == ms_snapshot.counters
    assert parsed.registrations == () and parsed.stored == ()
    assert parse_ms_summary(part) == parse_ms_summary(data)


def test_stored_sites_filter(ms_snapshot: MsSnapshot) -> None:
    part = apply_subtree_filter(render_ms(ms_snapshot), ms_stored_sites_filter())
    validate_data(part)
    parsed = parse_ms(part)
    assert parsed.stored == ms_snapshot.stored
    assert parsed.unit is None and parsed.registrations == ()


def test_full_filter_keeps_everything(ms_snapshot: MsSnapshot) -> None:
    part = apply_subtree_filter(render_ms(ms_snapshot), ms_full_filter())
    assert parse_ms(part) == ms_snapshot


def test_reply_without_map_server_is_empty() -> None:
    data = etree.Element(T.data)
    assert parse_ms(data) == MsSnapshot(unit=None)
    assert parse_ms_summary(data) is None


def test_parse_accepts_rpc_reply_wrapper(ms_snapshot: MsSnapshot) -> None:
    reply = etree.Element(T.rpc_reply)
    reply.append(render_ms(ms_snapshot))
    assert parse_ms(reply) == ms_snapshot


def test_bad_ha_role_fails_validation(ms_snapshot: MsSnapshot) -> None:
    data = render_ms(ms_snapshot)
    data.find(f".//{T.ha_role}").text = "primary"
    with pytest.raises(YangValidationError, match=r"ha-role|primary|invalid"):
        validate_data(data)


def test_bad_prefix_fails_validation(ms_snapshot: MsSnapshot) -> None:
    data = copy.deepcopy(render_ms(ms_snapshot))
    data.find(f".//{T.ipv4_prefix}").text = "10.1.0.0/33"
    with pytest.raises(YangValidationError):
        validate_data(data)


def test_render_refuses_bad_ha_role(ms_snapshot: MsSnapshot) -> None:
    bad = MsSnapshot(MsUnitInfo("ms", "primary", ipaddress.ip_address("192.0.2.1"), BOOT, 0))
    with pytest.raises(ValueError, match="ha-role"):
        render_ms(bad)


def test_unknown_counter_is_refused(ms_snapshot: MsSnapshot) -> None:
    with pytest.raises(ValueError, match="unknown counters"):
        render_ms(MsSnapshot(ms_snapshot.unit, counters={"bogus": 1}))


def test_record_without_source_has_none(ms_snapshot: MsSnapshot) -> None:
    """registration-source is the augment's: a standard server has none."""
    data = render_ms(ms_snapshot)
    source = data.find(f".//{T.source}")
    source.getparent().remove(source)
    first = parse_ms(data).registrations[0]
    assert first.source is None
    assert first.eid == ms_snapshot.registrations[0].eid


def test_record_without_any_last_registration_is_reported(ms_snapshot: MsSnapshot) -> None:
    data = render_ms(ms_snapshot)
    for tag in (T.rec_last_reg, T.last_reg):
        for elem in data.findall(f".//{tag}"):
            elem.getparent().remove(elem)
    with pytest.raises(ValueError, match="lacks lmr:last-registration-time"):
        parse_ms(data)
