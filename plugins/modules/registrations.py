#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Module registrations: compare the Map-Server's table with the EID inventory
(logic in module_utils/registration_check.py)."""

from __future__ import annotations

DOCUMENTATION = r"""
module: registrations
short_description: Check a LISP Map-Server's registration table against the EID inventory
version_added: 0.1.0
author: lispnet ms_recovery developers (@lispnet)
description:
  - Reads the registration table of the active Map-Server unit over NETCONF and compares it
    with the EID inventory's sites of one map-server.
  - Reports, with exact counts and capped lists, the EIDs that are missing (in the inventory,
    not registered), unexpected (registered, not in the inventory), registered with other
    RLOCs than the site's ETRs (rloc_mismatch), and stale (last registration too old).
  - Read-only, so it never reports changed. Fails the task when a count exceeds its
    O(fail_on) threshold, naming the first EIDs or sites concerned.
extends_documentation_fragment:
  - lispnet.ms_recovery.eid_inventory
options:
  map_server:
    description:
      - Name of the inventory's map-server to compare with.
      - Defaults to the map-server listing this unit (by unit name, else by the LISP address
        the unit serves), else to the only one in the inventory.
    type: str
  stale_after:
    description:
      - An EID whose newest registration is older than this many seconds counts as stale.
      - C(0) disables the check. The default is the usual registration timeout of 3 minutes.
    type: int
    default: 180
  max_list:
    description:
      - At most this many entries in each returned list; counts are always exact.
    type: int
    default: 100
  fail_on:
    description:
      - "Thresholds that fail the task when a count exceeds them, for example
        C({missing: 0, rloc_mismatch: 0})."
      - Keys are C(missing), C(unexpected), C(rloc_mismatch), C(stale) and C(missing_sites).
    type: dict
    default: {}
  on_standby:
    description:
      - What to do on a standby unit, whose table is normally empty.
      - C(skip) reports the task as skipped; C(check) compares its table anyway.
    type: str
    default: skip
    choices: [skip, check]
  platform:
    description:
      - The YANG models the device speaks.
      - C(ietf) is the IETF LISP models (with the lispnet-ms-recovery augment
        when the server announces it), C(iosxe) Cisco IOS-XE's own models
        (docs/platforms.md). Unset, the platform of the host's
        C(ansible_network_os) (C(lispnet.ms_recovery.iosxe) means C(iosxe)), else C(ietf).
    type: str
    default: ietf
    choices: [ietf, iosxe]
attributes:
  check_mode:
    description: Read-only; runs the same in check mode.
    support: full
  diff_mode:
    description: Not supported.
    support: none
notes:
  - Needs C(ansible_connection=ansible.netcommon.netconf).
  - Run it on all units of the Map-Server; only the active one compares by default.
"""

EXAMPLES = r"""
- name: Verify the table after a recovery
  lispnet.ms_recovery.registrations:
    eid_inventory: "{{ lisp_eid_inventory }}"
    map_server: ms1
    fail_on:
      missing: 0
      rloc_mismatch: 0
  register: table

- name: Show the sites still missing
  ansible.builtin.debug:
    var: table.missing_sites
  when: table.counts is defined and table.counts.missing > 0
"""

RETURN = r"""
complete:
  description: Every expected EID is registered with its site's ETR RLOCs (unexpected and
    stale entries do not count against it).
  returned: when compared
  type: bool
map_server:
  description: The map-server compared with.
  returned: when compared
  type: str
expected:
  description: EIDs the inventory gives this map-server.
  returned: when compared
  type: int
registered:
  description: Expected EIDs that are registered.
  returned: when compared
  type: int
counts:
  description: Exact counts of missing, unexpected, rloc_mismatch, stale and missing_sites.
  returned: when compared
  type: dict
  sample: {missing: 2, unexpected: 0, rloc_mismatch: 0, stale: 0, missing_sites: 1}
missing:
  description: EIDs of the inventory not in the table (site, eid, instance_id).
  returned: when compared
  type: list
  elements: dict
missing_sites:
  description: Sites with missing EIDs, with how many (site, missing).
  returned: when compared
  type: list
  elements: dict
