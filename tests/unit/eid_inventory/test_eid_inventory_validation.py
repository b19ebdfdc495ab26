"""Every validation rule, table-driven: each case bends a valid inventory and
names the field and the words the problem must carry. All cases also check
that the site key never shows up in the error."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory import (
    InventoryError,
    Problem,
    parse_inventory,
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

Mutation = Callable[[dict[str, Any]], None]


def _set(path: str, value: Any) -> Mutation:
    """``sites.0.eids.0.prefix`` -> set that element to ``value``."""

    def mutate(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target: Any = data
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        target[int(last) if last.isdigit() else last] = value

    return mutate


def _delete(path: str) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target: Any = data
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        del target[last]

    return mutate


def _rename(path: str, new: str) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target: Any = data
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        target[new] = target.pop(last)

    return mutate


def _add_eid(site_index: int, prefix: str, **extra: Any) -> Mutation:
    return lambda d: d["sites"][site_index]["eids"].append({"prefix": prefix, **extra})


def _add_site(**kwargs: Any) -> Mutation:
    return lambda d: d["sites"].append(site(**kwargs))


# (id, mutation, field of the problem, words its message must contain)
CASES: list[tuple[str, Mutation, str, list[str]]] = [
    ("unknown top-level", _set("sitess", []), "sitess", ["unknown field 'sitess'", "'sites'"]),
    (
        "unknown nested",
        _rename("sites.0.eids.0.prefix", "prefx"),
        "sites[0].eids[0].prefx",
        ["unknown field 'prefx'", "did you mean 'prefix'", "known fields: prefix, instance_id"],
    ),
    (
        "unknown in netconf",
        _rename("map_servers.0.units.0.netconf.port", "prot"),
        "map_servers[0].units[0].netconf.prot",
        ["did you mean 'port'"],
    ),
    (
        "unknown ETR capability",
        _set("sites.0.etrs.0.supports", ["notify", "telepathy"]),
        "sites[0].etrs[0].supports",
        ["unknown capability telepathy", "valid: notify"],
    ),
    (
        "ETR capabilities not a list",
        _set("sites.0.etrs.0.supports", "notify"),
        "sites[0].etrs[0].supports",
        ["expected a list"],
    ),
    ("missing site_id", _delete("sites.1.site_id"), "sites[1].site_id", ["missing required field"]),
    ("missing prefix", _delete("sites.0.eids.0.prefix"), "sites[0].eids[0].prefix", ["missing"]),
    ("missing top-level", _delete("map_servers"), "map_servers", ["missing required field"]),
    (
        "missing netconf host",
        _delete("map_servers.0.units.0.netconf.host"),
        "map_servers[0].units[0].netconf.host",
        ["missing"],
    ),
    (
        "bad prefix",
        _set("sites.0.eids.0.prefix", "10.1.0.300/24"),
        "sites[0].eids[0].prefix",
        ["'10.1.0.300/24' is not an IP prefix"],
    ),
    (
        "bad prefix length",
        _set("sites.0.eids.0.prefix", "10.1.0.0/33"),
        "sites[0].eids[0].prefix",
        ["is not an IP prefix"],
    ),
    (
        "host bits",
        _set("sites.0.eids.0.prefix", "10.0.0.1/24"),
        "sites[0].eids[0].prefix",
        ["'10.0.0.1/24' has host bits set", "10.0.0.0/24"],
    ),
    (
        "host bits v6",
        _set("sites.0.eids.0.prefix", "2001:db8::1/64"),
        "sites[0].eids[0].prefix",
        ["has host bits set", "2001:db8::/64"],
    ),
    (
        "prefix is a list",
        _set("sites.0.eids.0.prefix", ["10.0.0.0/8"]),
        "sites[0].eids[0].prefix",
        ["expected a single value, got a list"],
    ),
    (
        "instance_id too big",
        _set("sites.0.eids.0.instance_id", 1 << 24),
        "sites[0].eids[0].instance_id",
        ["16777216 is outside 0..16777215"],
    ),
    (
        "instance_id negative",
        _set("sites.0.eids.0.instance_id", -1),
        "sites[0].eids[0].instance_id",
        ["-1 is outside 0..16777215"],
    ),
    (
        "instance_id text",
        _set("sites.0.eids.0.instance_id", "blue"),
        "sites[0].eids[0].instance_id",
        ["expected an integer", "got a string"],
    ),
    (
        "instance_id bool",
        _set("sites.0.eids.0.instance_id", True),
        "sites[0].eids[0].instance_id",
        ["expected an integer", "got a boolean"],
    ),
    (
        "duplicate EID in site",
        _add_eid(0, "10.1.0.0/24", instance_id=0),
        "sites[0].eids[1].prefix",
        ["duplicate EID [0]10.1.0.0/24 in site 'site-0001'", "first at sites[0].eids[0].prefix"],
    ),
    (
        "same EID in two sites",
        _add_eid(1, "10.1.0.0/24"),
        "sites[1].eids[1].prefix",
        ["is the same prefix as", "'site-0001'", "'site-0002'"],
    ),
    (
        "overlap across sites",
        _add_eid(1, "10.1.0.128/25"),
        "sites[1].eids[1].prefix",
        ["[0]10.1.0.128/25 of site 'site-0002' overlaps EID [0]10.1.0.0/24 of site 'site-0001'"],
    ),
    (
        "covering prefix across sites",
        _add_eid(1, "10.0.0.0/8"),
        "sites[0].eids[0].prefix",
        ["overlaps EID [0]10.0.0.0/8 of site 'site-0002'"],
    ),
    (
        "overlap v6",
        lambda d: (_add_eid(0, "2001:db8::/32")(d), _add_eid(1, "2001:db8:5::/48")(d)),
        "sites[1].eids[1].prefix",
        ["2001:db8:5::/48", "overlaps", "2001:db8::/32", "'site-0001'"],
    ),
    (
        "overlap in instance",
        lambda d: (
            _add_eid(0, "10.9.0.0/16", instance_id=7)(d),
            _add_eid(1, "10.9.9.0/24", instance_id=7)(d),
        ),
        "sites[1].eids[1].prefix",
        ["[7]10.9.9.0/24", "overlaps", "[7]10.9.0.0/16"],
    ),
    (
        "rloc not an address",
        _set("sites.0.etrs.0.rloc", "etr1.example"),
        "sites[0].etrs[0].rloc",
        ["'etr1.example' is not an IP address"],
    ),
    (
        "rloc is a prefix",
        _set("sites.0.etrs.0.rloc", "10.0.0.0/8"),
        "sites[0].etrs[0].rloc",
        ["is not an IP address"],
    ),
    (
        "duplicate site name",
        _add_site(name="site-0001", site_id=3, prefix="10.3.0.0/24", rloc="127.100.3.1"),
        "sites[2].name",
        ["duplicate site name 'site-0001'", "first at sites[0].name"],
    ),
    ("duplicate site_id", _set("sites.1.site_id", 1), "sites[1].site_id", ["duplicate site_id 1"]),
    (
        "duplicate ETR name",
        _set("sites.1.etrs.0.name", "site-0001-etr1"),
        "sites[1].etrs[0].name",
        ["duplicate ETR name 'site-0001-etr1'"],
    ),
    (
        "duplicate RLOC in site",
        lambda d: d["sites"][0]["etrs"].append({"name": "other", "rloc": "127.100.1.1"}),
        "sites[0].etrs[1].rloc",
        ["duplicate RLOC 127.100.1.1 in site 'site-0001'"],
    ),
    (
        "duplicate map-server",
        _set("map_servers.1.name", "ms1"),
        "map_servers[1].name",
        ["duplicate map-server name 'ms1'"],
    ),
    (
        "duplicate unit",
        _set("map_servers.1.units.0.name", "ms1-a"),
        "map_servers[1].units[0].name",
        ["duplicate unit name 'ms1-a'"],
    ),
    ("site without ETRs", _set("sites.0.etrs", []), "sites[0].etrs", ["at least one ETR"]),
    ("site without EIDs", _set("sites.0.eids", []), "sites[0].eids", ["at least one EID"]),
    (
        "eids not a list",
        _set("sites.0.eids", {"prefix": "10.1.0.0/24"}),
        "sites[0].eids",
        ["expected a list, got a mapping"],
    ),
    (
        "site not a mapping",
        _set("sites.1", "site-0002"),
        "sites[1]",
        ["expected a mapping, got a string"],
    ),
    ("missing key", _delete("sites.0.key"), "sites[0].key", ["missing required field"]),
    ("empty key", _set("sites.0.key", ""), "sites[0].key", ["must not be empty"]),
    ("null key", _set("sites.0.key", None), "sites[0].key", ["must not be empty"]),
    (
        "unknown algorithm",
        _set("sites.0.algorithm", "md5"),
        "sites[0].algorithm",
        ["unknown algorithm 'md5'", "valid: hmac-sha-1, hmac-sha-256"],
    ),
    (
        "algorithm none",
        _set("sites.0.algorithm", "none"),
        "sites[0].algorithm",
        ["'none' is not allowed", "hmac-sha-1, hmac-sha-256"],
    ),
    ("key_id too big", _set("sites.0.key_id", 256), "sites[0].key_id", ["256 is outside 0..255"]),
    ("key_id negative", _set("sites.0.key_id", -1), "sites[0].key_id", ["outside 0..255"]),
    ("site_id negative", _set("sites.0.site_id", -5), "sites[0].site_id", ["outside 0.."]),
    (
        "unknown map_server",
        _set("sites.1.map_server", "ms9"),
        "sites[1].map_server",
        ["unknown map_server 'ms9'", "known: ms1, ms2"],
    ),
    (
        "map_server typo",
        _set("sites.1.map_server", "ms-1"),
        "sites[1].map_server",
        ["did you mean 'ms1'"],
    ),
    (
        "port zero",
        _set("map_servers.0.units.0.netconf.port", 0),
        "map_servers[0].units[0].netconf.port",
        ["0 is outside 1..65535"],
    ),
    (
        "port too big",
        _set("sites.0.etrs.0.netconf.port", 70000),
        "sites[0].etrs[0].netconf.port",
        ["70000 is outside 1..65535"],
    ),
    (
        "lisp_address not an address",
        _set("map_servers.0.lisp_address", "ms1.example"),
        "map_servers[0].lisp_address",
        ["'ms1.example' is not an IP address"],
    ),
    (
        "map-server without units",
        _set("map_servers.1.units", []),
        "map_servers[1].units",
        ["at least one unit"],
    ),
    (
        "map-server units missing",
        _delete("map_servers.1.units"),
        "map_servers[1].units",
        ["missing required field"],
    ),
    ("empty name", _set("sites.0.name", ""), "sites[0].name", ["must not be empty"]),
]


def _problems(text: str, decrypt: Callable[[str], str] | None = None) -> list[Problem]:
    with pytest.raises(InventoryError) as caught:
        parse_inventory(text, "eids.yml", decrypt)
    error = caught.value
    assert KEY not in str(error)
    assert KEY not in repr(error.problems)
    assert str(error) == "\n".join(str(p) for p in error.problems)
    return error.problems


def _matching(problems: list[Problem], field: str, words: list[str]) -> list[Problem]:
    return [p for p in problems if p.field == field and all(w in p.message for w in words)]


@pytest.mark.parametrize(
    ("mutate", "field", "words"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_each_rule_reports_field_and_reason(mutate: Mutation, field: str, words: list[str]) -> None:
    data = base()
    mutate(data)
    problems = _problems(to_yaml(data))
    assert _matching(problems, field, words), "\n".join(map(str, problems))
    assert all(p.source == "eids.yml" and p.line > 0 for p in problems)


def test_base_inventory_is_valid() -> None:
    inventory = parse_inventory(to_yaml(base()), "eids.yml")
    assert [s.name for s in inventory.sites] == ["site-0001", "site-0002"]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("map_servers: [\n  - {name: ms1\n", ["not valid YAML"]),
        ("sites: {a: 1}\n  b: 2\n", ["not valid YAML"]),
        ("key: 'Zq9-sup3r-s3cret-key\n", ["not valid YAML"]),
        ("- map_servers\n- sites\n", ["expected a mapping, got a list"]),
        ("just text\n", ["expected a mapping, got a string"]),
        ("", ["the file is empty"]),
        ("# only a comment\n", ["the file is empty"]),
        ("---\na: 1\n---\nb: 2\n", ["not valid YAML"]),
    ],
    ids=[
        "unclosed",
        "bad indent",
        "unterminated quote",
        "list",
        "scalar",
        "empty",
        "comment",
        "two documents",
    ],
)
def test_not_an_inventory(text: str, words: list[str]) -> None:
    problems = _problems(text)
    assert len(problems) >= 1
    assert all(w in problems[0].message for w in words), problems


def test_duplicate_field_in_one_mapping() -> None:
    text = to_yaml(base()).replace("  site_id: 2\n", "  site_id: 2\n  site_id: 3\n")
    problems = _problems(text)
    assert _matching(problems, "sites[1].site_id", ["field given twice", "first at line"])


def test_all_problems_are_collected_in_line_order() -> None:
    data = base()
    for mutate in (
        _set("map_servers.0.lisp_address", "nowhere"),
        _set("sites.0.eids.0.prefix", "10.0.0.1/24"),
        _set("sites.1.key_id", 999),
        _set("sites.1.algorithm", "sha-512"),
        _add_eid(0, "10.2.0.128/25"),
    ):
        mutate(data)
    problems = _problems(to_yaml(data))
    assert len(problems) == 5
    assert [p.line for p in problems] == sorted(p.line for p in problems)


def test_problem_text_carries_file_line_and_field() -> None:
    text = """\
