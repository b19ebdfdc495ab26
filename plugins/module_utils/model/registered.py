# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What "registered" means, once, for ``registrations``, ``reregister`` and
``ms_state``.

A table is folded per EID into the union of the RLOCs every xTR registered
for it (``registered_table``); an EID of the EID inventory, whose site stores
the ETR RLOCs ``stored``, is then

* ``present``: the table has it at all;
* ``whole``: every stored RLOC is registered (an EID held by one of two ETRs
  still loses traffic when that ETR is the one ITRs pick) - what recovery
  waits for;
* ``exact``: the registered RLOCs are the stored ones, no more, no fewer -
  what validation demands (``registrations`` reports the rest as
  rloc_mismatch).

A Map-Server's own counter (the summary's registered EIDs, which ``ms_state``
and the polls of ``reregister`` read because it is cheap) counts ``present``
EIDs by the device's reckoning; a verdict always comes from the table.
"""

from __future__ import annotations

from collections.abc import Iterable

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.types import (
    Eid,
    IPAddress,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.registration import (
    AddressSets,
    Registration,
)

RegisteredTable = dict[Eid, frozenset[IPAddress]]


def registered_table(records: Iterable[Registration]) -> RegisteredTable:
    """EID -> every RLOC registered for it, over all xTRs that registered it."""
    table: dict[Eid, frozenset[IPAddress]] = {}
    addresses = AddressSets()
    for record in records:
        rlocs, known = addresses(record), table.get(record.eid)
        table[record.eid] = rlocs if known is None else known | rlocs
    return table


def present(registered: frozenset[IPAddress] | None) -> bool:
    return registered is not None


def whole(registered: frozenset[IPAddress] | None, stored: frozenset[IPAddress]) -> bool:
    return registered is not None and stored <= registered


def exact(registered: frozenset[IPAddress] | None, stored: frozenset[IPAddress]) -> bool:
    return registered is not None and registered == stored
