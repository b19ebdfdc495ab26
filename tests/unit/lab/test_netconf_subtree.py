"""RFC 6241 section 6 subtree filtering, case by case (mostly the RFC's own examples)."""

from __future__ import annotations

import pytest
from lxml import etree

from ansible_collections.lispnet.ms_recovery.lab.netconf.subtree import (
    apply_subtree_filter,
    matches,
)

T = "http://example.com/schema/1.2/config"

DATA = f"""
<data xmlns="urn:ietf:params:xml:ns:netconf:base:1.0">
  <top xmlns="{T}">
    <users>
      <user><name>root</name><type>superuser</type><full-name>Charlie Root</full-name>
        <company-info><dept>1</dept><id>1</id></company-info></user>
      <user><name>fred</name><type>admin</type><full-name>Fred Flintstone</full-name>
        <company-info><dept>2</dept><id>2</id></company-info></user>
      <user><name>barney</name><type>admin</type><full-name>Barney Rubble</full-name>
        <company-info><dept>2</dept><id>3</id></company-info></user>
    </users>
    <groups><group><name>admin</name></group></groups>
  </top>
  <other xmlns="urn:example:other"><users><user><name>fred</name></user></users></other>
</data>
"""


def _flt(inner: str) -> etree._Element:
    return etree.fromstring(
        f'<filter xmlns="urn:ietf:params:xml:ns:netconf:base:1.0" type="subtree">{inner}</filter>'
    )


def _canon(el: etree._Element) -> list[str]:
    """Paths of all leaves with text, namespace-free, for compact comparison."""
    out = []
    for node in el.iter():
        if node is not el and isinstance(node.tag, str) and len(node) == 0:
            parts = [etree.QName(a).localname for a in reversed(list(node.iterancestors()))]
            parts = [*parts[1:], etree.QName(node).localname]
            out.append("/".join(parts) + "=" + (node.text or "").strip())
    return out


CASES = [
    pytest.param("", [], id="empty-filter-selects-nothing"),
    pytest.param(
        f'<top xmlns="{T}"><groups/></top>', ["top/groups/group/name=admin"], id="selection-node"
    ),
    pytest.param(
        f'<top xmlns="{T}"><users><user><name/></user></users></top>',
        ["top/users/user/name=root", "top/users/user/name=fred", "top/users/user/name=barney"],
        id="containment-then-selection",
    ),
    pytest.param(
        f'<top xmlns="{T}"><users><user><name>fred</name></user></users></top>',
        [
            "top/users/user/name=fred",
            "top/users/user/type=admin",
            "top/users/user/full-name=Fred Flintstone",
            "top/users/user/company-info/dept=2",
            "top/users/user/company-info/id=2",
        ],
        id="only-content-match-selects-whole-entry",
    ),
    pytest.param(
        f'<top xmlns="{T}"><users><user><name>fred</name><type/></user></users></top>',
        ["top/users/user/name=fred", "top/users/user/type=admin"],
        id="content-match-plus-selection",
    ),
    pytest.param(
        f'<top xmlns="{T}"><users><user><type>admin</type><name/>'
        "<company-info><id/></company-info></user></users></top>",
        [
            "top/users/user/name=fred",
            "top/users/user/type=admin",
            "top/users/user/company-info/id=2",
            "top/users/user/name=barney",
            "top/users/user/type=admin",
            "top/users/user/company-info/id=3",
        ],
        id="content-match-on-non-key-with-nested-containment",
    ),
    pytest.param(
        f'<top xmlns="{T}"><users><user><name>wilma</name></user></users></top>',
        [],
        id="content-match-false-excludes-everything",
    ),
    pytest.param(
        f'<top xmlns="{T}"><users><user><name>fred</name><nonesuch/></user></users></top>',
        ["top/users/user/name=fred"],
        id="content-match-nodes-are-part-of-output",
    ),
    pytest.param(
        f'<top xmlns="{T}"><users><user><name>root</name><type/></user>'
        "<user><name>fred</name><full-name/></user></users></top>",
        [
            "top/users/user/name=root",
            "top/users/user/type=superuser",
            "top/users/user/name=fred",
            "top/users/user/full-name=Fred Flintstone",
        ],
        id="multiple-instances-of-one-list",
    ),
    pytest.param(
        '<users xmlns=""><user><name>fred</name></user></users>',
        [],
        id="no-namespace-still-needs-the-top-node",
    ),
    pytest.param(
        '<other xmlns=""><users><user><name/></user></users></other>',
        ["other/users/user/name=fred"],
        id="no-namespace-matches-any-namespace",
    ),
    pytest.param(
        '<top xmlns="urn:wrong"><groups/></top>', [], id="namespace-mismatch-selects-nothing"
    ),
    pytest.param(
        f'<top xmlns="{T}"><users><user><name>\n   fred\n  </name><type/></user></users></top>',
        ["top/users/user/name=fred", "top/users/user/type=admin"],
        id="pretty-printed-content-match",
    ),
    pytest.param(
        f'<top xmlns="{T}"><!-- why --><groups/></top>',
        ["top/groups/group/name=admin"],
        id="comments-ignored",
    ),
    pytest.param(
        f'<top xmlns="{T}"><nonesuch/></top>', [], id="selection-of-absent-node-drops-container"
    ),
]


@pytest.mark.parametrize(("flt", "expected"), CASES)
def test_subtree_filter(flt: str, expected: list[str]) -> None:
    data = etree.fromstring(DATA)
    before = etree.tostring(data)
    out = apply_subtree_filter(data, _flt(flt))
    assert etree.QName(out).localname == "data"
    assert _canon(out) == expected
    assert etree.tostring(data) == before  # the input is never modified


def test_no_filter_returns_a_copy_of_everything() -> None:
    data = etree.fromstring(DATA)
    out = apply_subtree_filter(data, None)
    assert out is not data
    assert etree.tostring(out) == etree.tostring(data)


def test_attribute_match_expression() -> None:
    data = etree.fromstring(
        '<data><if xmlns="urn:x" kind="eth"><n>a</n></if><if xmlns="urn:x" kind="lo"><n>b</n></if>'
        "</data>"
    )
    out = apply_subtree_filter(data, _flt('<if xmlns="urn:x" kind="lo"/>'))
    assert [e.findtext("{urn:x}n") for e in out] == ["b"]


def test_output_keeps_document_order_and_namespaces() -> None:
    data = etree.fromstring(DATA)
    out = apply_subtree_filter(
        data,
        _flt(f'<top xmlns="{T}"><groups/><users><user><name>barney</name></user></users></top>'),
    )
    top = out[0]
    assert top.tag == f"{{{T}}}top"
    assert [etree.QName(c).localname for c in top] == ["users", "groups"]


def test_matches_for_event_filters() -> None:
    note = etree.fromstring(
        '<notification><link-down xmlns="urn:x"><n>a</n></link-down></notification>'
    )
    assert matches(note, None)
    assert matches(note, _flt('<link-down xmlns="urn:x"/>'))
    assert not matches(note, _flt('<link-up xmlns="urn:x"/>'))
    assert not matches(note, _flt(""))
