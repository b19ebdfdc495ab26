# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The validated EID inventory as an action plugin hands it to its module.

The action plugin reads and validates the file on the controller, where the
run's vault secrets are (eid_inventory_action.py). Its module gets the result as
compact JSON of ``inventory_to_dict(keys="plain")`` and rebuilds the model here
without composing YAML again: at 10,000 sites / 50,000 EIDs that is ~1 s per
task instead of ~4 s (YAML dump on the controller, YAML compose and validate
in the module). The input was validated by the loader; this only rebuilds it,
and anything that is not a handover fails with one clear problem.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Callable
from typing import Any, TypeVar

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory.dump import (
    inventory_to_dict,
    site_dicts,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory.errors import (
    InventoryError,
    Problem,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory.loader import (
    parse_network,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory.model import (
    EidInventory,
    Etr,
    MapServer,
    MsUnit,
    NetconfEndpoint,
    Site,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory.secret import (
    Secret,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.gc_pause import (
    collector_paused,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.auth import (
    algorithm_from_name,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.types import Eid

# Bumped when the layout changes, so that a module never misreads a handover
# from another version of the collection's action plugin.
HANDOVER_FORMAT = 1
_SEPARATORS = (",", ":")

_T = TypeVar("_T")


def handover_text(inventory: EidInventory) -> str:
    """JSON for the module's hidden, no_log option (the keys are in clear)."""
    # Written site by site: the dicts of 50,000 EIDs (~25 MB) never exist at
    # once. The text is the same as json.dumps of inventory_to_dict's result.
    empty = EidInventory(inventory.map_servers, (), inventory.source)
    data = {"format": HANDOVER_FORMAT, "inventory": inventory_to_dict(empty, keys="plain")}
    head = json.dumps(data, separators=_SEPARATORS)
    tail = "]}}"  # closes "sites":[ (the last key of each dict, by construction)
    parts = [head[: -len(tail)]]
    with collector_paused():  # hundreds of thousands of dicts and strings, no cycles
        for site in site_dicts(inventory, keys="plain"):
            parts += (json.dumps(site, separators=_SEPARATORS), ",")
    if len(parts) > 1:
        parts.pop()  # the comma after the last site
    parts.append(tail)
    return "".join(parts)  # one copy of the text, not one per concatenation


def inventory_from_handover(text: str, source: str) -> EidInventory:
    """The inventory ``handover_text`` wrote; ``source`` (the file) names it in errors."""

    def build(data: dict[str, Any]) -> EidInventory:
        with collector_paused():
            return _inventory(data, source)

    return _rebuilt(text, source, build)


def map_servers_from_handover(text: str, source: str) -> tuple[EidInventory, dict[str, int]]:
    """The inventory's Map-Servers alone (no sites) and how many EIDs each one's
    whole table holds: all that ms_state needs. No site is built: at 10,000
    sites that is ~0.5 s of CPU less on each unit, before the recovery starts.
    The counts equal ``len(inventory.expected(name))`` of the full inventory."""

    def build(data: dict[str, Any]) -> tuple[EidInventory, dict[str, int]]:
        map_servers = tuple(_map_server(ms) for ms in data["map_servers"])
        eids: dict[str, set[tuple[int, str]]] = {ms.name: set() for ms in map_servers}
        for site in data["sites"]:
            # The handover's prefixes are the validated networks' own text, so
            # equal EIDs are equal strings.
            keys = [(eid["instance_id"], eid["prefix"]) for eid in site["eids"]]
            for name in _site_map_servers(site):
                eids[name].update(keys)
        counts = {name: len(keys) for name, keys in eids.items()}
        return EidInventory(map_servers, (), source), counts

    return _rebuilt(text, source, build)


def _rebuilt(text: str, source: str, build: Callable[[dict[str, Any]], _T]) -> _T:
    try:
        data = json.loads(text)
        if not isinstance(data, dict) or data.get("format") != HANDOVER_FORMAT:
            raise ValueError("unknown handover format")
        return build(data["inventory"])
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise _not_a_handover(source, exc) from None


def _not_a_handover(source: str, exc: Exception) -> InventoryError:
    # The exception's text is left out: it could quote a value, and values
    # here include the sites' keys.
    return InventoryError(
        [
            Problem(
                source,
                0,
                "",
                "the inventory handed to the module is not one this collection's action"
                f" plugin wrote ({type(exc).__name__}); give the file as eid_inventory and"
                " run the module under its own action",
            )
        ]
    )


def _inventory(data: dict[str, Any], source: str) -> EidInventory:
    return EidInventory(
        tuple(_map_server(ms) for ms in data["map_servers"]),
        tuple(_site(site) for site in data["sites"]),
        source,
    )


def _netconf(data: dict[str, Any]) -> NetconfEndpoint:
    return NetconfEndpoint(data["host"], data["port"])


def _map_server(data: dict[str, Any]) -> MapServer:
    units = tuple(MsUnit(unit["name"], _netconf(unit["netconf"])) for unit in data["units"])
    return MapServer(data["name"], ipaddress.ip_address(data["lisp_address"]), units)


def _site_map_servers(data: dict[str, Any]) -> tuple[str, ...]:
    return tuple(data["map_servers"]) if "map_servers" in data else (data["map_server"],)


def _site(data: dict[str, Any]) -> Site:
    etrs = tuple(
        Etr(
            etr["name"],
            ipaddress.ip_address(etr["rloc"]),
            _netconf(etr["netconf"]) if "netconf" in etr else None,
            frozenset(etr.get("supports", ())),
            priority=etr.get("priority", 1),
            weight=etr.get("weight", 100),
        )
        for etr in data["etrs"]
    )
    eids = tuple(Eid(eid["instance_id"], parse_network(eid["prefix"])) for eid in data["eids"])
    return Site(
        data["name"],
        data["site_id"],
        _site_map_servers(data),
        data["key_id"],
        algorithm_from_name(data["algorithm"]),
        Secret(data["key"]),
        etrs,
        eids,
        proxy_reply=bool(data.get("proxy_reply", False)),
    )
