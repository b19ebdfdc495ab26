#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Module bridge_handback: follow a reregister run's bridges until the sites'
own ETRs take over (logic in module_utils/recovery/bridge_handback.py)."""

from __future__ import annotations

DOCUMENTATION = r"""
module: bridge_handback
short_description: Follow bridged sites until their own ETRs register on a LISP Map-Server
version_added: 0.1.0
author: lispnet ms_recovery developers (@lispnet)
description:
  - The hand-back of M(lispnet.ms_recovery.reregister)'s bridge registrations (its method
    C(register)) as a task of its own, so that
    a playbook can write its recovery report as soon as the table is whole (run
    C(reregister) with C(handback_timeout=0)) and follow the hand-back afterwards.
  - Reads the Map-Server's registration table over NETCONF (about once a second; less
    often when a read takes long) until every site that the earlier run (O(reregister))
    bridged shows its own ETR registration, and notes when (C(etr_confirmed) of the site in
    RV(reregister)).
  - With O(withdraw_bridges) each such site's bridge is then withdrawn, from the address and
    port the earlier run sent it from (see the C(reregister) option of the same name and
    docs/bridge-registration.md for which Map-Servers honour it). Otherwise the bridges
    expire on the Map-Server within three minutes (RFC 9301 section 8.2).
  - Returns the earlier result with those times filled in (RV(reregister)), to write the
    report again.
extends_documentation_fragment:
  - lispnet.ms_recovery.eid_inventory
options:
  reregister:
    description:
      - The registered result of the C(reregister) task whose bridges to follow.
    type: dict
    required: true
  timeout:
    description:
      - Seconds to wait for the bridged sites' own ETR registrations; sites still waiting
        then are listed in RV(handback) (C(waiting); their bridges expire on the Map-Server).
    type: float
    default: 90
  withdraw_bridges:
    description:
      - Withdraw each bridge once its site's ETR registration shows (T bit and record TTL
        0, RFC 9301 section 5.6); only for Map-Servers known to honour the T bit.
    type: bool
    default: false
  nonce_file:
    description:
      - The controller's persisted nonce counter, shared with C(reregister).
    type: path
    default: ~/.local/state/lispnet_ms_recovery/notify.nonce
  platform:
    description:
      - The YANG models the device speaks (see M(lispnet.ms_recovery.registrations)).
    type: str
    default: ietf
    choices: [ietf, iosxe]
attributes:
  check_mode:
    description: Waits and reads only; sends nothing in check mode.
    support: full
  diff_mode:
    description: Not supported.
    support: none
notes:
  - Needs C(ansible_connection=ansible.netcommon.netconf) to the Map-Server's active unit.
"""

EXAMPLES = r"""
- name: Restore the table with bridges, without waiting for the ETRs
  lispnet.ms_recovery.reregister:
    eid_inventory: eids.yml
    method: auto
    handback_timeout: 0
  register: recovery

# ... write the report at once, then:
- name: Follow the bridged sites until their own ETRs register
  lispnet.ms_recovery.bridge_handback:
    eid_inventory: eids.yml
    reregister: "{{ recovery }}"
    timeout: 90
  register: handback
"""

RETURN = r"""
reregister:
  description:
    - The earlier C(reregister) result, with C(etr_confirmed) and C(bridge_withdrawn) of each
      bridged site filled in (UTC, ISO 8601; null when it did not happen).
  returned: always
  type: dict
handback:
  description:
    - C(followed) bridged sites followed, C(confirmed) of them seen registered by their own
      ETRs, C(withdrawn) bridges withdrawn, C(waiting) the sites still waiting at the
      timeout, C(withdraw_error) why no bridge could be withdrawn (null when none),
      C(not_followed) why the bridges could not be followed at all, e.g. a Map-Server whose
      table does not tell a registration's source (null when they were).
  returned: always
  type: dict
  sample: {"followed": 3, "confirmed": 3, "withdrawn": 0, "waiting": [], "withdraw_error": null,
           "not_followed": null}
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory import (
    InventoryError,
    UnknownNameError,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.nonce import (
    DEFAULT_NONCE_FILE,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.module_support import (
    EID_INVENTORY_ARGS,
    fail_with,
    inventory_from_module,
    session_from_module,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.netconf_session import (
    NetconfFailure,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms import (
    DEFAULT_PLATFORM,
    PLATFORMS,
    get_platform,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.recovery.bridge_handback import (
    HandbackError,
    run_handback,
    waiting_bridges,
)

ARGUMENT_SPEC = {
    **EID_INVENTORY_ARGS,
    "reregister": {"type": "dict", "required": True},
    "timeout": {"type": "float", "default": 90.0},
    "withdraw_bridges": {"type": "bool", "default": False},
    "nonce_file": {"type": "path", "default": DEFAULT_NONCE_FILE},
    "platform": {"type": "str", "choices": list(PLATFORMS), "default": DEFAULT_PLATFORM},
}


def main() -> None:
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    p = module.params
    if p["timeout"] < 0:
        module.fail_json(msg=f"timeout must be 0 or more, got {p['timeout']}")
    try:
        inventory = inventory_from_module(module)
        previous = p["reregister"]
        if module.check_mode or not waiting_bridges(inventory, previous):
            # Nothing bridged (or check mode, where nothing was): nothing to follow.
            result = run_handback(inventory, previous, lambda: [], timeout=0.0, withdraw=False)
        else:
            platform = get_platform(p["platform"])
            session = session_from_module(module)
            owner = inventory.eid_owner()
            result = run_handback(
                inventory,
                previous,
                lambda: platform.read_registered(session, owner),
                timeout=p["timeout"],
                withdraw=p["withdraw_bridges"],
                nonce_file=p["nonce_file"],
            )
    except (InventoryError, UnknownNameError, NetconfFailure, HandbackError, OSError) as exc:
        fail_with(module, exc, changed=False)
    handback = result.pop("handback")
    module.exit_json(changed=handback["withdrawn"] > 0, reregister=result, handback=handback)


if __name__ == "__main__":
    main()
