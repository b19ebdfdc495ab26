# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``reregister`` with ``method: netconf``: the RPC lmr:reregister-now to each ETR.

For ETRs that do not act on a Map-Notify but can be managed: the controller
opens its own NETCONF session to every ETR (endpoint from the EID inventory,
host key verified), with a bounded pool because ncclient blocks and each
connect waits on the router's SSH handshake (on loopback ~6 ms of controller
CPU per ETR: see the etr_concurrency option).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory import Etr, Site
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.types import IPAddress
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.netconf_session import (
    NcclientSession,
    NetconfFailure,
    NetconfSession,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.recovery.notifier import (
    NotifyResult,
)

DEFAULT_WORKERS = 32
DEFAULT_CONNECT_TIMEOUT = 10.0
NO_ENDPOINT = "no netconf endpoint for this ETR in the EID inventory"


@dataclass(frozen=True)
class EtrCredentials:
    username: str
    password: str = field(repr=False)
    ssh_config: str | None = None  # known hosts; host keys are always verified
    timeout: float = DEFAULT_CONNECT_TIMEOUT


# (ETR, credentials) -> session; a parameter so tests can fake the routers.
Connector = Callable[[Etr, EtrCredentials], NetconfSession]
# (session, the Map-Server to register to) -> Map-Registers sent
# (Platform.etr_reregister_now).
Reregister = Callable[[NetconfSession, IPAddress], int]


def ncclient_connector(etr: Etr, credentials: EtrCredentials) -> NetconfSession:
    if etr.netconf is None:
        raise NetconfFailure(NO_ENDPOINT)
    # The host key is pinned from the known_hosts file, parsed once for the
    # whole run (NcclientSession.connect, known_hosts.py).
    return NcclientSession.connect(
        host=etr.netconf.host,
        port=etr.netconf.port,
        username=credentials.username,
        password=credentials.password,
        ssh_config=credentials.ssh_config,
        timeout=credentials.timeout,
    )


@dataclass
class RpcRun:
    results: list[NotifyResult] = field(default_factory=list)
    # RPCs an ETR answered: one that failed to connect, errored or timed out
    # changed nothing anyone can tell, so it does not count as sent.
    sent: int = 0


def _one(
    site: Site,
    etr: Etr,
    credentials: EtrCredentials,
    connect: Connector,
    reregister: Reregister,
    map_server: IPAddress,
    started: Callable[[], None],
) -> tuple[NotifyResult, bool]:
    """The ETR's outcome, and whether it answered the RPC at all."""
    result = NotifyResult(site=site.name, etr=etr.name, rloc=str(etr.rloc))
    if etr.netconf is None:
        result.error = NO_ENDPOINT
        return result, False
    started()
    begin = time.monotonic()
    session: NetconfSession | None = None
    try:
        session = connect(etr, credentials)
        sent = reregister(session, map_server)
    except NetconfFailure as exc:
        result.error = str(exc)
        return result, False
    except Exception as exc:  # one bad router must not abort the other hundreds
        result.error = f"{type(exc).__name__}: {exc}"
        return result, False
    finally:
        close = getattr(session, "close", None)
        if close is not None:
            close()
    if sent < 1:
        result.error = "the ETR answered but sent no Map-Register"
        return result, True
    result.acked = True
    result.ack_after = time.monotonic() - begin
    return result, True


async def reregister_over_netconf(
    sites: Sequence[Site],
    credentials: EtrCredentials,
    reregister: Reregister,
    map_server: IPAddress,
    *,
    workers: int = DEFAULT_WORKERS,
    connect: Connector = ncclient_connector,
    first_sent: asyncio.Event | None = None,
) -> RpcRun:
    """One reregister-now per ETR of ``sites``, to ``map_server`` only (the
    one being recovered: a site's other Map-Servers lost nothing); results
    in inventory order."""
    run = RpcRun()
    loop = asyncio.get_running_loop()

    def started() -> None:
        # Called from pool threads; the event belongs to the loop's thread.
        if first_sent is not None:
            loop.call_soon_threadsafe(first_sent.set)

    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="etr-rpc") as pool:
        futures = [
            loop.run_in_executor(
                pool, _one, site, etr, credentials, connect, reregister, map_server, started
            )
            for site in sites
            for etr in site.etrs
        ]
        outcomes = await asyncio.gather(*futures)
    run.results = [result for result, _answered in outcomes]
    run.sent = sum(1 for _result, answered in outcomes if answered)
    return run
