# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action-plugin base for modules that take an EID inventory.

The inventory is read here, on the controller, because that is where the
run's vault secrets are (``--vault-password-file``, ``--vault-id``...). An
invalid inventory fails the task with every problem (file:line: field:
message) and the module is not run: a recovery must not start from a wrong
table. A valid one reaches the module as ``_eid_inventory_text`` (handover.py:
JSON with the keys in clear, since the module cannot decrypt; the option is
no_log, so Ansible masks it in the invocation and in every result string).
It is validated once: later tasks (and runs) with the same file content take
it from the encrypted cache of eid_inventory_cache.py.

A module gets it with a three-line ``plugins/action/<module>.py``::

    from ...plugin_utils.eid_inventory_action import EidInventoryAction
    class ActionModule(EidInventoryAction):
        pass
"""

from __future__ import annotations

import os
from typing import Any

from ansible_collections.ansible.netcommon.plugins.action.network import (
    ActionModule as NetworkActionModule,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory import (
    InventoryError,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.module_support import (
    EID_INVENTORY_OPTION,
    EID_INVENTORY_TEXT_OPTION,
    failure_details,
    failure_message,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms import NETWORK_OS
from ansible_collections.lispnet.ms_recovery.plugins.plugin_utils.eid_inventory_cache import (
    validated_inventory,
)


class EidInventoryAction(NetworkActionModule):
    # Whether the module has the ``platform`` option (map_request does not).
    takes_platform = True

    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        args = self._task.args
        if self.takes_platform and args.get("platform") is None:
            # Unset: the platform of the host's ansible_network_os, so that an
            # IOS-XE unit is read as one without repeating it on every task.
            network_os = (task_vars or {}).get("ansible_network_os")
            if isinstance(network_os, str) and network_os in NETWORK_OS:
                args["platform"] = NETWORK_OS[network_os]
        if args.get(EID_INVENTORY_TEXT_OPTION) is not None:
            return self._failed(
                f"{EID_INVENTORY_TEXT_OPTION} is internal; give the file as {EID_INVENTORY_OPTION}"
            )
        path = args.get(EID_INVENTORY_OPTION)
        warnings: list[str] = []
        if path:  # modules where the inventory is optional run without one
            resolved = self._resolve(str(path))
            try:
                validated = validated_inventory(resolved, self._decrypter())
            except InventoryError as exc:
                return self._failed(
                    failure_message(exc) + "\n(the module was not run)", **failure_details(exc)
                )
            except (OSError, UnicodeDecodeError) as exc:
                return self._failed(f"cannot read the EID inventory {resolved}: {exc}")
            args[EID_INVENTORY_OPTION] = resolved
            args[EID_INVENTORY_TEXT_OPTION] = validated.handover
            # Weak keys still work: the task runs, and Ansible shows these.
            warnings = validated.warnings
        result: dict[str, Any] = super().run(tmp=tmp, task_vars=task_vars)
        if warnings:
            result["warnings"] = [*result.get("warnings", []), *warnings]
        return result

    def _resolve(self, path: str) -> str:
        # Relative paths are relative to the playbook (or role), as for `src:`.
        path = os.path.expanduser(os.path.expandvars(path))
        if os.path.isabs(path):
            return path
        return self._loader.path_dwim_relative(self._get_working_path(), "files", path)

    def _decrypter(self) -> Any:
        # The loader's VaultLib holds the secrets given to this run; there is
        # no public accessor, and a fresh VaultLib would have none.
        vault = getattr(self._loader, "_vault", None)
        if vault is None:
            return None

        def decrypt(ciphertext: str) -> str:
            return vault.decrypt(ciphertext).decode("utf-8")

        return decrypt

    @staticmethod
    def _failed(msg: str, **extra: Any) -> dict[str, Any]:
        return {"failed": True, "changed": False, "msg": msg, **extra}
