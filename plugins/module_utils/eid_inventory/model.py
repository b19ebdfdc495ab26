# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The EID inventory: the "basic routing info" of every EID, kept outside the
Map-Server's volatile registration table so that the table can be rebuilt and
checked after a reboot or switchover.

Values are frozen dataclasses built by the loader (which validates them); the
lookups on :class:`EidInventory` are indexed once, lazily, because a restore
run asks them once per site for thousands of sites.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory.errors import (
    UnknownNameError,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory.secret import (
    Secret,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.auth import Algorithm
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.types import (
    Eid,
    IPAddress,
)

NETCONF_PORT = 830
# What an ETR may be marked as doing beyond standard LISP (`supports`):
#   notify: re-registers at once on an authenticated unsolicited Map-Notify
#           (the patent's ETR; no standard ETR does, so the default is none).
ETR_CAPABILITIES = ("notify",)


@dataclass(frozen=True)
class NetconfEndpoint:
    host: str
    port: int = NETCONF_PORT


@dataclass(frozen=True)
class MsUnit:
    """One box of an HA Map-Server pair; each has its own NETCONF session."""

    name: str
    netconf: NetconfEndpoint


@dataclass(frozen=True)
class MapServer:
    """A Map-Server as ETRs see it: one LISP address, served by one or more units."""

    name: str
    lisp_address: IPAddress
    units: tuple[MsUnit, ...]


@dataclass(frozen=True)
class Etr:
    """An ETR of a site. ``netconf`` is only needed to ask it to re-register
    directly; without it the ETR is reached through LISP signalling alone.
    ``supports`` lists what it does beyond standard LISP (ETR_CAPABILITIES)."""

    name: str
    rloc: IPAddress
    netconf: NetconfEndpoint | None = None
    supports: frozenset[str] = frozenset()
    # The locator's priority and weight as the ETR registers it (RFC 9301).
    priority: int = 1
    weight: int = 100


@dataclass(frozen=True)
class Site:
    """A site as the operator declares it: its key, the Map-Servers its ETRs
    register to (``map_servers``: each independently, one or several in the
    redundant design, never empty) and how each ETR is reached. What a
    Map-Server holds of a site (no key; ETRs by RLOC only) is another value,
    model/ms.py MsSite."""

    name: str
    site_id: int
    map_servers: tuple[str, ...]
    key_id: int
    algorithm: Algorithm
    key: Secret
    etrs: tuple[Etr, ...]
    eids: tuple[Eid, ...]
    # The site's ETRs ask the MS to answer Map-Requests for them (P bit).
    proxy_reply: bool = False

    @property
    def rlocs(self) -> frozenset[IPAddress]:
        return frozenset(etr.rloc for etr in self.etrs)

    def __post_init__(self) -> None:
        # A lone name would pass `in` checks by substring ("ms1" in "ms10").
        if isinstance(self.map_servers, str):
            raise TypeError(f"site {self.name!r}: map_servers is a tuple of names, not a str")

    def registers_to(self, map_server: str) -> bool:
        return map_server in self.map_servers


def eid_sort_key(eid: Eid) -> tuple[int, int, int, int]:
    """Total order over mixed IPv4/IPv6 EIDs (``Eid``'s own order compares
    prefixes, which raises between address families)."""
    net = eid.prefix
    return (eid.instance_id, net.version, int(net.network_address), net.prefixlen)


@dataclass(frozen=True)
class EidInventory:
    map_servers: tuple[MapServer, ...]
    sites: tuple[Site, ...]
    # Where it was read from: for messages only, so not part of equality.
    source: str = field(default="<memory>", compare=False)

    @cached_property
    def _sites_by_name(self) -> dict[str, Site]:
        return {site.name: site for site in self.sites}

    @cached_property
    def _map_servers_by_name(self) -> dict[str, MapServer]:
        return {ms.name: ms for ms in self.map_servers}

    def site(self, name: str) -> Site:
        try:
            return self._sites_by_name[name]
        except KeyError:
            raise UnknownNameError("site", [name], self._sites_by_name) from None

    def map_server(self, name: str) -> MapServer:
        try:
            return self._map_servers_by_name[name]
        except KeyError:
            raise UnknownNameError("map-server", [name], self._map_servers_by_name) from None

    def sites_of(self, map_server_name: str) -> tuple[Site, ...]:
        self.map_server(map_server_name)  # an unknown name is a mistake, not "no sites"
        return tuple(site for site in self.sites if map_server_name in site.map_servers)

    def eid_owner(self) -> dict[Eid, Site]:
        return {eid: site for site in self.sites for eid in site.eids}

    def expected(self, map_server_name: str) -> dict[Eid, frozenset[IPAddress]]:
        """What a whole registration table of that Map-Server looks like:
        every EID of its sites, each with the RLOCs of the site's ETRs."""
        table: dict[Eid, frozenset[IPAddress]] = {}
        for site in self.sites_of(map_server_name):
            rlocs = site.rlocs
            for eid in site.eids:
                table[eid] = rlocs
        return table

    def select_sites(self, names: Iterable[str] | None) -> tuple[Site, ...]:
        """The named sites in inventory order (all of them for ``None``).

        Every unknown name is reported at once so that a typo in a long
        ``--limit``-style list costs one run, not one per typo.
        """
        if names is None:
            return self.sites
        # A lone string would otherwise be taken as a list of one-letter names.
        wanted = {names} if isinstance(names, str) else set(names)
        unknown = sorted(wanted - self._sites_by_name.keys())
        if unknown:
            raise UnknownNameError("site", unknown, self._sites_by_name)
        return tuple(site for site in self.sites if site.name in wanted)

    def counts(self) -> dict[str, int]:
        eids = [eid for site in self.sites for eid in site.eids]
        return {
            "map_servers": len(self.map_servers),
            "ms_units": sum(len(ms.units) for ms in self.map_servers),
            "sites": len(self.sites),
            "etrs": sum(len(site.etrs) for site in self.sites),
            "eids": len(eids),
            "eids_ipv4": sum(1 for eid in eids if eid.prefix.version == 4),
            "eids_ipv6": sum(1 for eid in eids if eid.prefix.version == 6),
        }
