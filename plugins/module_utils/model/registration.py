# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A registration: one registrant's registration of one EID prefix on a
Map-Server. The one value for it everywhere: the platforms' parsers return
it (full or brief read), the virtual Map-Server's table holds it, the
renderers, the table check and the recovery read it.
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.types import (
    Eid,
    IPAddress,
    Rloc,
)

# ``Registration.registrant`` of a read that tells neither xTR-ID nor source.
UNTOLD_REGISTRANT = (None, 0)


class Registration(NamedTuple):
    """``eid``, ``site``, ``rlocs`` and ``last_registered`` every read has;
    the rest is None (or 0) where a read did not fetch it (the brief read,
    ``filters.ms_registered_filter``) or the server does not tell it (a
    standard server has neither the site's name nor the source). A brief
    read's ``rlocs`` carry the addresses only.

    Who registered it (``registrant``): the xTR-ID, else the source address
    and port, as a Map-Server keeps registrations apart (IOS-XE keys its
    etr-registrations by source). ``ttl`` is in minutes.

    A NamedTuple rather than a frozen dataclass: a 50,000-EID table is built
    once per read and per Map-Register wave, and a tuple is built in a
    fraction of the time and memory (docs/performance.md).
    """

    eid: Eid
    site: str
    rlocs: tuple[Rloc, ...]
    last_registered: datetime
    xtr_id: bytes | None = None
    source: IPAddress | None = None
    source_port: int = 0
    site_id: int = 0
    ttl: int | None = None
    first_registered: datetime | None = None
    proxy_reply: bool | None = None
    want_map_notify: bool | None = None
    authoritative: bool | None = None

    @property
    def rloc_addresses(self) -> frozenset[IPAddress]:
        """One at a time; over a whole table, AddressSets."""
        return frozenset([rloc.address for rloc in self.rlocs])

    @property
    def registrant(self) -> bytes | tuple[IPAddress | None, int]:
        return self.xtr_id if self.xtr_id is not None else (self.source, self.source_port)


class AddressSets:
    """``Registration.rloc_addresses`` over a whole table, one set per
    distinct RLOC tuple: a table's registrations share their tuples (the
    parsers and the lab's decoder cache them), so 50,000 registrations need
    a set per site, not 50,000 sets (which took a quarter of a check).
    Each tuple is held while the cache lives, so its id is not reused."""

    def __init__(self) -> None:
        self._by_id: dict[int, tuple[tuple[Rloc, ...], frozenset[IPAddress]]] = {}

    def __call__(self, registration: Registration) -> frozenset[IPAddress]:
        rlocs = registration.rlocs
        known = self._by_id.get(id(rlocs))
        if known is not None and known[0] is rlocs:
            return known[1]
        addresses = frozenset([rloc.address for rloc in rlocs])
        self._by_id[id(rlocs)] = (rlocs, addresses)
        return addresses
