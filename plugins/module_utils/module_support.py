# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Plumbing shared by the collection's modules: the EID inventory options,
the NETCONF session, and failure messages an operator can act on.

The EID inventory is read by the action plugin on the controller
(plugin_utils/eid_inventory_action.py), where the run's vault secrets are;
it hands the validated inventory over as the hidden option
``_eid_inventory_text`` (eid_inventory/handover.py; keys in clear, hence no_log).
"""

from __future__ import annotations

import re
from typing import Any, NoReturn

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory import (
    EidInventory,
    InventoryError,
    MapServer,
    UnknownNameError,
    load_inventory,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory.handover import (
    inventory_from_handover,
    map_servers_from_handover,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.netconf_session import (
    AnsibleSession,
    NetconfFailure,
    NetconfSession,
)

EID_INVENTORY_OPTION = "eid_inventory"
EID_INVENTORY_TEXT_OPTION = "_eid_inventory_text"

EID_INVENTORY_ARGS: dict[str, dict[str, Any]] = {
    EID_INVENTORY_OPTION: {"type": "path", "required": True},
    EID_INVENTORY_TEXT_OPTION: {"type": "str", "no_log": True},
}

# Problems listed in a failure message; the full list is in the result.
MAX_PROBLEMS_IN_MESSAGE = 20


class TaskError(Exception):
    """A failure whose message is written for the operator and shown as is."""


# What a module reports as a failed task with a readable message; anything
# else is a bug and keeps its traceback.
EXPECTED_FAILURES: tuple[type[BaseException], ...] = (
    NetconfFailure,
    InventoryError,
    UnknownNameError,
    TaskError,
    OSError,  # the state file: permissions, full disk, lock timeout
)

_RECONNECT_HINT = (
    " (the device may have rebooted or switched over: wait for its NETCONF port,"
    " then run `meta: reset_connection` before the next task)"
)


def eid_inventory_args(required: bool = True) -> dict[str, dict[str, Any]]:
    """``EID_INVENTORY_ARGS`` for a module where the inventory may be optional."""
    args = {name: dict(spec) for name, spec in EID_INVENTORY_ARGS.items()}
    args[EID_INVENTORY_OPTION]["required"] = required
    return args


def inventory_from_module(module: Any) -> EidInventory:
    """The EID inventory the action plugin validated for this task.

    Without the action plugin (the module run under another action) the file is
    read here; a vault value then fails with a problem saying a vault secret is
    needed, rather than with a crash.
    """
    path = module.params.get(EID_INVENTORY_OPTION)
    if not path:
        raise ValueError(f"the {EID_INVENTORY_OPTION} option is not set")
    text = module.params.get(EID_INVENTORY_TEXT_OPTION)
    if text is None:
        return load_inventory(path)
    return inventory_from_handover(text, path)


def map_servers_from_module(module: Any) -> tuple[EidInventory, dict[str, int]]:
    """The Map-Servers of the task's EID inventory (no sites) and the EIDs each
    one's whole table holds (map_servers_from_handover: for a module that only
    counts, the sites are not built)."""
    path = module.params.get(EID_INVENTORY_OPTION)
    text = module.params.get(EID_INVENTORY_TEXT_OPTION)
    if not path or text is None:
        inventory = inventory_from_module(module)
        counts = {ms.name: len(inventory.expected(ms.name)) for ms in inventory.map_servers}
        return inventory, counts
    return map_servers_from_handover(text, path)


def session_from_module(module: Any) -> NetconfSession:
    """The task's NETCONF session (the persistent ansible.netcommon.netconf connection)."""
    if not getattr(module, "_socket_path", None):
        raise NetconfFailure(
            "no persistent NETCONF connection: run this module with"
            " ansible_connection=ansible.netcommon.netconf"
        )
    return AnsibleSession.for_module(module)


def netconf_target(module: Any) -> str | None:
    """``host:port`` of the task's NETCONF connection, if it can be asked."""
    socket_path = getattr(module, "_socket_path", None)
    if not socket_path:
        return None
    try:
        from ansible.module_utils.connection import Connection

        connection = Connection(socket_path)
        host = connection.get_option("host")
        port = connection.get_option("port")
    except Exception:  # naming the target must never hide the real failure
        return None
    if not host:
        return None
    return f"{host}:{port}" if port else str(host)


