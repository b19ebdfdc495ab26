# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""bridge_handback reads the EID inventory on the controller (vault values) first."""

from __future__ import annotations

from ansible_collections.lispnet.ms_recovery.plugins.plugin_utils.eid_inventory_action import (
    EidInventoryAction,
)


class ActionModule(EidInventoryAction):
    pass
