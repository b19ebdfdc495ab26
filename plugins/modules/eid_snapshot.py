# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Learn the EID inventory from a healthy Map-Server (logic: module_utils/snapshot.py)."""

from __future__ import annotations

DOCUMENTATION = r"""
module: eid_snapshot
short_description: Learn the EID inventory from a healthy LISP Map-Server
description:
  - Reads a Map-Server unit over NETCONF (its stored sites, that is the basic routing info of
    every site, its site configuration and its registration table) and writes or merges the
    EID inventory file O(dest) that the recovery modules restore from.
  - ETRs are the stored ETRs of each site plus every RLOC that actually registered; an
    ETR's NETCONF endpoint is kept from the existing inventory.
  - A Map-Server never returns keys, so each site's key comes from an existing inventory
    (O(keys_from), else O(dest)). A site whose key is unknown (or was stored for another
    key-id) is written with a C(!missing-key) placeholder, which the inventory loader refuses,
    and is listed in RV(missing_keys); the task then fails without writing unless
    O(allow_missing_keys=true).
  - Reports the drift between the Map-Server and the existing file (sites, EIDs and RLOCs
    added or removed, changed site settings). The task is changed only when the file content
    changes, so a second run is not changed.
  - The file is written atomically with mode 0600, because it holds keys. Sites of other
    map-servers in the file are kept as they are.
  - Run it against one unit of the Map-Server (C(ansible_connection=ansible.netcommon.netconf)).
version_added: 0.1.0
author: lispnet ms_recovery developers (@lispnet)
options:
  dest:
    description:
      - The EID inventory file to write (on the controller). A relative path is relative to the
        playbook directory.
      - When it exists it is the base the snapshot is merged into and the drift is measured
        against; it must be valid (a C(!missing-key) placeholder written by this module is
        accepted). A file encrypted as a whole with Ansible Vault is refused; vault the keys
        one by one (C(ansible-vault encrypt_string)) instead.
    type: path
    required: true
  keys_from:
    description:
      - An existing EID inventory to take site keys (and, when O(dest) does not exist yet,
        everything else the Map-Server does not return) from. Default O(dest) when it exists.
      - Keys are looked up here first, then in O(dest). Vault values are decrypted on the
        controller with the run's vault secrets.
      - A relative path is looked up relative to the playbook (or role) C(files/) directory,
        then the playbook directory.
    type: path
  keys:
    description:
      - How keys are written. V(keep-vault) writes a key that was an Ansible Vault value in its
        source as that same vault value and other keys as they were (clear text).
        V(plain) writes every key in clear text.
    type: str
    choices: [keep-vault, plain]
    default: keep-vault
  merge:
    description:
      - V(true) keeps the sites of this map-server that are in the file but not on the
        Map-Server (they are still reported in RV(drift.sites_removed)).
      - V(false) makes the file mirror the Map-Server for its sites; a site that also
        registers to other map-servers (C(map_servers) in the file) then stays for those.
      - A site learned here keeps the other map-servers the file lists for it; a site of
        another map-server found here too is listed under both.
    type: bool
    default: true
  allow_missing_keys:
    description:
      - Write the file even when some sites have no known key (with a placeholder each).
        Such a file does not load until every placeholder is replaced with a key.
    type: bool
    default: false
  map_server:
    description:
      - Name of the map-server (in the inventory) this unit belongs to. Default the
        map-server of the existing inventory that has a unit of the name the Map-Server
        reports, or that serves its LISP address.
      - Required, together with O(units), only when no existing inventory describes it.
    type: str
  units:
    description:
      - The units of a map-server that no existing inventory describes yet.
    type: list
    elements: dict
    suboptions:
      name:
        description: Unit name (unique over all map-servers).
        type: str
        required: true
      host:
        description: NETCONF address of the unit.
        type: str
        required: true
      port:
        description: NETCONF port of the unit.
        type: int
        default: 830
  platform:
    description:
      - YANG models the Map-Server speaks.
      - C(ietf) is the IETF LISP models (with the lispnet-ms-recovery augment
        when the server announces it), C(iosxe) Cisco IOS-XE's own models
        (docs/platforms.md). Unset, the platform of the host's
        C(ansible_network_os) (C(lispnet.ms_recovery.iosxe) means C(iosxe)), else C(ietf).
    type: str
    choices: [ietf, iosxe]
    default: ietf
  _sources:
    description:
      - Set by the collection's action plugin, not by tasks. The existing inventory files
        (O(dest), O(keys_from)) as the controller read them, keys decrypted (never logged).
    type: dict
attributes:
  check_mode:
    description: Reports the drift and writes nothing.
    support: full
  diff_mode:
    description: Not supported (a diff would show keys).
    support: none
notes:
  - Supports check mode; it then reports the drift and writes nothing.
  - Site keys never appear in the results or logs; only names, counts and drift are returned.
  - Needs the collection's action plugin (it is used automatically), which reads the files on
    the controller with the run's vault secrets.
seealso:
  - module: ansible.netcommon.netconf_get
"""

