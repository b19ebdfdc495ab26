# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ms_watch: LISP Map-Server reboots, switchovers and registration deficits as events.

Keeps one NETCONF session per Map-Server unit with an RFC 5277 subscription
(``lmr:ms-boot``, ``lmr:ha-switchover``, ``lmr:registration-deficit``) and polls
each unit's boot time, HA role and registration counts every ``poll_interval``.
A reboot drops the subscribed session, so the poll (after reconnecting) is what
always sees it; notifications make switchovers and deficits faster.

Arguments:
    hosts: list of Map-Server units, each {name, host, port, map_server}
        (or a host string); exclusive with eid_inventory.
    eid_inventory: path of the EID inventory; every unit of its map_servers.
    vault_password_file: opens a vaulted eid_inventory.
    map_server: the map-server name for hosts entries without one.
    username, password: NETCONF credentials (required).
    ssh_config: OpenSSH config whose UserKnownHostsFile verifies host keys.
    hostkey_verify: default true.
    platform: platform adapter (default ietf).
    poll_interval: seconds between polls of a unit (default 2).
    dedup_window: an identical event within this many seconds is dropped (10).
    deficit_after: a polled deficit lasting this long is reported, 0: never (10).
    timeout: NETCONF operation timeout (10). reconnect_max: backoff cap (2).

Events (one key, ``lisp_ms``)::

    {"lisp_ms": {"event": "reboot" | "switchover" | "registration_deficit",
                 "unit": "ms1-a", "map_server": "ms1",
                 "boot_time": "2025-01-01T00:00:00+00:00",
                 "detected_by": "notification" | "poll",
                 "detected_at": "...", ...details}}

Details: reboot: previous_boot_time, previous_boot_seen_at (and reason,
event_time from a notification); switchover: new_active, previous_active
(unit is the new active), previous_active_seen_at; registration_deficit:
expected, registered. ``*_seen_at``: when a poll last read the unit in its
previous boot / the previous active unit still active (null: never) - the
outage began after it.

Example::

    sources:
      - lispnet.ms_recovery.ms_watch:
          eid_inventory: /runner/inventory/eids.yml
          username: "{{ ms_username }}"
          password: "{{ ms_password }}"
"""

from __future__ import annotations

import asyncio
import logging
import sys
from pathlib import Path
from typing import Any


def _make_collection_importable() -> None:
    # ansible-rulebook runs this file by path (runpy), not as part of a package;
    # the collection's Python code is found through the collections directory
    # that holds this file (ansible_collections/<ns>/<name>/extensions/eda/...).
    try:
        import ansible_collections.lispnet.ms_recovery.plugins.module_utils  # noqa: F401
    except ImportError:
        sys.path.insert(0, str(Path(__file__).resolve().parents[7]))


_make_collection_importable()

from ansible_collections.lispnet.ms_recovery.extensions.eda.watch.config import parse_args
from ansible_collections.lispnet.ms_recovery.extensions.eda.watch.detector import WatchEvent
from ansible_collections.lispnet.ms_recovery.extensions.eda.watch.watcher import watch


async def main(queue: asyncio.Queue[Any], args: dict[str, Any]) -> None:
    """The event source entry point ansible-rulebook calls."""
    config = parse_args(args)
    # ncclient logs every RPC at INFO; the rulebook's -v would show them all.
    logging.getLogger("ncclient").setLevel(logging.WARNING)

    async def emit(event: WatchEvent) -> None:
        await queue.put(event.payload())

    await watch(config, emit)


if __name__ == "__main__":
    # A manual check: print events from the units given as host:port arguments.
    import os

    class _PrintQueue:
        async def put(self, event: dict[str, Any]) -> None:
            print(event, flush=True)

    hosts = [{"host": h, "port": int(p)} for h, p in (a.rsplit(":", 1) for a in sys.argv[1:])]
    asyncio.run(
        main(
            _PrintQueue(),  # type: ignore[arg-type]
            {
                "hosts": hosts,
                "username": os.environ.get("MS_USERNAME", ""),
                "password": os.environ.get("MS_PASSWORD", ""),
                "ssh_config": os.environ.get("MS_SSH_CONFIG"),
            },
        )
    )
