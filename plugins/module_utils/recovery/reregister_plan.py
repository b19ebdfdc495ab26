# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which sites a re-registration run targets, and how whole the table is.

Pure functions over the EID inventory and the Map-Server's registration table,
so that target selection (``only_missing``), the check-mode plan and the
completeness test are unit-tested without a router.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory import (
    EidInventory,
    Site,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory.model import (
    eid_sort_key,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.types import (
    Eid,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.registered import (
    RegisteredTable,
    whole,
)

# A result must stay readable for a table of 50,000 EIDs.
MAX_LISTED_MISSING = 100


def is_registered(site: Site, eid: Eid, table: RegisteredTable) -> bool:
    """Recovery waits for ``whole`` (model/registered.py)."""
    return whole(table.get(eid), site.rlocs)


def missing_eids(site: Site, table: RegisteredTable) -> list[Eid]:
    return [eid for eid in site.eids if not is_registered(site, eid, table)]


def default_map_server(inventory: EidInventory, name: str | None) -> str:
    if name:
        inventory.map_server(name)  # an unknown name fails with the known ones listed
        return name
    if len(inventory.map_servers) != 1:
        known = ", ".join(ms.name for ms in inventory.map_servers)
        raise ValueError(f"the EID inventory has several map-servers ({known}): set map_server")
    return inventory.map_servers[0].name


def select_sites(
    inventory: EidInventory, map_server: str, names: Sequence[str] | None
) -> tuple[Site, ...]:
    """The named sites (all sites of ``map_server`` when none are named).

    Naming a site of another Map-Server is an error rather than a silent
    no-op: its ETRs would re-register somewhere this run does not watch.
    """
    if not names:
        return inventory.sites_of(map_server)
    sites = inventory.select_sites(names)
    foreign = [s.name for s in sites if not s.registers_to(map_server)]
    if foreign:
        raise ValueError(
            f"site(s) {', '.join(foreign)} register to another map-server, not {map_server}"
        )
    return sites


@dataclass(frozen=True)
class SiteTarget:
    site: Site
    missing: tuple[Eid, ...]


@dataclass(frozen=True)
class Plan:
    """``selected`` is the scope of the run (completeness is judged over it);
    ``targets`` the sites whose ETRs get a notification."""

    selected: tuple[Site, ...]
    targets: tuple[SiteTarget, ...]

    @property
    def target_names(self) -> list[str]:
        return [t.site.name for t in self.targets]

    def as_check_mode_sites(self) -> list[dict[str, object]]:
        """What would be sent, per site (check mode sends nothing)."""
        return [
            {
                "site": t.site.name,
                "etrs": [
                    {
                        "etr": e.name,
                        "rloc": str(e.rloc),
                        "acked": False,
                        "retries": 0,
                        "error": None,
                    }
                    for e in t.site.etrs
                ],
                "recovered": not t.missing,
                "missing_eids": [str(eid) for eid in t.missing[:MAX_LISTED_MISSING]],
            }
            for t in self.targets
        ]


def make_plan(selected: Sequence[Site], table: RegisteredTable | None, only_missing: bool) -> Plan:
    """``table`` None means the table was not read (``only_missing: false``):
    every selected site is a target and nothing is known to be missing yet."""
    targets = []
    for site in selected:
        missing = tuple(site.eids) if table is None else tuple(missing_eids(site, table))
        if only_missing and not missing:
            continue
        targets.append(SiteTarget(site, missing))
    return Plan(tuple(selected), tuple(targets))


@dataclass(frozen=True)
class Completeness:
    expected: int
    registered: int
    missing: tuple[Eid, ...]
    unrecovered_sites: tuple[str, ...]

    @property
    def complete(self) -> bool:
        return not self.missing

    def as_result(self) -> dict[str, object]:
        ordered = sorted(self.missing, key=eid_sort_key)
        return {
            "complete": self.complete,
            "expected": self.expected,
            "registered": self.registered,
            "missing": [str(eid) for eid in ordered[:MAX_LISTED_MISSING]],
            "missing_count": len(self.missing),
        }


def completeness(sites: Sequence[Site], table: RegisteredTable) -> Completeness:
    expected = 0
    missing: list[Eid] = []
    unrecovered: list[str] = []
    for site in sites:
        expected += len(site.eids)
        gone = missing_eids(site, table)
        if gone:
            missing.extend(gone)
            unrecovered.append(site.name)
    return Completeness(expected, expected - len(missing), tuple(missing), tuple(unrecovered))


def registered_count(sites: Sequence[Site], table: RegisteredTable) -> int:
    return sum(1 for site in sites for eid in site.eids if is_registered(site, eid, table))
