"""The Map-Server's volatile registration table: what a reboot or switchover loses.

It holds the shared ``Registration`` values (what the renderers read, without
a copy), each beside the lab's own bookkeeping: the monotonic time it was
last refreshed, for expiry."""

from __future__ import annotations

import ipaddress
from collections.abc import Container

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.types import (
    Eid,
    IPAddress,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.registration import (
    Registration,
)

# A registration and the monotonic time (seconds) it was last refreshed.
_Entry = tuple[Registration, float]


class RegistrationTable:
    """EID -> {registrant key -> (Registration, refreshed at)}; several ETRs
    of a site share an EID."""

    def __init__(self) -> None:
        self._by_eid: dict[Eid, dict[bytes, _Entry]] = {}
        # No record was refreshed before this (a lower bound): expire() scans
        # the table only when something may be due, not every second.
        self._oldest_refresh = float("inf")

    def __len__(self) -> int:
        return len(self._by_eid)

    def clear(self) -> None:
        self._by_eid.clear()
        self._oldest_refresh = float("inf")

    def upsert(self, registration: Registration, refreshed_at: float) -> bool:
        """Store or refresh a registration (``refreshed_at``: monotonic
        seconds); True when the EID was not registered. A refresh keeps the
        registrant's first registration time.

        Registrations are kept per registrant (xTR-ID, else source address and
        port, as IOS-XE keeps etr-registrations): one registrant's Map-Register
        never replaces another's, so a controller's bridge registration and an
        ETR's own live side by side until each expires or is withdrawn."""
        records = self._by_eid.setdefault(registration.eid, {})
        source = registration.source
        if source is None:
            raise ValueError("the Map-Server records where each registration came from")
        key = registrant_key(registration.xtr_id, source, registration.source_port)
        previous = records.get(key)
        if previous is not None:
            first = previous[0].first_registered
            if first != registration.first_registered:
                registration = registration._replace(first_registered=first)
        records[key] = (registration, refreshed_at)
        self._oldest_refresh = min(self._oldest_refresh, refreshed_at)
        return len(records) == 1 and previous is None

    def withdraw(
        self, eid: Eid, xtr_id: bytes | None, source: IPAddress, source_port: int
    ) -> bool | None:
        """Forget one registrant's registration of ``eid`` (a Map-Register
        record with TTL 0 and the T bit, RFC 9301 section 5.6); the others' stay. None when
        that registrant had none, else True when the EID has no registration left."""
        records = self._by_eid.get(eid)
        key = registrant_key(xtr_id, source, source_port)
        if records is None or records.pop(key, None) is None:
            return None
        if records:
            return False
        del self._by_eid[eid]
        return True

    def drop(self, eid: Eid) -> bool:
        """Forget every registration of ``eid`` (its site no longer owns it);
        True when there was one."""
        return self._by_eid.pop(eid, None) is not None

    def records(self, eid: Eid) -> list[Registration]:
        return [entry[0] for entry in self._by_eid.get(eid, {}).values()]

    def all_records(self) -> list[Registration]:
        """Every registration: the stored values themselves, no copies."""
        return [entry[0] for records in self._by_eid.values() for entry in records.values()]

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
            for key, (_unused, refreshed_at) in list(records.items()):
                if now - refreshed_at > timeout:
                    del records[key]
                else:
                    oldest = min(oldest, refreshed_at)
            if not records:
                del self._by_eid[eid]
                emptied.append(eid)
        self._oldest_refresh = oldest
        return emptied


def registrant_key(xtr_id: bytes | None, source: IPAddress, source_port: int) -> bytes:
    return xtr_id or source.packed + source_port.to_bytes(2, "big")


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