def failure_message(exc: BaseException, target: str | None = None) -> str:
    """One readable message for the errors the modules expect."""
    if isinstance(exc, InventoryError):
        shown = [str(p) for p in exc.problems[:MAX_PROBLEMS_IN_MESSAGE]]
        more = len(exc.problems) - len(shown)
        if more > 0:
            shown.append(f"... and {more} more (see problems)")
        count = len(exc.problems)
        return f"invalid EID inventory ({count} problem{'s' if count != 1 else ''}):\n" + (
            "\n".join(shown)
        )
    if isinstance(exc, (UnknownNameError, TaskError)):
        return str(exc)
    if isinstance(exc, NetconfFailure):
        text = str(exc)
        connecting = connection_failure(text)
        if connecting is not None:
            return f"{target or 'NETCONF'}: {connecting}"
        # ansible.netcommon hands the device's text over as a bytes repr (b'...').
        text = _BYTES_REPR.sub(lambda m: m.group(2), text)
        where = f"NETCONF {target}" if target else "NETCONF"
        lost = ("not connected", "session close")
        hint = _RECONNECT_HINT if any(word in text.lower() for word in lost) else ""
        return f"{where}: {text}{hint}"
    return f"{type(exc).__name__}: {exc}"


# What the persistent connection (ncclient under ansible.netcommon) says when the
# session cannot be opened, as "get failed: b'...'"; rewritten so that the
# operator reads what went wrong and which setting to check.
_HOST_KEY = re.compile(r"Unknown host key \[?([0-9a-f:]+)\]?", re.IGNORECASE)
_AUTH = re.compile(r"Authentication(Exception|Error| failed)", re.IGNORECASE)
_CONNECT = re.compile(
    r"Could not open socket|Connection refused|timed out|No route to host|"
    r"Network is unreachable|Name or service not known",
    re.IGNORECASE,
)

_BYTES_REPR = re.compile(r"""\bb(['"])(.*?)\1(?=$|\s|[;,)])""", re.DOTALL)
_COMMAND_TIMEOUT = re.compile(r"command timeout triggered, timeout value is (\d+) secs")


def connection_failure(text: str) -> str | None:
    """The readable reason a NETCONF session could not be opened, or None when
    ``text`` is about something else (an rpc-error, a lost session)."""
    if "NETCONF authentication failed" in text or _AUTH.search(text):
        return (
            "NETCONF authentication failed (check ansible_user and ansible_password;"
            " nothing was read or changed)"
        )
    host_key = _HOST_KEY.search(text)
    if host_key:
        return (
            f"unknown or changed SSH host key (fingerprint {host_key.group(1)}):"
            " the host is not in the known_hosts file that ansible_netconf_ssh_config"
            " names (UserKnownHostsFile); refused before any credential was sent"
        )
    if "no acceptable host key" in text:
        return (
            "no SSH host key algorithm in common with the device: an RSA host key"
            " signed with rsa-sha2 only (IOS-XE's and netopeer2's default) needs one of"
            " this collection's platform plugins as ansible_network_os"
            " (lispnet.ms_recovery.ietf, or the one docs/platforms.md names for the device)"
        )
    timeout = _COMMAND_TIMEOUT.search(text)
    if timeout:
        return (
            f"no NETCONF answer within {timeout.group(1)} s (ansible_command_timeout):"
            " the device may be hung, or this port is not a NETCONF server"
        )
    if _CONNECT.search(text):
        reason = "timed out" if "timed out" in text.lower() else "connection refused"
        return (
            f"cannot connect to the NETCONF port ({reason}): is the device up, and are"
            " ansible_host and ansible_port right?"
        )
    return None


def failure_details(exc: BaseException) -> dict[str, Any]:
    """Extra result keys for ``fail_json`` (the full problem list)."""
    if isinstance(exc, InventoryError):
        return {"problems": [str(p) for p in exc.problems]}
    return {}


def fail_with(module: Any, exc: BaseException, **result: Any) -> NoReturn:
    """``module.fail_json`` with :func:`failure_message` naming the NETCONF target."""
    module.fail_json(
        msg=failure_message(exc, netconf_target(module)), **failure_details(exc), **result
    )
    raise AssertionError("fail_json returned")  # only a mocked module gets here


def select_map_server(
    inventory: EidInventory,
    requested: str | None,
    *,
    unit_name: str | None = None,
    service_address: str | None = None,
) -> MapServer:
    """The inventory's map-server a task is about.

    ``requested`` (the module option) wins; else the one this unit belongs to
    (by unit name, then by the LISP address it serves); else the only one.
    """
    if requested:
        return inventory.map_server(requested)
    if unit_name is not None:
        for ms in inventory.map_servers:
            if any(unit.name == unit_name for unit in ms.units):
                return ms
    if service_address is not None:
        for ms in inventory.map_servers:
            if str(ms.lisp_address) == service_address:
                return ms
    if len(inventory.map_servers) == 1 and unit_name is None:
        return inventory.map_servers[0]
    names = ", ".join(ms.name for ms in inventory.map_servers)
    if unit_name is not None:
        serves = f" serving {service_address}" if service_address else ""
        raise TaskError(
            f"the EID inventory {inventory.source} has no map-server with unit {unit_name}{serves}"
            f" (map-servers: {names}); set map_server"
        )
    raise TaskError(
        f"the EID inventory {inventory.source} has several map-servers ({names}); set map_server"
    )
