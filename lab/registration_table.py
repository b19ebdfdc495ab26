"""The Map-Server's volatile registration table: what a reboot or switchover loses."""

from __future__ import annotations

import ipaddress
from collections.abc import Container
from dataclasses import dataclass
from datetime import datetime

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.types import (
    Eid,
    IPAddress,
    Rloc,
)


@dataclass
class Registration:
    """One xTR's registration of one EID prefix."""

    eid: Eid
    site: str
    site_id: int
    xtr_id: bytes | None
    rlocs: tuple[Rloc, ...]
    ttl: int
    source: IPAddress
    source_port: int
    first_registered: datetime
    last_registered: datetime
    refreshed_at: float  # monotonic seconds, for expiry
    proxy_reply: bool
    want_map_notify: bool
    # The Map-Server holds what the site's own ETRs registered.
    authoritative: bool = True


class RegistrationTable:
    """EID -> {xTR key -> Registration}; several ETRs of a site share an EID."""

    def __init__(self) -> None:
        self._by_eid: dict[Eid, dict[bytes, Registration]] = {}
        # No record was refreshed before this (a lower bound): expire() scans
        # the table only when something may be due, not every second.
        self._oldest_refresh = float("inf")

    def __len__(self) -> int:
        return len(self._by_eid)

    def clear(self) -> None:
        self._by_eid.clear()
        self._oldest_refresh = float("inf")

    def upsert(self, registration: Registration) -> bool:
        """Store or refresh a registration; True when the EID was not registered."""
        records = self._by_eid.setdefault(registration.eid, {})
        key = registration.xtr_id or registration.source.packed
        previous = records.get(key)
        if previous is not None:
            registration.first_registered = previous.first_registered
        records[key] = registration
        self._oldest_refresh = min(self._oldest_refresh, registration.refreshed_at)
        return len(records) == 1 and previous is None

    def drop(self, eid: Eid) -> bool:
        """Forget every registration of ``eid`` (its site no longer owns it);
        True when there was one."""
        return self._by_eid.pop(eid, None) is not None

    def records(self, eid: Eid) -> list[Registration]:
        return list(self._by_eid.get(eid, {}).values())

    def all_records(self) -> list[Registration]:
        return [r for records in self._by_eid.values() for r in records.values()]

    def registered_eids(self) -> set[Eid]:
        return set(self._by_eid)

    def longest_match(self, eid: Eid) -> Eid | None:
        """The registered prefix that covers ``eid`` most specifically."""
        return covering_match(eid, self._by_eid)

    def expire(self, now: float, timeout: float) -> list[Eid]:
        """Drop records not refreshed within ``timeout``; return EIDs left with none."""
        emptied: list[Eid] = []
        if now - self._oldest_refresh <= timeout:
            return emptied
        oldest = float("inf")
        for eid, records in list(self._by_eid.items()):
            for key, registration in list(records.items()):
                if now - registration.refreshed_at > timeout:
                    del records[key]
                else:
                    oldest = min(oldest, registration.refreshed_at)
            if not records:
                del self._by_eid[eid]
                emptied.append(eid)
        self._oldest_refresh = oldest
        return emptied


def covering_match(eid: Eid, prefixes: Container[Eid]) -> Eid | None:
    """The prefix in ``prefixes`` that covers ``eid`` most specifically."""
    if eid in prefixes:
        return eid
    prefix = eid.prefix
    for length in range(prefix.prefixlen - 1, -1, -1):
        candidate = Eid(eid.instance_id, prefix.supernet(new_prefix=length))
        if candidate in prefixes:
            return candidate
    return None


def host_eid(address: str, instance_id: int = 0) -> Eid:
    """An EID for one host address, as an ITR asks for it in a Map-Request."""
    ip = ipaddress.ip_address(address)
    return Eid(instance_id, ipaddress.ip_network(f"{ip}/{ip.max_prefixlen}"))
