# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Write an inventory back as YAML in the loader's format.

Everything is sorted (map-servers, units, sites, ETRs by name; EIDs by
instance-id, family, address, length) and field order is fixed, so that two
snapshots of the same state are byte-identical whatever order they were built
in, and dump -> load -> dump is a fixed point.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any, Literal

try:
    import yaml
except ImportError:  # a module reports it missing first (module_utils/libraries.py)
    pass

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory.model import (
    EidInventory,
    Etr,
    MapServer,
    NetconfEndpoint,
    Site,
    eid_sort_key,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory.yaml_nodes import (
    VAULT_TAG,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.gc_pause import (
    collector_paused,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.auth import ALGORITHM_NAMES

KeyMode = Literal["plain", "omit", "keep-vault"]
KEY_MODES = ("plain", "omit", "keep-vault")

_NAME_OF_ALGORITHM = {alg: name for name, alg in ALGORITHM_NAMES.items()}


class VaultText(str):
    """Ciphertext to be written as a ``!vault |`` block, as Ansible expects."""


@functools.cache
def vault_dumper() -> type[yaml.SafeDumper]:
    """The dumper: PyYAML's safe one, writing :class:`VaultText` as a vault block."""

    # libyaml writes a 50,000-EID snapshot about four times faster.
    class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
        pass

    _Dumper.add_representer(
        VaultText, lambda dumper, text: dumper.represent_scalar(VAULT_TAG, str(text), style="|")
    )
    return _Dumper


def dump_inventory(inventory: EidInventory, *, keys: KeyMode) -> str:
    """YAML text of ``inventory``.

    ``keys``: ``plain`` writes each key in clear text, ``omit`` leaves keys out
    (the result is for reading, it will not load), ``keep-vault`` writes the
    Vault ciphertext each key was read from and refuses keys that had none.
    """
    with collector_paused():
        return yaml.dump(
            inventory_to_dict(inventory, keys=keys),
            Dumper=vault_dumper(),
            sort_keys=False,
            default_flow_style=None,  # leaf mappings such as EIDs on one line each
            allow_unicode=True,
            width=1000,
        )


def inventory_to_dict(inventory: EidInventory, *, keys: KeyMode) -> dict[str, Any]:
    if keys not in KEY_MODES:
        raise ValueError(f"keys must be one of {', '.join(KEY_MODES)}, not {keys!r}")
    return {
        "map_servers": [_map_server(ms) for ms in sorted(inventory.map_servers, key=_by_name)],
        "sites": list(site_dicts(inventory, keys=keys)),
    }


def site_dicts(inventory: EidInventory, *, keys: KeyMode) -> Iterator[dict[str, Any]]:
    """The ``sites`` of :func:`inventory_to_dict`, one at a time."""
    for site in sorted(inventory.sites, key=_by_name):
        yield _site(site, keys)


def _by_name(item: MapServer | Site | Etr) -> str:
    return item.name


def _netconf(endpoint: NetconfEndpoint) -> dict[str, Any]:
    return {"host": endpoint.host, "port": endpoint.port}


def _map_server(ms: MapServer) -> dict[str, Any]:
    return {
        "name": ms.name,
        "lisp_address": str(ms.lisp_address),
        "units": [
            {"name": unit.name, "netconf": _netconf(unit.netconf)}
            for unit in sorted(ms.units, key=lambda u: u.name)
        ],
    }


def _site(site: Site, keys: KeyMode) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": site.name,
        "site_id": site.site_id,
        # One Map-Server as before; a list only for the redundant design, so
        # that a file of single-Map-Server sites reads as it always did.
        **(
            {"map_server": site.map_servers[0]}
            if len(site.map_servers) == 1
            else {"map_servers": list(site.map_servers)}
        ),
        "key_id": site.key_id,
        "algorithm": _NAME_OF_ALGORITHM[site.algorithm],
    }
    if keys == "plain":
        try:
            out["key"] = site.key.reveal().decode("utf-8")
        except UnicodeDecodeError:
            raise ValueError(f"site {site.name!r}: the key is not UTF-8 text") from None
    elif keys == "keep-vault":
        if site.key.vault is None:
            raise ValueError(
                f"site {site.name!r}: the key was not read from a vault value, "
                "so there is no ciphertext to keep"
            )
        out["key"] = VaultText(site.key.vault)
    if site.proxy_reply:
        out["proxy_reply"] = True
    out["etrs"] = [_etr(etr) for etr in sorted(site.etrs, key=_by_name)]
    out["eids"] = [
        {"prefix": str(eid.prefix), "instance_id": eid.instance_id}
        for eid in sorted(site.eids, key=eid_sort_key)
    ]
    return out


def _etr(etr: Etr) -> dict[str, Any]:
    out: dict[str, Any] = {"name": etr.name, "rloc": str(etr.rloc)}
    if etr.netconf is not None:
        out["netconf"] = _netconf(etr.netconf)
    if etr.supports:
        out["supports"] = sorted(etr.supports)
    if etr.priority != 1:
        out["priority"] = etr.priority
    if etr.weight != 100:
        out["weight"] = etr.weight
    return out
