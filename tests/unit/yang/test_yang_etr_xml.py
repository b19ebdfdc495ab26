"""ETR state: render -> validate -> parse."""

from __future__ import annotations

from lxml import etree

from ansible_collections.lispnet.ms_recovery.lab.yang.etr_render import (
    render_etr,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.ms import (
    EtrSnapshot,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.ietf.etr_parse import (
    parse_etr,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.ietf.filters import (
    etr_filter,
    ms_full_filter,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.ietf.ms_parse import (
    parse_ms,
)
from ansible_collections.lispnet.ms_recovery.tests.support.subtree import (
    apply_subtree_filter,
)
from tests.support.yang_validate import validate_data


def test_etr_validates(etr_snapshot: EtrSnapshot) -> None:
    validate_data(render_etr(etr_snapshot))


def test_etr_round_trip(etr_snapshot: EtrSnapshot) -> None:
    wire = etree.fromstring(etree.tostring(render_etr(etr_snapshot)))
    assert parse_etr(wire) == etr_snapshot


def test_etr_filter_selects_the_etr(etr_snapshot: EtrSnapshot) -> None:
    data = render_etr(etr_snapshot)
    part = apply_subtree_filter(data, etr_filter())
    validate_data(part)
    assert parse_etr(part) == etr_snapshot
    # An MS filter sent to an ETR selects nothing, and parses as empty.
    assert parse_ms(apply_subtree_filter(data, ms_full_filter())).registrations == ()


def test_minimal_etr(etr_snapshot: EtrSnapshot) -> None:
    bare = EtrSnapshot(None, None, (), (), 60, None)
    data = render_etr(bare)
    validate_data(data)
    assert parse_etr(data) == bare


def test_reply_without_etr_is_none() -> None:
    assert parse_etr(etree.Element("{urn:ietf:params:xml:ns:netconf:base:1.0}data")) is None
