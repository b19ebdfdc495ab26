"""edit-config walking: which (path, operation, element) a backend is asked to apply."""

from __future__ import annotations

import pytest
from lxml import etree

from ansible_collections.lispnet.ms_recovery.lab.netconf import RpcError, iter_edits

NC = "urn:ietf:params:xml:ns:netconf:base:1.0"
X = "urn:x"


def _config(inner: str) -> etree._Element:
    return etree.fromstring(
        f'<config xmlns="{NC}" xmlns:nc="{NC}"><top xmlns="{X}">{inner}</top></config>'
    )


def _summary(config: etree._Element, default: str = "merge") -> list[tuple[str, str, str]]:
    return [
        ("/".join(etree.QName(t).localname for t in e.path), e.operation, (e.element.text or ""))
        for e in iter_edits(config, default)
    ]


def test_default_merge_yields_leaves() -> None:
    cfg = _config("<if><name>a</name><mtu>1500</mtu></if><empty/>")
    assert _summary(cfg) == [
        ("top/if/name", "merge", "a"),
        ("top/if/mtu", "merge", "1500"),
        ("top/empty", "merge", ""),
    ]


def test_explicit_operations_stop_the_walk_except_merge() -> None:
    cfg = _config(
        '<if nc:operation="replace"><name>a</name><mtu>9000</mtu></if>'
        '<if nc:operation="delete"><name>b</name></if>'
        '<if operation="create"><name>c</name></if>'
        '<grp nc:operation="merge"><m>1</m><sub nc:operation="remove"/></grp>'
    )
    assert _summary(cfg) == [
        ("top/if", "replace", ""),
        ("top/if", "delete", ""),
        ("top/if", "create", ""),
        ("top/grp/m", "merge", "1"),
        ("top/grp/sub", "remove", ""),
    ]


def test_default_none_yields_only_explicit_operations() -> None:
    cfg = _config('<if><name>a</name><mtu nc:operation="delete"/></if>')
    edits = list(iter_edits(cfg, "none"))
    assert [(e.operation, etree.QName(e.element).localname) for e in edits] == [("delete", "mtu")]
    # ancestors carry the list keys the backend needs to find the entry
    assert [etree.QName(a).localname for a in edits[0].ancestors] == ["top", "if"]
    assert edits[0].ancestors[-1].findtext(f"{{{X}}}name") == "a"


def test_default_replace_replaces_the_datastore() -> None:
    cfg = _config("<if><name>a</name></if>")
    (edit,) = iter_edits(cfg, "replace")
    assert edit.path == () and edit.operation == "replace" and edit.element is cfg


def test_bad_operation_and_default() -> None:
    with pytest.raises(RpcError) as err:
        list(iter_edits(_config('<if nc:operation="zap"/>')))
    assert err.value.tag == "bad-attribute"
    assert err.value.error_type == "protocol"
    with pytest.raises(RpcError) as err:
        list(iter_edits(_config(""), "zap"))
    assert err.value.tag == "invalid-value"
