# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Learn the EID inventory from a healthy Map-Server and merge it into a file.

The MS knows every site's basic routing info (its stored sites and
configuration) and which ETR RLOCs actually registered, but never returns a
key: keys come from an existing inventory. A site whose key nobody knows is
written with a ``!missing-key`` placeholder that the inventory loader refuses,
so that a half-known file can never be used to sign notifications with a
wrong key, while a later snapshot can still read it and keep the placeholder.

Everything here is pure (no NETCONF, no Ansible): the module feeds it an
:class:`MsSnapshot` and the reference inventories, and writes the text.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

try:
    import yaml
except ImportError:  # a module reports it missing first (module_utils/libraries.py)
    pass

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory import (
    EidInventory,
    Etr,
    InventoryError,
    MapServer,
    MsUnit,
    NetconfEndpoint,
    Problem,
    Secret,
    Site,
    check_inventory,
    inventory_to_dict,
    parse_inventory,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory.dump import (
    VaultText,
    vault_dumper,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory.model import (
    eid_sort_key,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.auth import (
    ALGORITHM_NAMES,
    Algorithm,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.types import (
    Eid,
    IPAddress,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.ms import (
    MsSnapshot,
)

KEY_MODES = ("keep-vault", "plain")
MISSING_KEY_TAG = "!missing-key"
# What a placeholder reads as inside this module: never a usable key (the
# written file refuses to load), only a marker that survives a round trip.
MISSING_KEY = Secret("lispnet-ms-recovery-missing-key")
_PLACEHOLDER_LINE = re.compile(
    rf"^(?P<lead>[ \t]*(?:- )?key:[ \t]*){re.escape(MISSING_KEY_TAG)}\b.*$", re.MULTILINE
)

Decrypt = Callable[[str], str]


class SnapshotError(ValueError):
    """The snapshot cannot be made (no map-server to attach it to, bad result)."""


def is_missing(key: Secret) -> bool:
    return key == MISSING_KEY


# ---------------------------------------------------------------- reading ---


def parse_reference(text: str, source: str, decrypt: Decrypt | None = None) -> EidInventory:
    """Load an existing inventory that may hold ``!missing-key`` placeholders
    (a file this module wrote with ``allow_missing_keys``); such sites get
    :data:`MISSING_KEY`. Lines are substituted one for one, so any other
    problem is still reported at its own line."""
    marker = MISSING_KEY.reveal().decode()
    return parse_inventory(
        _PLACEHOLDER_LINE.sub(lambda m: m.group("lead") + marker, text), source, decrypt
    )


def to_transport(inventory: EidInventory) -> dict[str, Any]:
    """A decrypted inventory as plain data for the module's hidden option:
    the text with clear keys, plus the vault ciphertext of each key that had one
    (so that ``keys: keep-vault`` can write them back still encrypted). No
    path goes in: Ansible masks every leaf of a no_log option in the results."""
    return {
        "text": render(inventory, keys="plain"),
        "vault": {s.name: s.key.vault for s in inventory.sites if s.key.vault is not None},
    }


def from_transport(data: dict[str, Any], source: str) -> EidInventory:
    inventory = parse_reference(data["text"], source)
    vault: dict[str, str] = data.get("vault") or {}
    sites = tuple(
        dataclasses.replace(site, key=Secret(site.key.reveal(), vault=vault[site.name]))
        if site.name in vault
        else site
        for site in inventory.sites
    )
    return dataclasses.replace(inventory, sites=sites)


# ---------------------------------------------------------------- writing ---


class _MissingKeyText(str):
    pass


@functools.cache
def _dumper() -> type[yaml.SafeDumper]:
    """The inventory's dumper, also writing the missing-key placeholder."""

    class _Dumper(vault_dumper()):  # type: ignore[misc]
        pass

    _Dumper.add_representer(
        _MissingKeyText,
        lambda dumper, text: dumper.represent_scalar(MISSING_KEY_TAG, str(text), style="'"),
    )
    return _Dumper


def render(inventory: EidInventory, *, keys: str) -> str:
    """YAML text of ``inventory``, in ``dump_inventory``'s layout.

    ``keys``: ``plain`` writes clear keys; ``keep-vault`` writes the vault
    ciphertext of every key read from a vault value and the others in clear
    (as the source had them). A missing key becomes a placeholder either way.
    """
    if keys not in KEY_MODES:
        raise ValueError(f"keys must be one of {', '.join(KEY_MODES)}, not {keys!r}")
    data = inventory_to_dict(inventory, keys="omit")
    by_name = {site.name: site for site in inventory.sites}
    data["sites"] = [_with_key(entry, by_name[entry["name"]], keys) for entry in data["sites"]]
    return yaml.dump(
        data,
        Dumper=_dumper(),
        sort_keys=False,
        default_flow_style=None,
        allow_unicode=True,
        width=1000,
    )


def _with_key(entry: dict[str, Any], site: Site, keys: str) -> dict[str, Any]:
    if is_missing(site.key):
        key: str = _MissingKeyText(
            f"replace with the pre-shared key of site {site.name} (a Map-Server never returns keys)"
        )
    elif keys == "keep-vault" and site.key.vault is not None:
        key = VaultText(site.key.vault)
    else:
        try:
            key = site.key.reveal().decode("utf-8")
        except UnicodeDecodeError:
            raise SnapshotError(f"site {site.name!r}: the key is not UTF-8 text") from None
    # Same field order as dump_inventory: the key right after the algorithm.
    out: dict[str, Any] = {}
    for name, value in entry.items():
        out[name] = value
        if name == "algorithm":
            out["key"] = key
    return out


# --------------------------------------------------------------- learning ---


@dataclass(frozen=True)
class Skipped:
    site: str
    reason: str


@dataclass(frozen=True)
class SiteDrift:
    eids_added: tuple[str, ...] = ()
    eids_removed: tuple[str, ...] = ()
    rlocs_added: tuple[str, ...] = ()
    rlocs_removed: tuple[str, ...] = ()
    changed_fields: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return any(dataclasses.astuple(self))


@dataclass(frozen=True)
class Drift:
    """The MS against the existing file, for the sites of that map-server."""

    sites_added: tuple[str, ...] = ()
    sites_removed: tuple[str, ...] = ()
    sites: dict[str, SiteDrift] = field(default_factory=dict)
    lisp_address: tuple[str, str] | None = None

    def __bool__(self) -> bool:
        return bool(self.sites_added or self.sites_removed or self.sites or self.lisp_address)

    def as_dict(self) -> dict[str, Any]:
        """Names, prefixes and addresses only: nothing here is secret."""
        out: dict[str, Any] = {
            "sites_added": list(self.sites_added),
            "sites_removed": list(self.sites_removed),
            "eids": {},
            "rlocs": {},
            "settings": {},
        }
        for name, d in sorted(self.sites.items()):
            if d.eids_added or d.eids_removed:
                out["eids"][name] = {"added": list(d.eids_added), "removed": list(d.eids_removed)}
            if d.rlocs_added or d.rlocs_removed:
                out["rlocs"][name] = {
                    "added": list(d.rlocs_added),
                    "removed": list(d.rlocs_removed),
                }
            if d.changed_fields:
                out["settings"][name] = list(d.changed_fields)
        if self.lisp_address is not None:
            out["lisp_address"] = {"old": self.lisp_address[0], "new": self.lisp_address[1]}
        return out


@dataclass(frozen=True)
class Snapshot:
    inventory: EidInventory
    map_server: str
    learned: tuple[str, ...]  # sites read from the MS
    kept: tuple[str, ...]  # sites of that MS only in the file, kept by merge
    missing_keys: tuple[str, ...]
    skipped: tuple[Skipped, ...]
    drift: Drift


@dataclass(frozen=True)
class Sources:
    """The existing inventories. ``base`` is what the result is merged into and
    drift is measured against (``dest`` if it exists, else ``keys_from``);
    ``keys`` is where keys are looked up first."""

    base: EidInventory | None = None
    keys: EidInventory | None = None

    def all(self) -> tuple[EidInventory, ...]:
        return tuple(inv for inv in (self.base, self.keys) if inv is not None)

    def find_site(self, name: str) -> Site | None:
        for inv in self.all():
            for site in inv.sites:
                if site.name == name:
                    return site
        return None

    def find_etr(self, name: str) -> Etr | None:
        for inv in self.all():
            for site in inv.sites:
                for etr in site.etrs:
                    if etr.name == name:
                        return etr
        return None

    def key_site(self, name: str) -> Site | None:
        """The site to take the key from: ``keys`` first, then ``base``."""
        for inv in (self.keys, self.base):
            if inv is None:
                continue
            for site in inv.sites:
                if site.name == name and not is_missing(site.key):
                    return site
        return None


@dataclass(frozen=True)
class UnitSpec:
    """A unit given in the module options, for a map-server no file knows yet."""

    name: str
    host: str
    port: int = 830


def find_map_server(
    ms: MsSnapshot,
    sources: Sources,
    name: str | None = None,
    units: Iterable[UnitSpec] = (),
) -> MapServer:
    """The map-server the snapshot belongs to, with its LISP address as the
    unit reports it. Found by ``name``, else by the unit's name or service
    address in the existing inventories, else built from ``name`` + ``units``."""
    unit = ms.unit
    for inv in sources.all():
        for candidate in inv.map_servers:
            if name is not None:
                matches = candidate.name == name
            elif unit is not None:
                matches = unit.unit_name in {u.name for u in candidate.units} or (
                    candidate.lisp_address == unit.service_address
                )
            else:
                matches = False
            if matches:
                address = None if unit is None else unit.service_address
                if address is not None and candidate.lisp_address != address:
                    return dataclasses.replace(candidate, lisp_address=address)
                return candidate
    unit_list = tuple(MsUnit(u.name, NetconfEndpoint(u.host, u.port)) for u in units)
    if name is None or not unit_list or unit is None or unit.service_address is None:
        raise SnapshotError(
            "no existing inventory describes this map-server"
            + (f" (unit {unit.unit_name}, address {unit.service_address})" if unit else "")
            + "; give map_server and units to describe it"
        )
    return MapServer(name, unit.service_address, unit_list)


def take_snapshot(
    ms: MsSnapshot,
    sources: Sources,
    *,
    map_server: MapServer,
    merge: bool,
    source: str = "<snapshot>",
) -> Snapshot:
    """Merge what ``ms`` holds into ``sources.base`` (see the module docs)."""
    name = map_server.name
    learned, skipped = _learn_sites(ms, sources, name)
    learned_names = {site.name for site in learned}
    base = sources.base
    old_sites = () if base is None else base.sites
    # Sites of other map-servers are not this snapshot's business: always kept
    # (a learned site takes its old entry over, keeping its other map-servers).
    others = tuple(s for s in old_sites if not s.registers_to(name) and s.name not in learned_names)
    mine_only_in_file = tuple(
        s for s in old_sites if s.registers_to(name) and s.name not in learned_names
    )
    kept = mine_only_in_file if merge else ()
    # A skipped site (say, no ETR known) keeps its old entry rather than vanish.
    skipped_names = {s.site for s in skipped}
    if not merge:
        kept += tuple(s for s in mine_only_in_file if s.name in skipped_names)
        # Gone from this Map-Server, but its other Map-Servers still hold it.
        kept += tuple(
            dataclasses.replace(s, map_servers=tuple(m for m in s.map_servers if m != name))
            for s in mine_only_in_file
            if s.name not in skipped_names and len(s.map_servers) > 1
        )
    sites = others + tuple(learned) + kept
    old_map_servers = () if base is None else base.map_servers
    map_servers = (*(m for m in old_map_servers if m.name != map_server.name), map_server)
    inventory = EidInventory(map_servers, sites, source)
    problems = check_inventory(inventory)
    if problems:
        raise InventoryError(problems)
    old_ms = None if base is None else _map_server_named(base, map_server.name)
    return Snapshot(
        inventory=inventory,
        map_server=map_server.name,
        learned=tuple(sorted(learned_names)),
        kept=tuple(sorted(s.name for s in kept)),
        missing_keys=tuple(sorted(s.name for s in sites if is_missing(s.key))),
        skipped=tuple(skipped),
        drift=_drift(
            old=tuple(s for s in old_sites if s.registers_to(name)),
            new=learned,
            skipped=skipped_names,
            old_address=None if old_ms is None else old_ms.lisp_address,
            new_address=map_server.lisp_address,
        ),
    )


def _map_server_named(inventory: EidInventory, name: str) -> MapServer | None:
    return next((m for m in inventory.map_servers if m.name == name), None)


@dataclass
class _Learning:
    name: str
    site_id: int
    key_id: int
    algorithm: str
    eids: dict[Eid, None] = field(default_factory=dict)  # ordered set
    etrs: dict[IPAddress, str] = field(default_factory=dict)  # rloc -> ETR name


def _learn_sites(
    ms: MsSnapshot, sources: Sources, map_server: str
) -> tuple[list[Site], list[Skipped]]:
    found: dict[str, _Learning] = {}
    by_site_id = {site.site_id: site.name for inv in sources.all() for site in inv.sites}

    def named(name: str, site_id: int) -> str:
        # A standard server names no site: the inventories' site of that
        # site-id, else a name made of it.
        return name or by_site_id.get(site_id) or f"site-{site_id}"

    for stored in ms.stored:
        entry = found.setdefault(
            stored.name, _Learning(stored.name, stored.site_id, stored.key_id, stored.algorithm)
        )
        entry.eids.update(dict.fromkeys(stored.eids))
        for etr in stored.etrs:
            entry.etrs.setdefault(etr.rloc, etr.name)
    for configured in ms.sites:
        name = named(configured.name, configured.site_id)
        entry = found.setdefault(
            name, _Learning(name, configured.site_id, configured.key_id, configured.algorithm)
        )
        entry.eids.update(dict.fromkeys(configured.eids))
    # What actually registered counts too: an ETR the stored info forgot is
    # still one that must be asked to re-register.
    for record in ms.registrations:
        site_name = named(record.site, record.site_id)
        registered = found.get(site_name)
        if registered is None:
            continue
        registered.eids.setdefault(record.eid)
        for rloc in record.rlocs:
            if rloc.address not in registered.etrs:
                registered.etrs[rloc.address] = _etr_name(sources, site_name, rloc.address)
    sites: list[Site] = []
    skipped: list[Skipped] = []
    for entry in found.values():
        site, reason = _site_of(entry, sources, map_server)
        if site is None:
            skipped.append(Skipped(entry.name, reason))
        else:
            sites.append(site)
    return sites, skipped


# What a site authenticates with when the Map-Server does not say (an IOS-XE
# site has one key and no key-id or algorithm: the ETR picks its hash).
UNTOLD_DEFAULT_ALGORITHM = "hmac-sha-256"


def _take_untold_auth(entry: _Learning, sources: Sources) -> None:
    """The EID inventory's key-id and algorithm for a site whose Map-Server
    tells neither; the default algorithm and key-id 0 for a site nobody knows."""
    known = sources.key_site(entry.name) or sources.find_site(entry.name)
    if known is None:
        entry.algorithm, entry.key_id = UNTOLD_DEFAULT_ALGORITHM, 0
        return
    entry.algorithm = next(n for n, a in ALGORITHM_NAMES.items() if a == known.algorithm)
    entry.key_id = known.key_id


def _etr_name(sources: Sources, site_name: str, rloc: IPAddress) -> str:
    known = sources.find_site(site_name)
    if known is not None:
        for etr in known.etrs:
            if etr.rloc == rloc:
                return etr.name
    return f"{site_name}-rloc-{str(rloc).replace(':', '-').replace('.', '-')}"


def _site_of(entry: _Learning, sources: Sources, map_server: str) -> tuple[Site | None, str]:
    if not entry.algorithm:
        _take_untold_auth(entry, sources)
    algorithm = ALGORITHM_NAMES.get(entry.algorithm)
    if algorithm is None or algorithm == Algorithm.NONE:
        return None, f"the Map-Server uses algorithm {entry.algorithm!r}, which a site may not"
    known = sources.find_site(entry.name)
    etrs = [_learned_etr(sources, name, rloc, known) for rloc, name in entry.etrs.items()]
    if not etrs and known is not None:
        etrs = list(known.etrs)  # configured but neither stored nor registered
    if not etrs:
        return None, "no ETR is known for it (none stored, registered or in the inventory)"
    if not entry.eids:
        return None, "the Map-Server has no EID for it"
    key = MISSING_KEY
    key_site = sources.key_site(entry.name)
    # A key stored for another key-id is another key: better none than a wrong one.
    if key_site is not None and key_site.key_id == entry.key_id:
        key = key_site.key
    # The site's other Map-Servers (redundant design) stay as the inventory has them.
    map_servers = (map_server,) if known is None else known.map_servers
    if map_server not in map_servers:
        map_servers = (*map_servers, map_server)
    return Site(
        name=entry.name,
        site_id=entry.site_id,
        map_servers=map_servers,
        key_id=entry.key_id,
        algorithm=algorithm,
        key=key,
        etrs=tuple(etrs),
        eids=tuple(entry.eids),
        # Kept from the stored inventory, as the ETRs' endpoints are.
        proxy_reply=known.proxy_reply if known is not None else False,
    ), ""


def _learned_etr(sources: Sources, etr_name: str, rloc: IPAddress, known: Site | None) -> Etr:
    """An ETR learned from the Map-Server, with what no Map-Server knows of it (its
    NETCONF endpoint, what it supports beyond standard LISP) kept from the stored one."""
    stored = _stored_etr(sources, etr_name, known)
    if stored is None:
        return Etr(etr_name, rloc, None)
    return Etr(
        etr_name,
        rloc,
        stored.netconf,
        supports=stored.supports,
        priority=stored.priority,
        weight=stored.weight,
    )


def _stored_etr(sources: Sources, etr_name: str, known: Site | None) -> Etr | None:
    if known is not None:
        for etr in known.etrs:
            if etr.name == etr_name:
                return etr
    return sources.find_etr(etr_name)


# ------------------------------------------------------------------ drift ---


def _drift(
    old: tuple[Site, ...],
    new: list[Site],
    skipped: set[str],
    old_address: IPAddress | None,
    new_address: IPAddress,
) -> Drift:
    old_by = {s.name: s for s in old}
    new_by = {s.name: s for s in new}
    per_site: dict[str, SiteDrift] = {}
    for name in sorted(old_by.keys() & new_by.keys()):
        d = site_drift(old_by[name], new_by[name])
        if d:
            per_site[name] = d
    return Drift(
        sites_added=tuple(sorted(new_by.keys() - old_by.keys())),
        # A skipped site is on the MS, just not writable: not "removed".
        sites_removed=tuple(sorted(old_by.keys() - new_by.keys() - skipped)),
        sites=per_site,
        lisp_address=(
            (str(old_address), str(new_address))
            if old_address is not None and old_address != new_address
            else None
        ),
    )


def site_drift(old: Site, new: Site) -> SiteDrift:
    old_eids, new_eids = set(old.eids), set(new.eids)
    old_rlocs, new_rlocs = old.rlocs, new.rlocs
    return SiteDrift(
        eids_added=_texts(new_eids - old_eids),
        eids_removed=_texts(old_eids - new_eids),
        rlocs_added=tuple(str(r) for r in sorted(new_rlocs - old_rlocs, key=_address_key)),
        rlocs_removed=tuple(str(r) for r in sorted(old_rlocs - new_rlocs, key=_address_key)),
        changed_fields=tuple(
            name
            for name in ("site_id", "key_id", "algorithm")
            if getattr(old, name) != getattr(new, name)
        ),
    )


def _texts(eids: set[Eid]) -> tuple[str, ...]:
    return tuple(str(e) for e in sorted(eids, key=eid_sort_key))


def _address_key(address: IPAddress) -> tuple[int, int]:
    return (address.version, int(address))


__all__ = [
    "KEY_MODES",
    "MISSING_KEY",
    "MISSING_KEY_TAG",
    "Drift",
    "InventoryError",
    "Problem",
    "SiteDrift",
    "Skipped",
    "Snapshot",
    "SnapshotError",
    "Sources",
    "UnitSpec",
    "find_map_server",
    "from_transport",
    "is_missing",
    "parse_reference",
    "render",
    "site_drift",
    "take_snapshot",
    "to_transport",
]
