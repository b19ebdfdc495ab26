#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ansible module: resolve EIDs through a Map-Server with real LISP Map-Requests."""

from __future__ import annotations

DOCUMENTATION = r"""
module: map_request
short_description: Resolve EIDs through a LISP Map-Server with real Map-Requests
version_added: "0.1.0"
description:
  - Plays an ITR on the controller. For each EID it sends a Map-Request inside an
    Encapsulated Control Message to the map-server's LISP address (UDP 4342), asking for one
    host inside the EID prefix (the first host address), with the controller's socket address
    as inner source and ITR-RLOC. The Map-Reply comes from the Map-Server (proxy or negative
    reply) or from the ETR the Map-Server forwarded the request to; it is matched by nonce.
  - Each answer is judged against the EID inventory. C(ok) means the Map-Reply's RLOCs are
    exactly the RLOCs of the owning site's ETRs; C(negative) means a reply without RLOCs (the
    Map-Server has no registration, for example right after a reboot); C(rloc_mismatch) means
    other RLOCs (or a reply not covering the EID); C(timeout) means no reply.
  - This is the end-to-end view an ITR gets, beyond what the registration table says.
  - Read-only; it never reports C(changed). The probes are sent in check mode too, as they
    change nothing on any router.
author: lispnet ms_recovery developers (@lispnet)
extends_documentation_fragment:
  - lispnet.ms_recovery.eid_inventory
options:
  map_server:
    description:
      - Name of the map-server in the EID inventory to ask (its O(eid_inventory)
        C(lisp_address)). Defaults to the only map-server of the inventory.
    type: str
  eids:
    description:
      - EIDs to resolve, as prefixes (C(10.1.0.0/24), C([100]2001:db8::/48) with an instance-id)
        or host addresses (C(10.1.0.7)). A prefix is asked as its first host address.
      - Defaults to every EID prefix of the map-server's sites.
    type: list
    elements: str
  sample:
    description:
      - Resolve only this many of the EIDs, spread evenly over the list (the same ones on
        every run).
    type: int
  timeout:
    description:
      - Seconds to wait for the Map-Reply after each transmission.
    type: float
    default: 2
  retries:
    description:
      - Retransmissions of an unanswered Map-Request (same nonce).
    type: int
    default: 1
  concurrency:
    description:
      - Map-Requests outstanding at the same time.
    type: int
    default: 64
  source_address:
    description:
      - Local address of the controller's UDP socket; it is also the ITR-RLOC and the inner
        source address. Defaults to the address the controller uses to reach the map-server.
    type: str
  fail_on:
    description:
      - "Thresholds that fail the task when a count exceeds them, for example
        C({negative: 0, rloc_mismatch: 0, timeout: 0})."
      - Keys are C(negative), C(rloc_mismatch) and C(timeout). Without it the task only
        reports.
    type: dict
    default: {}
attributes:
  check_mode:
    description: Sends the same probes in check mode (they change nothing).
    support: full
notes:
  - Runs on the controller whatever the task's connection is; only the EID inventory is
    needed. The replies must be able to reach the controller's address.
seealso:
  - module: lispnet.ms_recovery.reregister
"""

EXAMPLES = r"""
- name: Check that every EID resolves to its site's ETRs
  lispnet.ms_recovery.map_request:
    eid_inventory: "{{ lisp_eid_inventory }}"
    fail_on: {negative: 0, rloc_mismatch: 0, timeout: 0}
  register: resolution

- name: Spot-check 50 EIDs and one host
  lispnet.ms_recovery.map_request:
    eid_inventory: "{{ lisp_eid_inventory }}"
    sample: 50

- name: Ask for particular hosts
  lispnet.ms_recovery.map_request:
    eid_inventory: "{{ lisp_eid_inventory }}"
    eids: [10.0.0.7, "2001:db8:0:1::9"]
"""

RETURN = r"""
map_server:
  description: The map-server asked.
  returned: always
  type: str
map_server_address:
  description: Its LISP address the Map-Requests went to.
  returned: always
  type: str
results:
  description:
    - One entry per EID, in order. C(eid) as asked, C(query) the host EID sent, C(site) the
      owning site (null if none), C(status) (ok, negative, rloc_mismatch, timeout), C(rlocs)
      the Map-Reply's RLOCs, C(expected_rlocs) the site's ETR RLOCs, C(latency_ms) from the
      first transmission, C(replier) the address the Map-Reply came from, C(reply_eid),
      C(ttl) (minutes), C(action) (negative replies), C(attempts), C(detail).
  returned: always
  type: list
  elements: dict
  sample:
    - eid: "[0]10.0.0.0/24"
      query: "[0]10.0.0.1/32"
      site: site-00001
      status: ok
      rlocs: [127.100.1.1]
      expected_rlocs: [127.100.1.1]
      latency_ms: 2.1
      replier: 127.100.0.1
      reply_eid: "[0]10.0.0.0/24"
      ttl: 1440
      action: null
      attempts: 1
      detail: null
summary:
  description: Counts per status, the total and latency (min, median, max in ms).
  returned: always
  type: dict
  sample: {total: 10, ok: 10, negative: 0, rloc_mismatch: 0, timeout: 0,
           latency_ms: {min: 1.2, median: 2.0, max: 5.3}}
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory import (
    InventoryError,
    UnknownNameError,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.libraries import (
    require_libraries,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.module_support import (
    EID_INVENTORY_ARGS,
    fail_with,
    inventory_from_module,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.recovery.resolver_run import (
    ProbeSettings,
    run_map_request,
)

ARGUMENT_SPEC = {
    **EID_INVENTORY_ARGS,
    "map_server": {"type": "str"},
    "eids": {"type": "list", "elements": "str"},
    "sample": {"type": "int"},
    "timeout": {"type": "float", "default": 2.0},
    "retries": {"type": "int", "default": 1},
    "concurrency": {"type": "int", "default": 64},
    "source_address": {"type": "str"},
    "fail_on": {"type": "dict", "default": {}},
}


def main() -> None:
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    require_libraries(module)
    p = module.params
    if p["timeout"] <= 0 or p["retries"] < 0 or p["concurrency"] < 1:
        module.fail_json(msg="timeout must be positive, retries >= 0 and concurrency >= 1")
    if p["sample"] is not None and p["sample"] < 1:
        module.fail_json(msg="sample must be at least 1")
    try:
        fail_on = {k: None if v is None else int(v) for k, v in p["fail_on"].items()}
    except (TypeError, ValueError):
        module.fail_json(msg="fail_on values must be integers")
    try:
        result = run_map_request(
            inventory_from_module(module),
            map_server=p["map_server"],
            eids=p["eids"],
            sample=p["sample"],
            settings=ProbeSettings(
                timeout=p["timeout"],
                retries=p["retries"],
                concurrency=p["concurrency"],
                source_address=p["source_address"],
            ),
            fail_on=fail_on,
        )
    except (InventoryError, UnknownNameError, ValueError, OSError) as exc:
        fail_with(module, exc, changed=False)
    if result.get("failed"):
        module.fail_json(**result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
