#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Module ms_state: detect a Map-Server unit's reboot or switchover (logic in
module_utils/state/)."""

from __future__ import annotations

DOCUMENTATION = r"""
module: ms_state
short_description: Detect a reboot or switchover of a LISP Map-Server unit
version_added: 0.1.0
author: lispnet ms_recovery developers (@lispnet)
description:
  - Reads one Map-Server unit over NETCONF (boot time, HA role, reboot count and registration
    counts, a cheap read) and compares it with the last known state of that unit, kept in a
    JSON state file on the controller.
  - Tells whether the unit was seen for the first time, rebooted, switched over, or nothing
    happened, and how many EIDs its registration table lacks.
  - Run it on every unit of a Map-Server pair (parallel forks are safe); the units of one
    Map-Server share one state file, updated under a lock and written atomically.
  - An event is reported once; the next run against an unchanged unit reports C(none).
extends_documentation_fragment:
  - lispnet.ms_recovery.eid_inventory.optional
options:
  state_file:
    description:
      - Path on the controller of the state file of this unit's Map-Server.
      - Defaults to C(~/.cache/lispnet_ms_recovery/<map_server>.json).
      - Give all units of one Map-Server the same file.
    type: path
  map_server:
    description:
      - Name of the Map-Server the unit belongs to; names the default state file.
      - With O(eid_inventory), defaults to the inventory's map-server that lists this unit
        (by unit name, else by the LISP address the unit serves).
      - Without it, defaults to C(ms-<service address>), the LISP address the pair serves.
    type: str
  split_brain_window:
    description:
      - Seconds within which two units' claims to be active count as a split brain.
        It is short because the units of a pair are checked seconds apart and an older
        claim may predate a switchover.
    type: float
    default: 10.0
  watch_event:
    description:
      - The event of the C(lispnet.ms_recovery.ms_watch) source that started this run
        (C(ansible_eda.event.lisp_ms)); the ms_recovery role passes it when run by the
        rulebook.
      - Its C(previous_boot_seen_at) or C(previous_active_seen_at), the last poll that read
        the unit serving, bounds RV(down_window) when it is later than this module's own last
        read. Nothing else of it is used.
    type: dict
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
    description: Reads the device; the state file is neither created nor written.
    support: full
  diff_mode:
    description: Not supported.
    support: none
notes:
  - Needs C(ansible_connection=ansible.netcommon.netconf).
  - "After a reboot or switchover, wait for the NETCONF port and run C(meta: reset_connection)
    before this module: the persistent connection does not survive the device's restart."
  - C(reboot) wins over C(switchover) when both happened since the last run.
"""

EXAMPLES = r"""
- name: Check both Map-Server units
  hosts: map_servers
  gather_facts: false
  tasks:
    - name: Read the unit and compare with the last run
      lispnet.ms_recovery.ms_state:
        eid_inventory: "{{ lisp_eid_inventory }}"
      register: ms

    - name: Recover when the active unit lost its table
      ansible.builtin.debug:
        msg: "{{ inventory_hostname }}: {{ ms.event }}, {{ ms.missing }} EIDs missing"
      when: ms.active and ms.event in ['reboot', 'switchover']
"""

RETURN = r"""
event:
  description:
    - C(first_seen) the state file had no record of this unit.
    - C(reboot) boot time later or reboot count higher than last seen.
    - C(switchover) the unit's HA role changed, or it is active while another unit of its
      pair was last seen active.
    - C(none) nothing happened since the last run.
  returned: success
  type: str
  sample: reboot
active:
  description: Whether this unit is the active one of its pair.
  returned: success
  type: bool
