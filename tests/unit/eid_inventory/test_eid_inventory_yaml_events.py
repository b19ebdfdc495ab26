"""yaml_events.py: the inventory composed from the YAML event stream, the
long lists one item at a time, with what ``yaml.compose`` would have given."""

from __future__ import annotations

import gc

import pytest
import yaml

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory import (
    InventoryError,
    parse_inventory,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory.yaml_events import (
    EventComposer,
    Mapping,
    Node,
    Scalar,
    Sequence,
)
from ansible_collections.lispnet.ms_recovery.tests.unit.eid_inventory.eid_inventory_builders import (  # noqa: E501
    KEY,
    base,
    fake_decrypt,
    fake_vault,
    site,
    to_yaml,
    vault_block,
)

# Scalars of every kind the resolver tells apart, styles, tags, anchors and
# aliases, a merge key, flow and block collections, an empty value.
_VARIED = """\
%YAML 1.1
---
plain: [text, 12, 0x1f, 1_000, 1:2:3, 1.5, .inf, yes, No, ~, null, 2001-12-14, '']
quoted: ['12', "yes", "1:2:3"]
blocks:
  literal: |
    two
    lines
  folded: >-
    one
    line
tagged: [!vault 'x', !!str 12, !!int "7", !custom {a: 1}, ! 12]
base: &base {host: 127.0.0.1, port: 830}
copy: *base
merged:
  <<: *base
  port: 831
seq: &items
  - a
  - [b, *items]
empty:
? complex key
: value
1: numeric key
"""


def _same(ours: Node, theirs: yaml.Node, seen: dict[int, int]) -> None:
    # An alias is the very node its anchor made, in both.
    if id(theirs) in seen:
        assert seen[id(theirs)] == id(ours)
        return
    seen[id(theirs)] = id(ours)
    assert (ours.tag, ours.line) == (theirs.tag, theirs.start_mark.line + 1)
    if isinstance(theirs, yaml.ScalarNode):
        assert isinstance(ours, Scalar) and ours.value == theirs.value
    elif isinstance(theirs, yaml.SequenceNode):
        assert isinstance(ours, Sequence) and len(ours.value) == len(theirs.value)
        for mine, other in zip(ours.value, theirs.value, strict=True):
            _same(mine, other, seen)
    else:
        assert isinstance(ours, Mapping) and len(ours.value) == len(theirs.value)
        for (key, value), (other_key, other_value) in zip(ours.value, theirs.value, strict=True):
            _same(key, other_key, seen)
            _same(value, other_value, seen)


@pytest.mark.parametrize("text", [_VARIED, to_yaml(base()), "just text\n", "- [a, b]\n"])
def test_composes_what_yaml_compose_does(text: str) -> None:
    with EventComposer(text) as events:
        assert events.start_document()
        ours = events.node()
        events.end_document()
    _same(ours, yaml.compose(text, Loader=yaml.SafeLoader), {})


def test_streamed_top_level_reads_as_composed() -> None:
    text = _VARIED.replace("%YAML 1.1\n---\n", "")
    with EventComposer(text) as events:
        assert events.start_document() and events.at_streamable(Mapping)
        line = events.enter()
        pairs = []
        while not events.at_end():
            key = events.node()
            pairs.append((key, events.node()))
        events.leave()
        events.end_document()
    _same(Mapping("tag:yaml.org,2002:map", pairs, line), yaml.compose(text), {})


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("a: *nowhere\n", "found undefined alias"),
        ("a: &x 1\nb: &x 2\n", "found duplicate anchor"),
        ("a: 1\n---\nb: 2\n", "expected a single document"),
    ],
)
def test_composition_errors_are_pyyamls(text: str, words: str) -> None:
    with pytest.raises(yaml.YAMLError) as ours, EventComposer(text) as events:
        events.start_document()
        events.node()
        events.end_document()
    with pytest.raises(yaml.YAMLError) as theirs:
        yaml.compose(text, Loader=yaml.SafeLoader)
    assert words in str(ours.value) and words in str(theirs.value)
    assert type(ours.value) is type(theirs.value)


