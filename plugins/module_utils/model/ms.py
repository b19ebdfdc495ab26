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

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.types import (
    Eid,
    IPAddress,
    Mapping,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.registration import (
    Registration,
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
class StoredEtr:
    name: str
    rloc: IPAddress
    last_notify_result: str | None = None


@dataclass(frozen=True)
class MsSite:
    """A site as a Map-Server holds it: as configured (name, site-id, key-id
    and algorithm, EIDs) and, where the server keeps the basic routing info
    outside the volatile table (the lispnet augment's stored sites), its
    ETRs; ``etrs`` is () where a read has none (the IETF site config).

    The key's value is deliberately absent: the servers never return it (the
    virtual MS keeps it beside, lab/ms_store.py). The EID inventory's Site is
    another concept: the operator's declaration of a site, with its key, the
    Map-Server it registers to and how each ETR is reached.
    """

    name: str
    site_id: int
    key_id: int
    algorithm: str
    eids: tuple[Eid, ...]
    etrs: tuple[StoredEtr, ...] = ()


@dataclass(frozen=True)
class MsSnapshot:
    """Everything a Map-Server serves.

    ``unit`` is None when the reply held no ms-recovery unit data.
    Registrations come back grouped by instance-id, then by EID, in document
    order; render keeps the order of the first appearance of each group.
    """

    unit: MsUnitInfo | None
    # As configured (a config read has no ETRs), and as stored (with them).
    sites: tuple[MsSite, ...] = ()
    registrations: tuple[Registration, ...] = ()
    stored: tuple[MsSite, ...] = ()
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
