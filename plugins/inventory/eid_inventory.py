# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ansible hosts and groups from the EID inventory: one source of truth for
the routers a recovery talks to and the sites it restores."""

from __future__ import annotations

DOCUMENTATION = r"""
name: eid_inventory
short_description: Map-Server units and ETRs from a LISP EID inventory
description:
  - Reads an EID inventory (the stored basic routing info of every site, format in
    docs/eid-inventory.md of the collection) and makes Ansible hosts of the routers it
    reaches over NETCONF, with the connection variables the collection's modules need.
  - Hosts in group C(map_servers) are the Map-Server units (host name = unit name), with
    C(ansible_host)/C(ansible_port) from the unit's NETCONF endpoint and C(lisp_map_server)
    (the map-server's name). Each map-server also gets a group C(ms_<name>) of its units.
  - Hosts in group C(etrs) are the ETRs that have a NETCONF endpoint (host name = ETR name),
    with C(lisp_site) and C(lisp_rloc). With O(groups_per_site), each site gets a group
    C(site_<name>) of its ETRs.
  - Group names have every character that is not a letter, digit or underscore replaced
    with C(_) (site C(paris-1) gets the group C(site_paris_1)).
  - Every host gets C(ansible_connection=ansible.netcommon.netconf), C(ansible_network_os),
    C(ansible_python_interpreter={{ ansible_playbook_python }}), C(lisp_eid_inventory) (the
    absolute path of the EID inventory) and, when set, C(ansible_user), C(ansible_password)
    and C(ansible_netconf_ssh_config).
  - Site keys are never made into variables. Vault values in the EID inventory are decrypted
    with the run's vault secrets only to validate it.
  - "An invalid EID inventory fails with every problem as C(file:line: field: message)."
version_added: 0.1.0
author: lispnet ms_recovery developers (@lispnet)
extends_documentation_fragment:
  - constructed
options:
  plugin:
    description: The name of this plugin; the source file must say so.
    type: str
    required: true
    choices: [lispnet.ms_recovery.eid_inventory]
  eid_inventory:
    description:
      - Path of the EID inventory. A relative path is relative to the directory of this
        inventory source file.
    type: path
    required: true
  netconf_user:
    description: NETCONF (SSH) user name for every router, as C(ansible_user).
    type: str
  netconf_password:
    description:
      - NETCONF (SSH) password for every router, as C(ansible_password).
      - Keep it out of clear text with an Ansible Vault value (C(!vault |)); it is passed on as
        that vault value, so C(ansible-inventory --list) shows the ciphertext, not the
        password.
    type: str
  netconf_ssh_config:
    description:
      - OpenSSH client configuration file for the NETCONF connections, as
        C(ansible_netconf_ssh_config), typically to name a C(UserKnownHostsFile) so that
        host keys are verified. A relative path is relative to this source file.
    type: path
  network_os:
    description:
      - The netconf platform plugin, as C(ansible_network_os). Always explicit, because
        C(auto) never finds a plugin shipped in a collection.
      - The default, C(lispnet.ms_recovery.ietf), is C(ansible.netcommon.default) with each
        request written at once instead of on ncclient's next 0.1 s poll; a vendor's
        platform plugin works too.
    type: str
    default: lispnet.ms_recovery.ietf
  groups_per_site:
    description: Make a group C(site_<name>) of each site's ETRs.
    type: bool
    default: true
notes:
  - ETRs without a NETCONF endpoint are not hosts; the recovery reaches them by LISP
    signalling only.
"""

EXAMPLES = r"""
# inventory/lisp.eid_inventory.yml
plugin: lispnet.ms_recovery.eid_inventory
eid_inventory: eids.yml
netconf_user: netops
netconf_password: !vault |
  $ANSIBLE_VAULT;1.1;AES256
  6231356637...
netconf_ssh_config: ssh_config
keyed_groups:
  - key: lisp_map_server | default('none')
    prefix: served_by

# ansible-inventory -i inventory/lisp.eid_inventory.yml --graph --vault-password-file pw
"""

import os
import re
from typing import Any

from ansible.errors import AnsibleParserError
from ansible.plugins.inventory import BaseInventoryPlugin, Constructable
from ansible.template import trust_as_template

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory import (
    EidInventory,
    InventoryError,
)
from ansible_collections.lispnet.ms_recovery.plugins.plugin_utils.eid_inventory_cache import (
    load_validated,
)

CONNECTION = "ansible.netcommon.netconf"
_UNSAFE = re.compile(r"[^A-Za-z0-9_]")


def group_name(prefix: str, name: str) -> str:
    return prefix + _UNSAFE.sub("_", name)


class InventoryModule(BaseInventoryPlugin, Constructable):
    NAME = "lispnet.ms_recovery.eid_inventory"

    def __init__(self) -> None:
        super().__init__()
        self._raw_config: dict[str, Any] = {}

    def verify_file(self, path: str) -> bool:
        return super().verify_file(path) and path.endswith((".yml", ".yaml"))

    def parse(self, inventory: Any, loader: Any, path: str, cache: bool = True) -> None:
        super().parse(inventory, loader, path, cache)
        self._read_config_data(path)
        here = os.path.dirname(os.path.abspath(path))
        eids_path = self._relative_to(here, self.get_option("eid_inventory"))
        model = self._load(eids_path)
        common = self._connection_vars(here, eids_path)
        self._add_map_servers(model, common)
        self._add_etrs(model, common)

    @staticmethod
    def _relative_to(here: str, path: str) -> str:
        path = os.path.expanduser(os.path.expandvars(path))
        return os.path.normpath(os.path.join(here, path))

    def _load(self, path: str) -> EidInventory:
        try:
            return load_validated(path, self._decrypter())
        except InventoryError as exc:
            count = len(exc.problems)
            raise AnsibleParserError(
                f"invalid EID inventory ({count} problem{'s' if count != 1 else ''}):\n{exc}"
            ) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise AnsibleParserError(f"cannot read the EID inventory {path}: {exc}") from None

    def _decrypter(self) -> Any:
        # The loader's VaultLib holds the run's secrets; there is no public accessor.
        vault = getattr(self.loader, "_vault", None)
        if vault is None or not vault.secrets:
            return None  # the loader then says a vault secret is needed, and how
        return lambda ciphertext: vault.decrypt(ciphertext).decode("utf-8")

    def _connection_vars(self, here: str, eids_path: str) -> dict[str, Any]:
        values: dict[str, Any] = {
            "ansible_connection": CONNECTION,
            "ansible_network_os": self.get_option("network_os"),
            # Modules run on the controller: use the Python running the playbook.
            "ansible_python_interpreter": trust_as_template("{{ ansible_playbook_python }}"),
            "lisp_eid_inventory": eids_path,
        }
        if self.get_option("netconf_user"):
            values["ansible_user"] = self.get_option("netconf_user")
        password = self._raw_option("netconf_password")
        if password is not None:
            values["ansible_password"] = password
        if self.get_option("netconf_ssh_config"):
            values["ansible_netconf_ssh_config"] = self._relative_to(
                here, self.get_option("netconf_ssh_config")
            )
        return values

    def _raw_option(self, name: str) -> Any:
        # The value as the source file had it: a vault value stays one (and is
        # decrypted only when a connection uses it), instead of being turned
        # into clear text that `ansible-inventory --list` would print.
        raw = self._raw_config.get(name)
        return raw if raw is not None else self.get_option(name)

    def _read_config_data(self, path: str) -> dict[str, Any]:
        config = super()._read_config_data(path)
        self._raw_config = dict(config)
        return config

    def _add_host(self, name: str, groups: list[str], hostvars: dict[str, Any]) -> None:
        if name in self.inventory.hosts:
            raise AnsibleParserError(
                f"EID inventory: {name!r} names both a Map-Server unit and an ETR (or two"
                " ETRs); host names must be unique"
            )
        for group in groups:
            self.inventory.add_group(group)
        self.inventory.add_host(name, group=groups[0])
        for group in groups[1:]:
            self.inventory.add_child(group, name)
        for key, value in hostvars.items():
            self.inventory.set_variable(name, key, value)
        strict = self.get_option("strict")
        self._set_composite_vars(self.get_option("compose"), hostvars, name, strict=strict)
        self._add_host_to_composed_groups(self.get_option("groups"), hostvars, name, strict=strict)
        self._add_host_to_keyed_groups(
            self.get_option("keyed_groups"), hostvars, name, strict=strict
        )

    def _add_map_servers(self, model: EidInventory, common: dict[str, Any]) -> None:
        self.inventory.add_group("map_servers")
        for ms in model.map_servers:
            for unit in ms.units:
                self._add_host(
                    unit.name,
                    ["map_servers", group_name("ms_", ms.name)],
                    {
                        **common,
                        "ansible_host": unit.netconf.host,
                        "ansible_port": unit.netconf.port,
                        "lisp_map_server": ms.name,
                    },
                )

    def _add_etrs(self, model: EidInventory, common: dict[str, Any]) -> None:
        self.inventory.add_group("etrs")
        per_site = self.get_option("groups_per_site")
        for site in model.sites:
            for etr in site.etrs:
                if etr.netconf is None:
                    continue
                groups = ["etrs"] + ([group_name("site_", site.name)] if per_site else [])
                self._add_host(
                    etr.name,
                    groups,
                    {
                        **common,
                        "ansible_host": etr.netconf.host,
                        "ansible_port": etr.netconf.port,
                        "lisp_site": site.name,
                        "lisp_rloc": str(etr.rloc),
                    },
                )
