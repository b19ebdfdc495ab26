# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Checks that span more than one entry: unique names and ids, references,
and EID prefixes that two sites would both claim.

They run on plain :class:`Facts` rather than on the model so that the loader
can check whatever it managed to parse (a site with one bad field still has
EIDs worth checking) and so that an inventory built in code, e.g. a snapshot
read back from a Map-Server, goes through exactly the same rules.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory.errors import (
    Problem,
    describe_choices,
    suggest,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory.model import (
    EidInventory,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.gc_pause import (
    collector_paused,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.auth import Algorithm
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.types import (
    Eid,
    IPAddress,
)


@dataclass(frozen=True, slots=True)  # one per name, id, RLOC and EID: 100,000s
class Where:
    """Field path and 1-based line (0 when not read from a file)."""

    path: str
    line: int = 0

    def __str__(self) -> str:
        return f"{self.path}, line {self.line}" if self.line else self.path


@dataclass
class Facts:
    """Everything the cross-entry checks look at, each with where it came from."""

    map_servers: list[tuple[str, Where]] = field(default_factory=list)
    units: list[tuple[str, Where]] = field(default_factory=list)
    sites: list[tuple[str, Where]] = field(default_factory=list)
    site_ids: list[tuple[int, Where]] = field(default_factory=list)
    etrs: list[tuple[str, Where]] = field(default_factory=list)
    # (site name, rloc) so that duplicates are per site: one router may
    # legitimately be the ETR of several sites.
    rlocs: list[tuple[tuple[str, IPAddress], Where]] = field(default_factory=list)
    eids: list[tuple[Eid, str, Where]] = field(default_factory=list)
    map_server_refs: list[tuple[str, Where]] = field(default_factory=list)


def cross_check(source: str, facts: Facts) -> list[Problem]:
    problems: list[Problem] = []
    problems += duplicates(source, facts.map_servers, lambda v: f"duplicate map-server name {v!r}")
    problems += duplicates(source, facts.units, lambda v: f"duplicate unit name {v!r}")
    problems += duplicates(source, facts.sites, lambda v: f"duplicate site name {v!r}")
    problems += duplicates(source, facts.site_ids, lambda v: f"duplicate site_id {v}")
    problems += duplicates(source, facts.etrs, lambda v: f"duplicate ETR name {v!r}")
    problems += duplicates(source, facts.rlocs, lambda v: f"duplicate RLOC {v[1]} in site {v[0]!r}")
    problems += duplicates(
        source,
        (((site, eid), where) for eid, site, where in facts.eids),
        lambda v: f"duplicate EID {v[1]} in site {v[0]!r}",
    )
    problems += eid_conflicts(source, facts.eids)
    known = sorted({name for name, _facts in facts.map_servers})
    for name, where in facts.map_server_refs:
        if name not in known:
            hint = suggest(name, known)
            problems.append(
                Problem(
                    source,
                    where.line,
                    where.path,
                    f"unknown map_server {name!r}"
                    + (f" (did you mean {hint!r}?)" if hint else "")
                    + (f"; {describe_choices(known)}" if known else "; no map_servers defined"),
                )
            )
    return problems


def duplicates(
    source: str, items: Iterable[tuple[Hashable, Where]], describe: Callable[[Any], str]
) -> list[Problem]:
    """A problem for every repeat of a value, pointing back to its first use."""
    first: dict[Hashable, Where] = {}
    problems = []
    for value, where in items:
        seen = first.setdefault(value, where)
        if seen is not where:
            message = describe(value)
            problems.append(Problem(source, where.line, where.path, f"{message} (first at {seen})"))
    return problems


@dataclass
class _Open:
    """A prefix on the sweep stack, with its nearest enclosing prefix that
    belongs to another site (inherited through same-site nesting)."""

    group: tuple[int, int]
    last: int
    eid: Eid
    site: str
    where: Where
    foreign: _Open | None


def eid_conflicts(source: str, eids: Iterable[tuple[Eid, str, Where]]) -> list[Problem]:
    """EIDs of one instance-id that two sites would both claim: equal prefixes
    or one inside the other. An MS would give the more-specific to one site
    and the rest of the covering prefix to the other, which is rarely meant.

    Prefixes are either nested or disjoint, so after sorting by (start,
    length) a stack of the currently open prefixes finds every conflict with
    the nearest foreign ancestor in O(n log n), instead of comparing pairs.
    Nesting inside one site (an aggregate and a more-specific) is allowed.
    """
    eids = list(eids)
    # (group, start, length, index) only, the rest looked up by index: at
    # 50,000 EIDs every field more per entry is megabytes more at once.
    entries = []
    groups: dict[tuple[int, int], tuple[int, int]] = {}  # one tuple per group, not per EID
    for index, (eid, _site, _where) in enumerate(eids):
        net = eid.prefix
        key: tuple[int, int] = (eid.instance_id, net.version)
        entries.append(
            (groups.setdefault(key, key), int(net.network_address), net.prefixlen, index)
        )
    # The index is unique, so the sort never compares further (and needs no
    # key tuples).
    entries.sort()

    problems = []
    stack: list[_Open] = []
    for group, start, length, index in entries:
        eid, site, where = eids[index]
        last = start | ((1 << (eid.prefix.max_prefixlen - length)) - 1)
        while stack and (stack[-1].group != group or stack[-1].last < start):
            stack.pop()
        parent = stack[-1] if stack else None
        foreign = None if parent is None else parent if parent.site != site else parent.foreign
        if foreign is not None:
            relation = "is the same prefix as" if foreign.eid == eid else "overlaps"
            problems.append(
                Problem(
                    source,
                    where.line,
                    where.path,
                    f"EID {eid} of site {site!r} {relation} EID {foreign.eid} of site "
                    f"{foreign.site!r} (at {foreign.where})",
                )
            )
        stack.append(_Open(group, last, eid, site, where, foreign))
    return problems


def facts_of(inventory: EidInventory) -> Facts:
    """The facts of an inventory built in code; paths by index, no lines."""
    facts = Facts()
    for i, ms in enumerate(inventory.map_servers):
        facts.map_servers.append((ms.name, Where(f"map_servers[{i}].name")))
        for j, unit in enumerate(ms.units):
            facts.units.append((unit.name, Where(f"map_servers[{i}].units[{j}].name")))
    for i, site in enumerate(inventory.sites):
        at = f"sites[{i}]"
        facts.sites.append((site.name, Where(f"{at}.name")))
        facts.site_ids.append((site.site_id, Where(f"{at}.site_id")))
        for j, name in enumerate(site.map_servers):
            facts.map_server_refs.append((name, Where(f"{at}.map_servers[{j}]")))
        for j, etr in enumerate(site.etrs):
            facts.etrs.append((etr.name, Where(f"{at}.etrs[{j}].name")))
            facts.rlocs.append(((site.name, etr.rloc), Where(f"{at}.etrs[{j}].rloc")))
        for j, eid in enumerate(site.eids):
            facts.eids.append((eid, site.name, Where(f"{at}.eids[{j}]")))
    return facts


def check_inventory(inventory: EidInventory) -> list[Problem]:
    """The loader's rules that a model built in code can still break: unique
    names and ids, known map-servers, no EID claimed twice, nothing empty.
    (Field formats are guaranteed by the types and not re-checked.)"""
    source = inventory.source
    with collector_paused():
        problems = cross_check(source, facts_of(inventory))
    for i, ms in enumerate(inventory.map_servers):
        if not ms.units:
            problems.append(
                Problem(
                    source, 0, f"map_servers[{i}].units", "a map-server needs at least one unit"
                )
            )
    for i, site in enumerate(inventory.sites):
        if not site.etrs:
            problems.append(Problem(source, 0, f"sites[{i}].etrs", "a site needs at least one ETR"))
        if not site.eids:
            problems.append(Problem(source, 0, f"sites[{i}].eids", "a site needs at least one EID"))
        if not site.map_servers:
            problems.append(
                Problem(
                    source, 0, f"sites[{i}].map_servers", "a site needs at least one map-server"
                )
            )
        if len(set(site.map_servers)) != len(site.map_servers):
            problems.append(
                Problem(source, 0, f"sites[{i}].map_servers", "a map-server is listed twice")
            )
        if site.algorithm == Algorithm.NONE:
            problems.append(
                Problem(
                    source, 0, f"sites[{i}].algorithm", "algorithm 'none' is not allowed for a site"
                )
            )
        if not site.key:
            problems.append(Problem(source, 0, f"sites[{i}].key", "must not be empty"))
    return problems