EXAMPLES = r"""
- name: Refresh the EID inventory from the active Map-Server unit
  lispnet.ms_recovery.eid_snapshot:
    dest: "{{ lisp_eid_inventory }}"
  when: inventory_hostname == 'ms1-a'
  register: snap

- name: Show what changed on the Map-Server since the last snapshot
  ansible.builtin.debug:
    var: snap.drift

- name: Start a new file for the sites on this Map-Server, keys from the old file
  lispnet.ms_recovery.eid_snapshot:
    dest: inventory/eids-new.yml
    keys_from: inventory/eids.yml
    merge: false
"""

RETURN = r"""
dest:
  description: The absolute path of the EID inventory file.
  returned: always
  type: str
map_server:
  description: The map-server (inventory name) the snapshot is for.
  returned: success
  type: str
  sample: ms1
counts:
  description: Counts of the written (or, in check mode, would-be) inventory.
  returned: success
  type: dict
  sample: {map_servers: 1, ms_units: 2, sites: 5, etrs: 5, eids: 10, eids_ipv4: 5, eids_ipv6: 5}
learned_sites:
  description: How many sites were read from the Map-Server.
  returned: success
  type: int
kept_sites:
  description: Sites of this map-server that are only in the file and were kept (O(merge=true)).
  returned: success
  type: list
  elements: str
missing_keys:
  description: Sites written (or that would be written) with a key placeholder.
  returned: always
  type: list
  elements: str
skipped_sites:
  description: Sites on the Map-Server that could not be written, each with the reason.
  returned: success
  type: list
  elements: dict
  sample: [{site: site-9, reason: "no ETR is known for it"}]
drifted:
  description: Whether the Map-Server differs from the existing file.
  returned: success
  type: bool
drift:
  description: The Map-Server against the existing file, for this map-server's sites.
  returned: success
  type: dict
  contains:
    sites_added:
      description: Sites on the Map-Server but not in the file.
      type: list
      elements: str
    sites_removed:
      description: Sites in the file but not on the Map-Server.
      type: list
      elements: str
    eids:
      description: Per site, EIDs added and removed (C([instance-id]prefix)).
      type: dict
      sample: {site-2: {added: ["[0]10.9.0.0/24"], removed: []}}
    rlocs:
      description: Per site, ETR RLOCs added and removed.
      type: dict
    settings:
      description: Per site, the settings that changed (site_id, key_id, algorithm).
      type: dict
    lisp_address:
      description: Old and new LISP address of the map-server, when it changed.
      type: dict
      returned: when changed
"""

