"""What a virtual Map-Server keeps on disk across reboots.

Site configuration and the stored basic routing info of every EID (site,
prefixes, ETR RLOCs, key) survive a reboot; the registration table does not.
The last accepted Map-Register nonce per xTR-ID and key is kept too
(lab/register_nonces.py), so that a reboot does not reopen the door to replayed
registrations.
"""

from __future__ import annotations

import ipaddress
import json
import time
from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import NamedTuple

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.atomic_file import (
    atomic_write_text,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.types import (
    Eid,
    IPAddress,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.ms import (
    MsSite,
    StoredEtr,
)


class KeyedSite(NamedTuple):
    """A site as the MS serves it, and its key's value, which only the MS
    holds (the servers never return it)."""

    site: MsSite
    key: bytes

    def __repr__(self) -> str:
        return f"KeyedSite(site={self.site!r}, key=<hidden>)"  # a secret never reaches a log


class MsStore:
    """The MS's persistent state, written atomically and at most once a second.

    ``sites`` holds the shared MsSite values (what a read of the MS returns,
    rendered without a copy); ``keys`` their key values beside them."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.sites: dict[str, MsSite] = {}
        self.keys: dict[str, bytes] = {}
        self.eid_owner: dict[Eid, str] = {}
        self.last_nonce: dict[str, int] = {}
        self._dirty = False
        self._saved_at = 0.0
        # The sites' part of the file, kept serialized: every accepted
        # Map-Register dirties the store (its nonce), and re-serializing 10,000
        # sites each second for that took half the MS process's time.
        self._sites_json: str | None = None

    def set_sites(self, sites: Iterable[KeyedSite]) -> None:
        entries = list(sites)
        self.sites = {s.name: s for s, _unused in entries}
        self.keys = {s.name: key for s, key in entries}
        self.eid_owner = {eid: s.name for s, _unused in entries for eid in s.eids}
        self.mark_dirty()

    def keyed(self, name: str) -> KeyedSite | None:
        site = self.sites.get(name)
        return None if site is None else KeyedSite(site, self.keys[name])

    def put_site(self, site: MsSite, key: bytes) -> None:
        """Add or replace a site (edit-config), keeping ``eid_owner`` in step."""
        previous = self.sites.get(site.name)
        if previous is not None:
            for eid in previous.eids:
                if self.eid_owner.get(eid) == site.name:
                    del self.eid_owner[eid]
        self.sites[site.name] = site
        self.keys[site.name] = key
        for eid in site.eids:
            self.eid_owner[eid] = site.name
        self.mark_dirty()

    def remove_site(self, name: str) -> MsSite | None:
        site = self.sites.pop(name, None)
        if site is not None:
            del self.keys[name]
            for eid in site.eids:
                if self.eid_owner.get(eid) == name:
                    del self.eid_owner[eid]
            self.mark_dirty()
        return site

    def site_of(self, eid: Eid) -> MsSite | None:
        name = self.eid_owner.get(eid)
        return None if name is None else self.sites[name]

    def learn_etr(self, name: str, rloc: IPAddress) -> None:
        """Remember an ETR RLOC seen in an accepted registration of site ``name``."""
        site = self.sites[name]
        if all(etr.rloc != rloc for etr in site.etrs):
            etr = StoredEtr(name=f"{name}-{rloc}", rloc=rloc)
            self.sites[name] = replace(site, etrs=(*site.etrs, etr))
            self.mark_dirty()

    def record_notify_results(self, outcomes: Mapping[tuple[str, str], str]) -> None:
        """Each (site, ETR name)'s outcome of the last MS-native notification."""
        for name in {site for site, _unused in outcomes}:
            site = self.sites.get(name)
            if site is None:
                continue
            etrs = tuple(
                replace(etr, last_notify_result=outcomes[(name, etr.name)])
                if (name, etr.name) in outcomes
                else etr
                for etr in site.etrs
            )
            self.sites[name] = replace(site, etrs=etrs)
        self.mark_dirty()

    def nonces_changed(self) -> None:
        """``last_nonce`` (lab/register_nonces.py's persisted part) moved on."""
        self._dirty = True  # the nonces only: the sites' JSON stays valid

    def mark_dirty(self) -> None:
        """Something about the sites changed (their ETRs, notify results)."""
        self._dirty = True
        self._sites_json = None

    def flush(self, force: bool = False) -> None:
        if not self._dirty:
            return
        now = time.monotonic()
        if not force and now - self._saved_at < 1.0:
            return
        atomic_write_text(self.path, self._to_json())
        self._dirty = False
        self._saved_at = now

    def _to_json(self) -> str:
        if self._sites_json is None:
            self._sites_json = json.dumps(self._sites_data(), sort_keys=True)
        # Keys in sorted order, as json.dumps(sort_keys=True) of the whole would write.
        nonces = json.dumps(self.last_nonce, sort_keys=True)
        return f'{{"last_nonce": {nonces}, "sites": {self._sites_json}}}'

    def _sites_data(self) -> list[dict[str, object]]:
        return [
            {
                "name": s.name,
                "site_id": s.site_id,
                "key_id": s.key_id,
                "algorithm": s.algorithm,
                "key": self.keys[s.name].decode(),
                "eids": [str(e) for e in s.eids],
                "etrs": [
                    {
                        "name": e.name,
                        "rloc": str(e.rloc),
                        "last_notify_result": e.last_notify_result,
                    }
                    for e in s.etrs
                ],
            }
            for s in self.sites.values()
        ]

    @classmethod
    def load(cls, path: Path) -> MsStore:
        store = cls(path)
        data = json.loads(path.read_text())
        store.set_sites(
            KeyedSite(
                MsSite(
                    name=s["name"],
                    site_id=s["site_id"],
                    key_id=s["key_id"],
                    algorithm=s["algorithm"],
                    eids=tuple(Eid.parse(e) for e in s["eids"]),
                    etrs=tuple(
                        StoredEtr(
                            e["name"], ipaddress.ip_address(e["rloc"]), e["last_notify_result"]
                        )
                        for e in s["etrs"]
                    ),
                ),
                s["key"].encode(),
            )
            for s in data["sites"]
        )
        store.last_nonce.update({k: int(v) for k, v in data.get("last_nonce", {}).items()})
        store._dirty = False
        return store