active_units:
  description:
    - The units of this unit's pair that claimed to be active within
      O(split_brain_window) seconds, this one included when active (each run records
      its unit's claim next to the state file, in C(<state_file>.claims)).
  returned: success
  type: list
  elements: str
split_brain:
  description:
    - True when more than one unit of the pair claims to be active (RV(active_units)).
      Both would answer for the service address; the ms_recovery role then does not
      recover unless its variable C(ms_recovery_split_brain_recover) says so.
    - Parallel forks see each other's claim only in the order they run; the role also
      compares the units checked in its play.
  returned: success
  type: bool
map_server:
  description: The Map-Server name the state is kept under.
  returned: success
  type: str
  sample: ms1
unit:
  description: The unit as read now.
  returned: success
  type: dict
  contains:
    name:
      description: Unit name.
      type: str
      returned: success
    role:
      description: HA role, C(active) or C(standby).
      type: str
      returned: success
    boot_time:
      description: Boot time, ISO 8601 in UTC.
      type: str
      returned: success
    reboot_count:
      description: Reboots the unit counted.
      type: int
      returned: success
    service_address:
      description: The LISP address the pair serves.
      type: str
      returned: success
expected:
  description: EIDs the table should hold (from the EID inventory when given, else the
    Map-Server's configured EIDs). Null when the device reports no count.
  returned: success
  type: int
expected_source:
  description: Where RV(expected) comes from, C(eid_inventory) or C(map_server).
  returned: success
  type: str
registered:
  description: EIDs registered in this unit's table.
  returned: success
  type: int
missing:
  description: RV(expected) minus RV(registered), not below 0.
  returned: success
  type: int
previous:
  description: This unit's record from the state file before this run (same keys as
    RV(unit)), or null.
  returned: success
  type: dict
down_window:
  description:
    - After a C(reboot) or C(switchover) (null otherwise), the best bound the tool has of when
      the Map-Server was down; no platform tells when a unit went down.
    - The times mix the controller's clock (sightings, reads) and the unit's (boot and
      switchover times); keep both on NTP.
  returned: success
  type: dict
  contains:
    event:
      description: C(reboot) or C(switchover).
      type: str
      returned: success
    down_after:
      description:
        - The unit went down after this instant (ISO 8601, UTC) - the tool's last read of it
          serving in its previous boot (reboot) or of the previously active unit still active
          (switchover), kept next to the state file in C(<state_file>.claims), or the
          O(watch_event)'s last poll when later.
        - Null when unknown (first run, no claims file, or a sighting later than the unit's
          own time, so the clocks disagree); RV(down_window.down_after_source) says why.
      type: str
      returned: success
    down_after_source:
      description: Where RV(down_window.down_after) comes from, or why it is unknown.
      type: str
      returned: success
    down_by:
      description: The unit was down at the latest from this instant (its new boot time, or
        the switchover).
      type: str
      returned: success
    back_at:
      description: When the Map-Server was back (the new boot time; for a switchover the time
        the platform reports, else the read that found it, see RV(down_window.back_exact)).
      type: str
      returned: success
    back_exact:
      description: False when RV(down_window.back_at) is only "at the latest" (the platform
        reports no switchover time).
      type: bool
      returned: success
    back_source:
      description: Where RV(down_window.back_at) comes from (e.g. C(ietf-system
        boot-datetime), C(Cisco-IOS-XE-ha-oper last-switchover-time)).
      type: str
      returned: success
state_file:
  description: Path of the state file used.
  returned: success
  type: str
changed:
  description:
    - True when the state file recorded a change of the unit (a reboot, a switchover, a
      new boot time or role; in check mode, when it would).
    - False when the unit is seen for the first time (RV(event=first_seen)) - the state file
      then records a baseline, which is not a change of anything.
  returned: always
  type: bool
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.libraries import (
    require_libraries,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.module_support import (
    EXPECTED_FAILURES,
    eid_inventory_args,
    fail_with,
    map_servers_from_module,
    session_from_module,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms import (
    DEFAULT_PLATFORM,
    PLATFORMS,
    get_platform,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.state.ms_check import (
    MsStateRequest,
    check_ms_state,
)


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "state_file": {"type": "path"},
            "map_server": {"type": "str"},
            "platform": {"type": "str", "default": DEFAULT_PLATFORM, "choices": list(PLATFORMS)},
            "split_brain_window": {"type": "float", "default": 10.0},
            "watch_event": {"type": "dict"},
            **eid_inventory_args(required=False),
        },
        supports_check_mode=True,
    )
    require_libraries(module)
    params = module.params
    try:
        # Only the Map-Servers and their EID counts: building 10,000 sites here
        # would cost both units of a pair CPU before the recovery starts.
        inventory, expected_eids = (
            map_servers_from_module(module) if params["eid_inventory"] else (None, None)
        )
        result = check_ms_state(
            get_platform(params["platform"]),
            session_from_module(module),
            MsStateRequest(
                state_file=params["state_file"],
                map_server=params["map_server"],
                check_mode=module.check_mode,
                split_brain_window=params["split_brain_window"],
                watch_event=params["watch_event"],
            ),
            inventory,
            expected_eids,
        )
    except EXPECTED_FAILURES as exc:
        fail_with(module, exc)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