unexpected:
  description: Registered EIDs the inventory does not give this map-server (site, eid,
    instance_id, rlocs).
  returned: when compared
  type: list
  elements: dict
rloc_mismatch:
  description: EIDs registered with other RLOCs than the site's ETRs (site, eid,
    instance_id, expected_rlocs, registered_rlocs).
  returned: when compared
  type: list
  elements: dict
stale:
  description: EIDs whose newest registration is older than O(stale_after) (site, eid,
    instance_id, last_registered, age in seconds).
  returned: when compared
  type: list
  elements: dict
truncated:
  description: Some list was cut at O(max_list) entries.
  returned: when compared
  type: bool
active:
  description: Whether the unit is the active one of its pair.
  returned: always
  type: bool
unit:
  description: Name and HA role of the unit read.
  returned: when the device reports unit data
  type: dict
changed:
  description: Always false, the module only reads.
  returned: always
  type: bool
"""

from datetime import UTC, datetime
from typing import Any

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.libraries import (
    require_libraries,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.module_support import (
    EID_INVENTORY_ARGS,
    EXPECTED_FAILURES,
    fail_with,
    inventory_from_module,
    select_map_server,
    session_from_module,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms import (
    DEFAULT_PLATFORM,
    PLATFORMS,
    get_platform,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.registration_check import (
    THRESHOLDS,
    check_registrations,
    failure_message,
    threshold_failures,
)


def _fail_on(module: AnsibleModule) -> dict[str, int]:
    raw = module.params["fail_on"] or {}
    unknown = sorted(set(raw) - set(THRESHOLDS))
    if unknown:
        module.fail_json(
            msg=f"fail_on: unknown {', '.join(unknown)}; valid: {', '.join(THRESHOLDS)}"
        )
    try:
        return {name: int(value) for name, value in raw.items()}
    except (TypeError, ValueError):
        module.fail_json(msg=f"fail_on: thresholds are integers, got {raw!r}")
        raise  # unreachable: fail_json exits


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "map_server": {"type": "str"},
            "stale_after": {"type": "int", "default": 180},
            "max_list": {"type": "int", "default": 100},
            "fail_on": {"type": "dict", "default": {}},
            "on_standby": {"type": "str", "default": "skip", "choices": ["skip", "check"]},
            "platform": {"type": "str", "default": DEFAULT_PLATFORM, "choices": list(PLATFORMS)},
            **EID_INVENTORY_ARGS,
        },
        supports_check_mode=True,
    )
    require_libraries(module)
    params = module.params
    fail_on = _fail_on(module)
    if params["max_list"] < 0 or params["stale_after"] < 0:
        module.fail_json(msg="max_list and stale_after must not be negative")
    platform = get_platform(params["platform"])
    try:
        inventory = inventory_from_module(module)
        session = session_from_module(module)
        unit = platform.read_ms_unit(session).unit
        info: dict[str, Any] = {"active": unit is None or unit.ha_role == "active"}
        if unit is not None:
            info["unit"] = {"name": unit.unit_name, "role": unit.ha_role}
        if unit is not None and not info["active"] and params["on_standby"] == "skip":
            module.exit_json(
                changed=False,
                skipped=True,
                msg=f"{unit.unit_name} is {unit.ha_role}: only the active unit's table counts",
                **info,
            )
        ms = select_map_server(
            inventory,
            params["map_server"],
            unit_name=None if unit is None else unit.unit_name,
            service_address=None
            if unit is None or unit.service_address is None
            else str(unit.service_address),
        )
        report = check_registrations(
            platform.read_registered(session, inventory.expected(ms.name)),
            inventory,
            ms.name,
            now=datetime.now(UTC),
            stale_after=params["stale_after"] or None,
            max_list=params["max_list"],
        )
    except EXPECTED_FAILURES as exc:
        fail_with(module, exc)
    result = {"changed": False, **info, **report.as_result()}
    failures = threshold_failures(report, fail_on)
    if failures:
        name = None if unit is None else unit.unit_name
        module.fail_json(msg=failure_message(report, failures, name), **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
