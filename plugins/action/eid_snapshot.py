# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""eid_snapshot reads two optional inventories (dest, keys_from) rather than
the one ``eid_inventory`` of the other modules: they are decrypted here, where
the run's vault secrets are, and handed over as the no_log option ``_sources``
(with each key's vault ciphertext, for ``keys: keep-vault``)."""

from __future__ import annotations

import os
from typing import Any

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory import (
    InventoryError,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory.yaml_nodes import (
    VAULT_HEADER,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.module_support import (
    failure_details,
    failure_message,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.snapshot import (
    parse_reference,
    to_transport,
)
from ansible_collections.lispnet.ms_recovery.plugins.plugin_utils.eid_inventory_action import (
    EidInventoryAction,
)

SOURCES_OPTION = "_sources"


class ActionModule(EidInventoryAction):
    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        args = self._task.args
        if args.get(SOURCES_OPTION) is not None:
            return self._failed(f"{SOURCES_OPTION} is internal; give the files as dest/keys_from")
        if not args.get("dest"):
            return self._failed("missing required arguments: dest")
        dest = self._output_path(str(args["dest"]))
        keys_from = self._resolve(str(args["keys_from"])) if args.get("keys_from") else None
        sources: dict[str, Any] = {"dest": None, "keys_from": None}
        for name, path in (("dest", dest), ("keys_from", keys_from)):
            if path is None or (name == "dest" and not os.path.exists(path)):
                continue
            try:
                with open(path, encoding="utf-8") as handle:
                    text = handle.read()
            except (OSError, UnicodeDecodeError) as exc:
                return self._failed(f"cannot read {name} {path}: {exc}")
            if name == "dest" and text.lstrip().startswith(VAULT_HEADER):
                return self._failed(
                    f"dest {path} is encrypted as a whole with Ansible Vault and the snapshot"
                    " cannot write it back encrypted; vault the keys one by one"
                    " (ansible-vault encrypt_string) or write to another dest"
                )
            try:
                inventory = parse_reference(text, path, self._decrypter())
            except InventoryError as exc:
                return self._failed(
                    failure_message(exc) + f"\n({name}; the module was not run)",
                    **failure_details(exc),
                )
            sources[name] = to_transport(inventory)
        args["dest"] = dest
        if keys_from is not None:
            args["keys_from"] = keys_from
        args[SOURCES_OPTION] = sources
        return super().run(tmp=tmp, task_vars=task_vars)

    def _output_path(self, path: str) -> str:
        path = os.path.expanduser(os.path.expandvars(path))
        if os.path.isabs(path):
            return path
        return os.path.join(self._get_working_path(), path)
