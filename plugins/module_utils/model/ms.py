# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a Map-Server or an ETR exposes over NETCONF, as plain values.

Renderers (the virtual routers) build these; parsers (the modules) return
them. Parts a subtree filter left out come back as empty tuples, empty
dicts or None, never as invented defaults.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, TypeAlias

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.types import (
    Eid,
    IPAddress,
    Mapping,
    Rloc,
)

MS_COUNTERS: tuple[str, ...] = (
    "map-registers-received",
    "map-registers-accepted",
    "auth-failures",
    "replays",
    "malformed",
    "unknown-site",
    "map-requests-received",
    "map-requests-forwarded",
    "proxy-replies",
    "negative-replies",
    "notifies-sent",
    "notify-retransmits",
    "notify-acks-received",
    "registrations-expired",
    "registrations-withdrawn",
    "unexpected-acks",
    "eids-refused",
    "ignored",
    "send-errors",
    "register-retransmissions",
    "requests-rate-limited",
    "request-eids-ignored",
)

ETR_COUNTERS: tuple[str, ...] = (
    "map-registers-sent",
    "map-notifies-received",
    "map-notifies-accepted",
    "notify-auth-failures",
    "notify-replays",
    "reregistrations-triggered",
    "map-requests-answered",
    "malformed",
    "register-acks",
    "notify-foreign-eids",
    "notify-retransmissions",
    "map-requests-unknown",
    "ignored",
    "send-errors",
    "notify-unsolicited-dropped",
)

HA_ROLES = ("active", "standby")
ALGORITHMS = ("none", "hmac-sha-1", "hmac-sha-256")


@dataclass(frozen=True)
class MsUnitInfo:
    """A Map-Server unit's state. ``service_address`` is None when the server
    does not tell it (a standard server); ``reboot_count`` is 0 then.
    ``switchover_time``: when the unit last became active by a switchover,
    where the platform tells it (None otherwise)."""

    unit_name: str
    ha_role: str
    service_address: IPAddress | None
    boot_time: datetime
    reboot_count: int
    switchover_time: datetime | None = None


@dataclass(frozen=True)
class RegistrationRecord:
    """One xTR's registration of one EID prefix.

    ``xtr_id`` is None when the Map-Register carried no xTR-ID trailer; the
    MS then tells registrations apart by ``source``. ``ttl`` is in minutes.
    A standard server (no lispnet-ms-recovery augment) tells neither the
    site's name (``site`` is "") nor the source (None, port 0).
    """

    eid: Eid
    site: str
    site_id: int
    xtr_id: bytes | None
    rlocs: tuple[Rloc, ...]
    ttl: int
    source: IPAddress | None
    source_port: int
    first_registered: datetime
    last_registered: datetime
    proxy_reply: bool
    want_map_notify: bool
    authoritative: bool

    @property
    def rloc_addresses(self) -> frozenset[IPAddress]:
        return frozenset(rloc.address for rloc in self.rlocs)


class RegistrationFields(Protocol):
    """What rendering a registration reads: a RegistrationRecord, or the
    virtual Map-Server's own table entry (rendered without a copy, which at
    50,000 entries took a third of a table read)."""

    # Read-only (properties), so that frozen dataclasses satisfy it too.
    @property
    def eid(self) -> Eid: ...

    @property
    def site(self) -> str: ...

    @property
    def site_id(self) -> int: ...

    @property
    def xtr_id(self) -> bytes | None: ...

    @property
    def rlocs(self) -> tuple[Rloc, ...]: ...

    @property
    def ttl(self) -> int: ...

    @property
    def source(self) -> IPAddress | None: ...

    @property
    def source_port(self) -> int: ...

    @property
    def first_registered(self) -> datetime: ...

    @property
    def last_registered(self) -> datetime: ...

    @property
    def proxy_reply(self) -> bool: ...

    @property
    def want_map_notify(self) -> bool: ...

    @property
    def authoritative(self) -> bool: ...


@dataclass(frozen=True)
class RegistrationBrief:
    """What checking a table needs of one registration: the brief read
    (``filters.ms_registered_filter``) fetches only these leaves, about a
    quarter of a full record's text at 50,000 registrations."""

    eid: Eid
    site: str
    rloc_addresses: frozenset[IPAddress]
    last_registered: datetime
    # Who registered it, as the MS keys its registrations (the xtr-id key in
    # base64: the xTR-ID, or without one a hash of the source address and port,
    # platforms/ietf/values.py); bridge hand-back tells an ETR's own
    # registration from the controller's bridge by it.
    registrant: str = ""


# Either kind of record: both carry eid, site, rloc_addresses, last_registered.
RegisteredEntry: TypeAlias = "RegistrationRecord | RegistrationBrief"


@dataclass(frozen=True)
class ConfiguredSite:
    """A site as configured on the MS. The key value is deliberately absent:
    the servers never return it."""

    name: str
    site_id: int
    key_id: int
    algorithm: str
    eids: tuple[Eid, ...]


@dataclass(frozen=True)
class StoredEtr:
    name: str
    rloc: IPAddress
    last_notify_result: str | None = None


@dataclass(frozen=True)
class StoredSite:
    """The basic routing info kept outside the volatile table."""

    name: str
    site_id: int
    key_id: int
    algorithm: str
    etrs: tuple[StoredEtr, ...]
    eids: tuple[Eid, ...]


@dataclass(frozen=True)
class MsSnapshot:
    """Everything a Map-Server serves.

    ``unit`` is None when the reply held no ms-recovery unit data.
    Registrations come back grouped by instance-id, then by EID, in document
    order; render keeps the order of the first appearance of each group.
    """

    unit: MsUnitInfo | None
    sites: tuple[ConfiguredSite, ...] = ()
    registrations: tuple[RegistrationRecord, ...] = ()
    stored: tuple[StoredSite, ...] = ()
    counters: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class AfCounts:
    configured_eids: int
    registered_eids: int


@dataclass(frozen=True)
class MsSummary:
    """The cheap health view: the IETF summary and the recovery counts.

    Any field is None when the reply lacked it.
    """

    configured_sites: int | None
    registered_sites: int | None
    per_af: dict[str, AfCounts]
    expected_eids: int | None
    registered_eids: int | None


@dataclass(frozen=True)
class EtrSnapshot:
    """What an ETR serves. ``registration_interval`` is in seconds; the
    optional key fields describe how it authenticates to its Map-Servers."""

    name: str | None
    site: str | None
    map_servers: tuple[IPAddress, ...]
    local_eids: tuple[Mapping, ...]
    registration_interval: int
    last_register_time: datetime | None
    counters: dict[str, int] = field(default_factory=dict)
    key_id: int | None = None
    algorithm: str | None = None