import os
from typing import Any

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.atomic_file import (
    atomic_write_text,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory import (
    EidInventory,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.libraries import (
    require_libraries,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.module_support import (
    TaskError,
    fail_with,
    session_from_module,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms import (
    DEFAULT_PLATFORM,
    PLATFORMS,
    get_platform,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.snapshot import (
    KEY_MODES,
    Snapshot,
    Sources,
    UnitSpec,
    find_map_server,
    from_transport,
    parse_reference,
    render,
    take_snapshot,
)

SOURCES_OPTION = "_sources"

ARGUMENT_SPEC: dict[str, Any] = {
    "dest": {"type": "path", "required": True},
    "keys_from": {"type": "path"},
    "keys": {"type": "str", "choices": list(KEY_MODES), "default": "keep-vault"},
    "merge": {"type": "bool", "default": True},
    "allow_missing_keys": {"type": "bool", "default": False},
    "map_server": {"type": "str"},
    "units": {
        "type": "list",
        "elements": "dict",
        "options": {
            "name": {"type": "str", "required": True},
            "host": {"type": "str", "required": True},
            "port": {"type": "int", "default": 830},
        },
    },
    "platform": {"type": "str", "choices": list(PLATFORMS), "default": DEFAULT_PLATFORM},
    # Set by the action plugin: the existing files, decrypted (keys in clear).
    SOURCES_OPTION: {"type": "dict", "no_log": True},
}


def _read_sources(module: AnsibleModule) -> Sources:
    dest, keys_from = module.params["dest"], module.params["keys_from"]
    handed = module.params.get(SOURCES_OPTION)
    if handed is not None:
        loaded = {
            name: None if handed.get(name) is None else from_transport(handed[name], path)
            for name, path in (("dest", dest), ("keys_from", keys_from))
        }
    else:
        # Without the action plugin: clear-text files only (no vault secrets here).
        loaded = {name: _load(path) for name, path in (("dest", dest), ("keys_from", keys_from))}
    base = loaded["dest"] if loaded["dest"] is not None else loaded["keys_from"]
    return Sources(base=base, keys=loaded["keys_from"] or loaded["dest"])


def _load(path: str | None) -> EidInventory | None:
    if not path or not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as handle:
        return parse_reference(handle.read(), path)


def _result(snapshot: Snapshot, dest: str, changed: bool) -> dict[str, Any]:
    drift = snapshot.drift
    return {
        "changed": changed,
        "dest": dest,
        "map_server": snapshot.map_server,
        "counts": snapshot.inventory.counts(),
        "learned_sites": len(snapshot.learned),
        "kept_sites": list(snapshot.kept),
        "missing_keys": list(snapshot.missing_keys),
        "skipped_sites": [{"site": s.site, "reason": s.reason} for s in snapshot.skipped],
        "drifted": bool(drift),
        "drift": drift.as_dict(),
    }


def run(module: AnsibleModule) -> dict[str, Any]:
    params = module.params
    dest = os.path.abspath(params["dest"])
    sources = _read_sources(module)
    ms = get_platform(params["platform"]).read_ms(session_from_module(module))
    units = [UnitSpec(u["name"], u["host"], u["port"]) for u in params["units"] or ()]
    map_server = find_map_server(ms, sources, params["map_server"], units)
    snapshot = take_snapshot(ms, sources, map_server=map_server, merge=params["merge"], source=dest)
    text = render(snapshot.inventory, keys=params["keys"])
    old_text = None
    if os.path.exists(dest):
        with open(dest, encoding="utf-8") as handle:
            old_text = handle.read()
    changed = text != old_text
    result = _result(snapshot, dest, changed)
    if snapshot.missing_keys and not params["allow_missing_keys"]:
        shown = ", ".join(snapshot.missing_keys[:20])
        more = len(snapshot.missing_keys) - 20
        error = TaskError(
            f"no key is known for {len(snapshot.missing_keys)} site(s): {shown}"
            + (f" and {more} more" if more > 0 else "")
            + " (give keys_from an inventory that has them, or allow_missing_keys=true"
            f" to write placeholders); {dest} was not written"
        )
        fail_with(module, error, **{**result, "changed": False})
    if changed and not module.check_mode:
        atomic_write_text(dest, text, mode=0o600)
    return result


def main() -> None:
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    require_libraries(module)
    try:
        result = run(module)
    except Exception as exc:  # every failure is reported as one readable message
        fail_with(module, exc, changed=False, dest=os.path.abspath(module.params["dest"]))
    module.exit_json(**result)


if __name__ == "__main__":
    main()
