# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ms_watch event source's arguments, checked once before anything connects."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory import (
    load_inventory,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms import (
    DEFAULT_PLATFORM,
    PLATFORMS,
)

NETCONF_PORT = 830
DEFAULT_MAP_SERVER = "map-server"


class WatchConfigError(ValueError):
    """The source's arguments are unusable; the message names the argument."""


@dataclass(frozen=True)
class UnitEndpoint:
    """One Map-Server unit to watch: its NETCONF address and the pair it belongs to."""

    name: str
    host: str
    port: int
    map_server: str


@dataclass(frozen=True)
class WatchConfig:
    units: tuple[UnitEndpoint, ...]
    username: str
    password: str
    ssh_config: str | None = None
    hostkey_verify: bool = True
    platform: str = DEFAULT_PLATFORM
    poll_interval: float = 2.0
    # An event identical to one emitted this recently is dropped.
    dedup_window: float = 10.0
    # The poll reports a registration deficit that lasts this long (0: never).
    deficit_after: float = 10.0
    # NETCONF operation timeout, and the reconnect backoff's bounds.
    timeout: float = 10.0
    reconnect_min: float = 0.25
    reconnect_max: float = 2.0

    def __repr__(self) -> str:  # the password must never reach a log line
        return f"WatchConfig(units={[u.name for u in self.units]!r}, username={self.username!r})"


def _number(args: Mapping[str, Any], name: str, default: float, minimum: float) -> float:
    value = args.get(name, default)
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise WatchConfigError(f"{name} must be a number, got {value!r}") from None
    if number < minimum:
        raise WatchConfigError(f"{name} must be >= {minimum}, got {number}")
    return number


def _units_from_hosts(hosts: Any, default_ms: str) -> tuple[UnitEndpoint, ...]:
    if not isinstance(hosts, list) or not hosts:
        raise WatchConfigError("hosts must be a non-empty list of {name, host, port}")
    units = []
    for index, entry in enumerate(hosts):
        if isinstance(entry, str):
            entry = {"host": entry}
        if not isinstance(entry, Mapping) or not entry.get("host"):
            raise WatchConfigError(f"hosts[{index}] needs a host")
        try:
            port = int(entry.get("port", NETCONF_PORT))
        except (TypeError, ValueError):
            raise WatchConfigError(f"hosts[{index}].port must be an integer") from None
        units.append(
            UnitEndpoint(
                name=str(entry.get("name") or entry["host"]),
                host=str(entry["host"]),
                port=port,
                map_server=str(entry.get("map_server") or default_ms),
            )
        )
    return tuple(units)


def _vault_decrypt(password_file: str) -> Callable[[str], str]:
    from ansible.parsing.vault import VaultLib, VaultSecret

    vault = VaultLib([("default", VaultSecret(Path(password_file).read_bytes().strip()))])
    return lambda text: vault.decrypt(text).decode("utf-8")


def _units_from_inventory(path: str, vault_password_file: str | None) -> tuple[UnitEndpoint, ...]:
    decrypt = _vault_decrypt(vault_password_file) if vault_password_file else None
    try:
        inventory = load_inventory(path, decrypt)
    except OSError as exc:
        raise WatchConfigError(f"eid_inventory: cannot read {path}: {exc.strerror}") from None
    except ValueError as exc:  # InventoryError: file:line: field: message, no secrets
        raise WatchConfigError(f"eid_inventory: {exc}") from None
    return tuple(
        UnitEndpoint(unit.name, unit.netconf.host, unit.netconf.port, ms.name)
        for ms in inventory.map_servers
        for unit in ms.units
    )


def parse_args(args: Mapping[str, Any]) -> WatchConfig:
    """The event source's ``args`` (rulebook source arguments) as a WatchConfig."""
    if ("hosts" in args) == ("eid_inventory" in args):
        raise WatchConfigError("give exactly one of hosts or eid_inventory")
    if "hosts" in args:
        units = _units_from_hosts(args["hosts"], str(args.get("map_server", DEFAULT_MAP_SERVER)))
    else:
        units = _units_from_inventory(str(args["eid_inventory"]), args.get("vault_password_file"))
    if not units:
        raise WatchConfigError("no map-server unit to watch")
    names = [u.name for u in units]
    if len(set(names)) != len(names):
        raise WatchConfigError(f"unit names must be unique: {names}")
    for required in ("username", "password"):
        if not args.get(required):
            raise WatchConfigError(f"{required} is required")
    platform = str(args.get("platform", DEFAULT_PLATFORM))
    if platform not in PLATFORMS:
        raise WatchConfigError(f"platform must be one of {', '.join(PLATFORMS)}")
    poll_interval = _number(args, "poll_interval", 2.0, 0.1)
    return WatchConfig(
        units=units,
        username=str(args["username"]),
        password=str(args["password"]),
        ssh_config=str(args["ssh_config"]) if args.get("ssh_config") else None,
        hostkey_verify=bool(args.get("hostkey_verify", True)),
        platform=platform,
        poll_interval=poll_interval,
        dedup_window=_number(args, "dedup_window", 10.0, 0.0),
        deficit_after=_number(args, "deficit_after", 10.0, 0.0),
        timeout=_number(args, "timeout", 10.0, 1.0),
        reconnect_max=_number(args, "reconnect_max", max(2.0, poll_interval), 0.25),
    )
