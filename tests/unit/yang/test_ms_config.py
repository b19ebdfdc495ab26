"""Reading edit-config requests for the Map-Server's stored sites."""

from __future__ import annotations

import ipaddress

import pytest
from lxml import etree

from ansible_collections.lispnet.ms_recovery.lab.yang.ms_config import (
    ConfigError,
    EidEdit,
    EtrEdit,
    SiteEdit,
    parse_site_edits,
    stored_sites_config,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.types import Eid
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.ietf.namespaces import (
    LMR,
    MS,
    NC,
    RT,
)

FULL_SITE = (
    "<site><name>s1</name><site-id>7</site-id><auth-key-id>1</auth-key-id>"
    "<auth-algorithm>hmac-sha-256</auth-algorithm><auth-key-value>k3y</auth-key-value>"
    "<etrs><etr><name>e1</name><rloc>127.1.1.1</rloc></etr></etrs>"
    "<eids><eid><eid-id>[0]10.9.0.0/24</eid-id><instance-id>0</instance-id>"
    "<prefix>10.9.0.0/24</prefix></eid>"
    "<eid><eid-id>[7]2001:db8:9::/48</eid-id></eid></eids></site>"
)


def _parse(sites_xml: str, default: str = "merge") -> list[SiteEdit]:
    return parse_site_edits(etree.fromstring(stored_sites_config(sites_xml)), default)


def _error(sites_xml: str, default: str = "merge") -> ConfigError:
    with pytest.raises(ConfigError) as info:
        _parse(sites_xml, default)
    return info.value


def test_a_full_site_is_read_with_typed_values() -> None:
    (site,) = _parse(FULL_SITE)
    assert site == SiteEdit(
        name="s1",
        operation="merge",
        site_id=7,
        key_id=1,
        algorithm="hmac-sha-256",
        key="k3y",
        etrs_operation="merge",
        etrs=(EtrEdit("e1", "merge", ipaddress.ip_address("127.1.1.1")),),
        eids_operation="merge",
        eids=(
            EidEdit(Eid.parse("[0]10.9.0.0/24"), "merge"),
            EidEdit(Eid.parse("[7]2001:db8:9::/48"), "merge"),
        ),
    )
    assert "k3y" not in repr(site)  # the key never reaches a log through repr


@pytest.mark.parametrize(
    ("default", "attrs", "expected"),
    [
        ("merge", "", "merge"),
        ("replace", "", "replace"),
        ("none", "", "none"),
        ("none", ' nc:operation="create"', "create"),
        ("merge", ' operation="delete"', "delete"),  # unqualified, as vendors write it
    ],
)
def test_site_operation_is_its_own_else_the_default(
    default: str, attrs: str, expected: str
) -> None:
    (site,) = _parse(f"<site{attrs}><name>s1</name></site>", default)
    assert site.operation == expected


def test_site_inherits_the_nearest_ancestor_operation() -> None:
    config = stored_sites_config("<site><name>a</name></site>").replace(
        "<stored-sites>", '<stored-sites nc:operation="remove">'
    )
    (site,) = parse_site_edits(etree.fromstring(config), "merge")
    assert site.operation == "remove"


def test_nested_operations_and_none_leave_unwritten_leaves_out() -> None:
    (site,) = _parse(
        "<site><name>s1</name><site-id>9</site-id>"
        '<etrs><etr nc:operation="delete"><name>e1</name></etr>'
        "<etr><name>e2</name><rloc>::1</rloc></etr></etrs>"
        '<eids nc:operation="replace"><eid><eid-id>[0]10.0.0.0/8</eid-id></eid></eids></site>',
        "none",
    )
    assert site.operation == "none" and site.site_id is None  # none writes no leaf
    assert site.etrs == (EtrEdit("e1", "delete"), EtrEdit("e2", "none"))
    assert site.eids_operation == "replace"
    assert site.eids == (EidEdit(Eid.parse("[0]10.0.0.0/8"), "replace"),)


def test_deleted_site_needs_only_its_name() -> None:
    (site,) = _parse('<site nc:operation="delete"><name>s1</name><bogus/></site>')
    assert site == SiteEdit(name="s1", operation="delete")


@pytest.mark.parametrize(
    ("sites_xml", "tag", "words"),
    [
        ("<site><name>s1</name><colour>red</colour></site>", "unknown-element", "colour"),
        (
            "<site><name>s1</name><etrs><etr><name>e</name><last-notify-result>x"
            "</last-notify-result></etr></etrs></site>",
            "unknown-element",
            "last-notify-result",
        ),
        ("<site><name>s1</name><eids><junk/></eids></site>", "unknown-element", "junk"),
        ("<site><site-id>1</site-id></site>", "missing-element", "name"),
        ("<site><name>s1</name><site-id>-1</site-id></site>", "invalid-value", "site-id"),
        ("<site><name>s1</name><auth-key-id>256</auth-key-id></site>", "invalid-value", "key-id"),
        (
            "<site><name>s1</name><eids><eid><eid-id>[0]10.0.0.1/24</eid-id></eid></eids></site>",
            "invalid-value",
            "[0]10.0.0.1/24",
        ),
        (
            "<site><name>s1</name><eids><eid><eid-id>10.0.0.0/24</eid-id></eid></eids></site>",
            "invalid-value",
            "[instance-id]prefix",
        ),
        (
            "<site><name>s1</name><eids><eid><eid-id>[0]10.0.0.0/24</eid-id>"
            "<instance-id>3</instance-id><prefix>10.0.0.0/24</prefix></eid></eids></site>",
            "invalid-value",
            "the key says",
        ),
        (
            "<site><name>s1</name><etrs><etr><name>e</name><rloc>nope</rloc></etr></etrs></site>",
            "invalid-value",
            "nope",
        ),
        (
            '<site><name>s1</name><site-id nc:operation="delete"/></site>',
            "operation-not-supported",
            "mandatory",
        ),
        ('<site nc:operation="frobnicate"><name>s1</name></site>', "bad-attribute", "frobnicate"),
    ],
)
def test_bad_sites_are_refused_with_the_right_tag(sites_xml: str, tag: str, words: str) -> None:
    error = _error(sites_xml)
    assert error.tag == tag
    assert words in error.message
    assert "s1" in error.message or tag in ("missing-element", "bad-attribute")


def test_other_paths_are_not_writable() -> None:
    config = etree.fromstring(
        f'<config xmlns="{NC}"><interfaces xmlns="urn:ietf:params:xml:ns:yang:ietf-interfaces"/>'
        "</config>"
    )
    with pytest.raises(ConfigError) as info:
        parse_site_edits(config)
    assert info.value.tag == "operation-not-supported"
    assert "interfaces" in info.value.message

    sites = stored_sites_config("").replace(
        f'<ms-recovery xmlns="{LMR}">', f'<sites xmlns="{MS}"/><ms-recovery xmlns="{LMR}">'
    )
    with pytest.raises(ConfigError) as info:
        parse_site_edits(etree.fromstring(sites))
    assert info.value.tag == "operation-not-supported"
    assert "lisp-ms:map-server/lisp-ms:sites" in info.value.message


def test_whole_subtree_operations_and_other_instances_are_refused() -> None:
    whole = stored_sites_config("").replace(
        "<stored-sites>", '<stored-sites nc:operation="delete">'
    )
    with pytest.raises(ConfigError, match="name the sites"):
        parse_site_edits(etree.fromstring(whole))
    other = stored_sites_config("<site><name>a</name></site>", protocol_name="other")
    with pytest.raises(ConfigError, match="other"):
        parse_site_edits(etree.fromstring(other))


def test_an_empty_merge_is_nothing_to_do() -> None:
    assert parse_site_edits(etree.fromstring(stored_sites_config(""))) == []
    empty_routing = etree.fromstring(f'<config xmlns="{NC}"><routing xmlns="{RT}"/></config>')
    assert parse_site_edits(empty_routing) == []
