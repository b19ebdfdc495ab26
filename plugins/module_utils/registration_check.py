# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Is the Map-Server's registration table whole? A pure comparison of the
table (Registrations, full or brief) with the EID inventory of one map-server.

Per EID of the inventory: registered, missing (no record), rloc_mismatch (the
RLOCs of all its records differ from the site's ETR RLOCs). Per EID of the
table: unexpected (not in the inventory for this map-server) and stale (its
newest registration is older than ``stale_after``). Counts are exact, lists
are capped. One pass over each side with dict/set lookups: 50,000 EIDs take
well under a second.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory import (
    EidInventory,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.gc_pause import (
    collector_paused,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.types import (
    Eid,
    IPAddress,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.registered import (
    exact,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.registration import (
    AddressSets,
    Registration,
)

CATEGORIES = ("missing", "unexpected", "rloc_mismatch", "stale")
# What fail_on may name: the categories plus the number of sites with a missing EID.
THRESHOLDS = (*CATEGORIES, "missing_sites")
DEFAULT_MAX_LIST = 100
NAMES_IN_MESSAGE = 5


@dataclass
class _Capped:
    """A list that keeps the first ``limit`` items and counts them all."""

    limit: int
    items: list[dict[str, Any]] = field(default_factory=list)
    count: int = 0

    def add(self, item: dict[str, Any]) -> None:
        self.count += 1
        if len(self.items) < self.limit:
            self.items.append(item)


@dataclass
class _Seen:
    """All records of one EID, folded."""

    site: str
    rlocs: frozenset[IPAddress]
    last: datetime


@dataclass(frozen=True)
class RegistrationReport:
    map_server: str
    expected: int
    registered: int
    counts: dict[str, int]
    lists: dict[str, list[dict[str, Any]]]
    missing_sites: list[dict[str, Any]]
    truncated: bool

    @property
    def complete(self) -> bool:
        """Every expected EID is registered, each with the site's ETR RLOCs.
        Unexpected and stale entries do not make a table incomplete."""
        return self.counts["missing"] == 0 and self.counts["rloc_mismatch"] == 0

    def as_result(self) -> dict[str, Any]:
        return {
            "map_server": self.map_server,
            "complete": self.complete,
            "expected": self.expected,
            "registered": self.registered,
            # The totals also sit in counts, so that one dict carries the whole tally
            # (the recovery report and CI checks read it from there).
            "counts": {"expected": self.expected, "registered": self.registered, **self.counts},
            **{name: list(items) for name, items in self.lists.items()},
            "missing_sites": [dict(item) for item in self.missing_sites],
            "truncated": self.truncated,
        }


def _eid_fields(eid: Eid) -> dict[str, Any]:
    return {"eid": str(eid.prefix), "instance_id": eid.instance_id}


def _fold(registrations: Iterable[Registration]) -> dict[Eid, _Seen]:
    # One EID may be registered by several xTRs of a site: its RLOC set is the
    # union, its age that of the newest registration.
    table: dict[Eid, _Seen] = {}
    addresses = AddressSets()
    for record in registrations:
        seen = table.get(record.eid)
        if seen is None:
            table[record.eid] = _Seen(record.site, addresses(record), record.last_registered)
        else:
            seen.rlocs = seen.rlocs | addresses(record)
            if record.last_registered > seen.last:
                seen.last = record.last_registered
    return table


def _sorted_addresses(addresses: Iterable[IPAddress]) -> list[str]:
    return [str(a) for a in sorted(addresses, key=lambda a: (a.version, int(a)))]


def check_registrations(
    registrations: Iterable[Registration],
    inventory: EidInventory,
    map_server: str,
    *,
    now: datetime,
    stale_after: float | None = None,
    max_list: int = DEFAULT_MAX_LIST,
) -> RegistrationReport:
    """Compare the table with the inventory's sites of ``map_server``.

    ``stale_after`` in seconds (None: nothing is stale); ``now`` must be
    timezone-aware like the registration times.
    """
    with collector_paused():
        return _check(registrations, inventory, map_server, now, stale_after, max_list)


def _check(
    registrations: Iterable[Registration],
    inventory: EidInventory,
    map_server: str,
    now: datetime,
    stale_after: float | None,
    max_list: int,
) -> RegistrationReport:
    table = _fold(registrations)
    lists = {name: _Capped(max_list) for name in CATEGORIES}
    missing_sites = _Capped(max_list)
    expected = registered = 0
    expected_eids: set[Eid] = set()

    for site in inventory.sites_of(map_server):
        rlocs = site.rlocs
        site_missing = 0
        for eid in site.eids:
            expected += 1
            expected_eids.add(eid)
            seen = table.get(eid)
            if seen is None:
                site_missing += 1
                lists["missing"].add({"site": site.name, **_eid_fields(eid)})
                continue
            registered += 1
            if not exact(seen.rlocs, rlocs):
                lists["rloc_mismatch"].add(
                    {
                        "site": site.name,
                        **_eid_fields(eid),
                        "expected_rlocs": _sorted_addresses(rlocs),
                        "registered_rlocs": _sorted_addresses(seen.rlocs),
                    }
                )
        if site_missing:
            missing_sites.add({"site": site.name, "missing": site_missing})

    for eid, seen in table.items():
        if eid not in expected_eids:
            lists["unexpected"].add(
                {"site": seen.site, **_eid_fields(eid), "rlocs": _sorted_addresses(seen.rlocs)}
            )
        if stale_after is not None:
            age = (now - seen.last).total_seconds()
            if age > stale_after:
                lists["stale"].add(
                    {
                        "site": seen.site,
                        **_eid_fields(eid),
                        "last_registered": seen.last.isoformat(),
                        "age": round(age, 1),
                    }
                )

    counts = {name: capped.count for name, capped in lists.items()}
    counts["missing_sites"] = missing_sites.count
    return RegistrationReport(
        map_server=map_server,
        expected=expected,
        registered=registered,
        counts=counts,
        lists={name: capped.items for name, capped in lists.items()},
        missing_sites=missing_sites.items,
        truncated=any(c.count > len(c.items) for c in (*lists.values(), missing_sites)),
    )


def threshold_failures(report: RegistrationReport, fail_on: Mapping[str, int]) -> list[str]:
    """One line per exceeded threshold, naming the first few EIDs or sites.

    ``fail_on`` maps a name of THRESHOLDS to the largest acceptable count.
    """
    unknown = sorted(set(fail_on) - set(THRESHOLDS))
    if unknown:
        raise ValueError(
            f"fail_on: unknown key{'s' if len(unknown) > 1 else ''} {', '.join(unknown)};"
            f" valid: {', '.join(THRESHOLDS)}"
        )
    lines = []
    for name in THRESHOLDS:
        if name not in fail_on:
            continue
        limit, count = fail_on[name], report.counts[name]
        if count > limit:
            lines.append(f"{name} {count} > {limit}: {_examples(report, name, count)}")
    return lines


def _examples(report: RegistrationReport, name: str, count: int) -> str:
    if name == "missing_sites":
        shown = [
            f"{item['site']} ({item['missing']} EIDs)"
            for item in report.missing_sites[:NAMES_IN_MESSAGE]
        ]
    else:
        shown = [
            f"{item['site']} [{item['instance_id']}]{item['eid']}"
            for item in report.lists[name][:NAMES_IN_MESSAGE]
        ]
    more = count - len(shown)
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")


def failure_message(report: RegistrationReport, lines: list[str], unit: str | None) -> str:
    where = f"{report.map_server}" + (f" (unit {unit})" if unit else "")
    return (
        f"registration table of {where} fails the fail_on thresholds"
        f" ({report.registered}/{report.expected} expected EIDs registered): " + "; ".join(lines)
    )
