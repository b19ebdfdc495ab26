# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Documentation of the EID inventory option (plugin_utils/eid_inventory_action.py)."""


class ModuleDocFragment:
    # For modules that need the inventory (lispnet.ms_recovery.eid_inventory).
    DOCUMENTATION = r"""
options:
  eid_inventory:
    description:
      - Path on the controller of the EID inventory (format in docs/eid-inventory.md of the
        collection), the stored basic routing info of every EID (sites, their EID prefixes,
        ETR RLOCs and keys).
      - A relative path is looked up relative to the playbook (or role) C(files/) directory,
        then the playbook directory.
      - Keys may be Ansible Vault values, or the whole file vault-encrypted; they are
        decrypted on the controller with the run's vault secrets (C(--vault-password-file),
        C(--vault-id), C(--ask-vault-pass)).
      - "The file is validated before the module runs; when it is invalid the task fails with
        every problem as C(file:line: field: message) and the module is not run."
    type: path
    required: true
  _eid_inventory_text:
    description:
      - Set by the collection's action plugin, not by tasks. The EID inventory the controller
        read and validated, handed over to the module with its keys decrypted (never logged).
    type: str
notes:
  - Site keys from the EID inventory never appear in results or logs.
"""

    # For modules where the inventory is optional (lispnet.ms_recovery.eid_inventory.optional).
    OPTIONAL = r"""
options:
  eid_inventory:
    description:
      - Path on the controller of the EID inventory (format in docs/eid-inventory.md of the
        collection).
      - A relative path is looked up relative to the playbook (or role) C(files/) directory,
        then the playbook directory.
      - "Vault values (or a vault-encrypted file) are decrypted on the controller with the
        run's vault secrets. When the file is invalid the task fails with every problem as
        C(file:line: field: message) and the module is not run."
    type: path
    required: false
  _eid_inventory_text:
    description:
      - Set by the collection's action plugin, not by tasks. The EID inventory the controller
        read and validated, handed over to the module with its keys decrypted (never logged).
    type: str
"""