def _live_nodes() -> int:
    return sum(1 for o in gc.get_objects() if isinstance(o, (Scalar, Sequence, Mapping, yaml.Node)))


def test_sites_are_read_one_at_a_time() -> None:
    """Nodes of sites already read are gone while later ones are read: the
    memory of a 10,000-site inventory is one site's, not all of theirs."""
    data = base()
    data["sites"] = [
        site(f"site-{i:04d}", i + 1, f"10.1.{i}.0/24", f"127.101.1.{i}") for i in range(250)
    ]
    text = to_yaml(data).replace(f"  key: {KEY}\n", "  key: " + vault_block(fake_vault(KEY), 4))
    live: list[int] = []

    def decrypt(ciphertext: str) -> str:
        # Called while each site is read; count at the last one.
        live.append(_live_nodes() if len(live) == 249 else 0)
        return fake_decrypt(ciphertext)

    inventory = parse_inventory(text, "eids.yml", decrypt)
    assert len(inventory.sites) == 250 and len(live) == 250
    # One site is ~30 nodes, all 250 would be ~7,500.
    assert live[-1] < 500, live[-1]


def _problems(text: str) -> list[str]:
    with pytest.raises(InventoryError) as caught:
        parse_inventory(text, "eids.yml")
    return [str(p) for p in caught.value.problems]


def test_sites_before_map_servers_and_shared_anchors() -> None:
    text = """\
sites:
  - name: s1
    site_id: 1
    map_server: ms1
    key_id: 0
    algorithm: hmac-sha-256
    key: k-0123456789abcdef
    etrs: [{name: e1, rloc: 127.0.0.11, netconf: &nc {host: 127.0.0.10, port: 8830}}]
    eids: [{prefix: 10.1.0.0/24}]
  - name: s2
    site_id: 2
    map_server: ms1
    key_id: 0
    algorithm: hmac-sha-256
    key: k-0123456789abcdeg
    etrs: [{name: e2, rloc: 127.0.0.12, netconf: *nc}]
    eids: [{prefix: 10.2.0.0/24}]
map_servers:
  - {name: ms1, lisp_address: 127.0.0.1, units: [{name: u1, netconf: *nc}]}
"""
    inventory = parse_inventory(text, "eids.yml")
    assert [s.name for s in inventory.sites] == ["s1", "s2"]
    assert inventory.sites[1].etrs[0].netconf == inventory.map_servers[0].units[0].netconf


def test_a_sites_list_with_an_anchor_is_read_whole_and_the_same() -> None:
    text = to_yaml(base())
    anchored = text.replace("sites:\n", "sites: &all\n", 1)
    assert anchored != text
    assert parse_inventory(anchored, "eids.yml") == parse_inventory(text, "eids.yml")


def test_a_repeated_sites_field_reads_only_the_first() -> None:
    text = to_yaml(base())
    first = text.splitlines().index("sites:") + 2  # its list starts on the next line
    repeated = len(text.splitlines()) + 1
    problems = _problems(text + "sites:\n- {name: x}\n")
    assert problems == [f"eids.yml:{repeated}: sites: field given twice (first at line {first})"]


def test_a_yaml_error_after_read_sites_is_the_only_problem() -> None:
    data = base()
    data["sites"][0]["key_id"] = 999  # a problem in an item read before the error
    text = to_yaml(data) + "  - {name: broken\n"
    (problem,) = _problems(text)
    assert "not valid YAML" in problem


@pytest.mark.parametrize("where", ["top", "site"])
def test_a_collection_tagged_as_text_is_not_a_field_name(where: str) -> None:
    text = to_yaml(base())
    if where == "top":
        text += "!!str [a]: 1\n"
    else:
        text = text.replace("  site_id: 2\n", "  site_id: 2\n  !!str {a: 1}: 1\n")
    (problem,) = _problems(text)
    assert "field names must be plain text, got a " in problem
