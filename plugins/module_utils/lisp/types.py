# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Protocol-level value types shared by the wire layer, the EID inventory,
the NETCONF data paths, the modules and the virtual routers.

They are plain frozen dataclasses so that they hash, compare and sort, and so
that a set of them is a cheap way to diff "what the MS has" against "what the
inventory says".
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from typing import TypeAlias

# Quoted like the annotations: ansible-test's pylint reads module_utils as code for the
# oldest Python a managed node may have, where an evaluated X | Y fails.
IPAddress: TypeAlias = "ipaddress.IPv4Address | ipaddress.IPv6Address"
IPNetwork: TypeAlias = "ipaddress.IPv4Network | ipaddress.IPv6Network"

MAX_INSTANCE_ID = (1 << 24) - 1
_EID_TEXT = re.compile(r"^\[(\d+)\](.+)$")


@dataclass(frozen=True, order=True)
class Eid:
    """An EID prefix inside one instance (VPN). Text form: ``[iid]prefix``."""

    instance_id: int
    prefix: IPNetwork

    def __post_init__(self) -> None:
        if not 0 <= self.instance_id <= MAX_INSTANCE_ID:
            raise ValueError(f"instance-id {self.instance_id} is outside 0..{MAX_INSTANCE_ID}")
        # Hashed once: EIDs key every table here (50,000 at a time), and an
        # ipaddress network hashes in Python on every lookup.
        object.__setattr__(self, "_hash", hash((self.instance_id, self.prefix)))

    def __hash__(self) -> int:
        return self._hash  # type: ignore[attr-defined]

    def __str__(self) -> str:
        return f"[{self.instance_id}]{self.prefix}"

    @property
    def afi(self) -> int:
        return 1 if self.prefix.version == 4 else 2

    @classmethod
    def parse(cls, text: str, instance_id: int = 0) -> Eid:
        """Read ``[iid]prefix`` or a bare prefix (then ``instance_id`` applies).

        Host bits must be zero: ``10.0.0.1/24`` is refused rather than guessed at.
        """
        match = _EID_TEXT.match(text.strip())
        if match:
            instance_id, text = int(match.group(1)), match.group(2)
        return cls(instance_id, ipaddress.ip_network(text.strip(), strict=True))


@dataclass(frozen=True, order=True)
class Rloc:
    """One locator of an EID-record."""

    address: IPAddress
    priority: int = 1
    weight: int = 100
    m_priority: int = 255
    m_weight: int = 0
    local: bool = False
    probed: bool = False
    reachable: bool = True

    @classmethod
    def of(cls, address: str | IPAddress, **kwargs: int | bool) -> Rloc:
        return cls(ipaddress.ip_address(address), **kwargs)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Mapping:
    """An EID-record: one EID prefix and the RLOCs that reach it.

    ``ttl`` is in minutes, as on the wire. ``action`` only matters for a
    negative record (no RLOCs).
    """

    eid: Eid
    rlocs: tuple[Rloc, ...] = field(default_factory=tuple)
    ttl: int = 1440
    action: int = 0
    authoritative: bool = True
    map_version: int = 0

    @property
    def rloc_addresses(self) -> frozenset[IPAddress]:
        return frozenset(r.address for r in self.rlocs)


class Action:
    """Map-Reply ACT values for negative records (RFC 9301)."""

    NO_ACTION = 0
    NATIVELY_FORWARD = 1
    SEND_MAP_REQUEST = 2
    DROP = 3
    DROP_POLICY_DENIED = 4
    DROP_AUTH_FAILURE = 5


# How the values above are named in results and dissectors.
ACTION_NAMES = {
    Action.NO_ACTION: "no-action",
    Action.NATIVELY_FORWARD: "natively-forward",
    Action.SEND_MAP_REQUEST: "send-map-request",
    Action.DROP: "drop",
    Action.DROP_POLICY_DENIED: "drop/policy-denied",
    Action.DROP_AUTH_FAILURE: "drop/auth-failure",
}