map_servers:
  - name: ms1
    lisp_address: 127.100.0.1
    units:
      - {name: ms1-a, netconf: {host: 127.100.0.2}}
sites:
  - name: site-0001
    site_id: 1
    map_server: ms1
    key_id: 0
    algorithm: hmac-sha-256
    key: "k1"
    etrs: [{name: e1, rloc: 127.100.1.1}]
    eids:
      - {prefix: 10.1.0.0/24}
      - prefix: 10.0.0.1/24
"""
    problems = _problems(text)
    assert [str(p) for p in problems] == [
        "eids.yml:16: sites[0].eids[1].prefix: '10.0.0.1/24' has host bits set "
        "(did you mean 10.0.0.0/24?)"
    ]


def test_missing_field_points_at_its_mapping() -> None:
    text = to_yaml(base())
    text = text.replace("  key_id: 0\n", "", 1)
    (problem,) = _problems(text)
    assert problem.field == "sites[0].key_id"
    # the line of the site mapping ("- name: site-0001")
    assert text.splitlines()[problem.line - 1].lstrip().startswith("- name: site-0001")


def test_unknown_field_without_a_close_name_lists_the_known_ones() -> None:
    data = base()
    data["sites"][0]["colour"] = "blue"
    problems = _problems(to_yaml(data))
    (problem,) = _matching(problems, "sites[0].colour", ["unknown field 'colour'"])
    assert "did you mean" not in problem.message
    assert "known fields: name, site_id, map_server" in problem.message


def test_same_prefix_in_another_instance_or_nested_in_one_site_is_fine() -> None:
    data = base()
    _add_eid(1, "10.1.0.0/24", instance_id=100)(data)
    _add_eid(0, "10.1.0.0/16")(data)  # an aggregate and its more-specific, same site
    inventory = parse_inventory(to_yaml(data), "eids.yml")
    assert inventory.counts()["eids"] == 4


def test_vault_value_without_a_decrypter_says_a_secret_is_needed() -> None:
    text = to_yaml(base()).replace(
        f"  key: {KEY}\n", "  key: " + vault_block(fake_vault(KEY), 4), 1
    )
    problems = _problems(text)
    (problem,) = problems
    assert problem.field == "sites[0].key"
    assert "vault secret is needed" in problem.message
    assert str(problem).startswith(f"eids.yml:{problem.line}: sites[0].key: ")
    assert parse_inventory(text, "eids.yml", fake_decrypt).sites[0].key.reveal() == KEY.encode()


def test_overlaps_among_many_eids_are_all_found() -> None:
    data = base()
    data["sites"][0]["eids"] = [{"prefix": f"10.{i // 256}.{i % 256}.0/24"} for i in range(5000)]
    data["sites"][1]["eids"] = [{"prefix": f"11.{i // 256}.{i % 256}.0/24"} for i in range(5000)]
    data["sites"][1]["eids"] += [{"prefix": "10.7.0.0/16"}, {"prefix": "10.19.3.0/24"}]
    problems = _problems(to_yaml(data))
    # 10.7.0.0/16 covers 256 of site-0001's /24s; 10.19.3.0/24 equals one of them.
    assert len(problems) == 257
    assert all("site-0001" in p.message and "site-0002" in p.message for p in problems)
