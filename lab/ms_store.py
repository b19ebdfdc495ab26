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
from dataclasses import dataclass, field
from pathlib import Path

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.atomic_file import (
    atomic_write_text,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.types import (
    Eid,
    IPAddress,
)


@dataclass
class StoredEtr:
    name: str
    rloc: IPAddress
    last_notify_result: str | None = None


@dataclass
class SiteRecord:
    name: str
    site_id: int
    key_id: int
    algorithm: str
    key: bytes = field(repr=False)
    eids: tuple[Eid, ...]
    etrs: list[StoredEtr]


class MsStore:
    """The MS's persistent state, written atomically and at most once a second."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.sites: dict[str, SiteRecord] = {}
        self.eid_owner: dict[Eid, str] = {}
        self.last_nonce: dict[str, int] = {}
        self._dirty = False
        self._saved_at = 0.0
        # The sites' part of the file, kept serialized: every accepted
        # Map-Register dirties the store (its nonce), and re-serializing 10,000
        # sites each second for that took half the MS process's time.
        self._sites_json: str | None = None

    def set_sites(self, sites: list[SiteRecord]) -> None:
        self.sites = {s.name: s for s in sites}
        self.eid_owner = {eid: s.name for s in sites for eid in s.eids}
        self.mark_dirty()

    def put_site(self, site: SiteRecord) -> None:
        """Add or replace a site (edit-config), keeping ``eid_owner`` in step."""
        previous = self.sites.get(site.name)
        if previous is not None:
            for eid in previous.eids:
                if self.eid_owner.get(eid) == site.name:
                    del self.eid_owner[eid]
        self.sites[site.name] = site
        for eid in site.eids:
            self.eid_owner[eid] = site.name
        self.mark_dirty()

    def remove_site(self, name: str) -> SiteRecord | None:
        site = self.sites.pop(name, None)
        if site is not None:
            for eid in site.eids:
                if self.eid_owner.get(eid) == name:
                    del self.eid_owner[eid]
            self.mark_dirty()
        return site

    def site_of(self, eid: Eid) -> SiteRecord | None:
        name = self.eid_owner.get(eid)
        return None if name is None else self.sites[name]

    def learn_etr(self, site: SiteRecord, rloc: IPAddress) -> None:
        """Remember an ETR RLOC seen in an accepted registration."""
        if all(etr.rloc != rloc for etr in site.etrs):
            site.etrs.append(StoredEtr(name=f"{site.name}-{rloc}", rloc=rloc))
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
                "key": s.key.decode(),
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
            [
                SiteRecord(
                    name=s["name"],
                    site_id=s["site_id"],
                    key_id=s["key_id"],
                    algorithm=s["algorithm"],
                    key=s["key"].encode(),
                    eids=tuple(Eid.parse(e) for e in s["eids"]),
                    etrs=[
                        StoredEtr(
                            e["name"], ipaddress.ip_address(e["rloc"]), e["last_notify_result"]
                        )
                        for e in s["etrs"]
                    ],
                )
                for s in data["sites"]
            ]
        )
        store.last_nonce.update({k: int(v) for k, v in data.get("last_nonce", {}).items()})
        store._dirty = False
        return store
