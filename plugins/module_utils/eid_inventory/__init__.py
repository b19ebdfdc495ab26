# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The EID inventory: model, YAML loader/validator and dumper.

Format and rules: docs/eid-inventory.md.
"""

from __future__ import annotations

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory.checks import (
    check_inventory,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory.dump import (
    dump_inventory,
    inventory_to_dict,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory.errors import (
    InventoryError,
    Problem,
    UnknownNameError,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory.loader import (
    load_inventory,
    parse_inventory,
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

__all__ = [
    "EidInventory",
    "Etr",
    "InventoryError",
    "MapServer",
    "MsUnit",
    "NetconfEndpoint",
    "Problem",
    "Secret",
    "Site",
    "UnknownNameError",
    "check_inventory",
    "dump_inventory",
    "inventory_to_dict",
    "load_inventory",
    "parse_inventory",
]
