"""A virtual ETR: registers its site's EIDs, and re-registers when notified
if it is a ``notify`` ETR.

Registering every ``register_interval`` (random phase), retrying an unacked
Map-Register and registering at once after its own start is standard LISP:
every lab ETR does that. An ETR with several Map-Servers (the redundant design)
registers to each on its own, as real ETRs do with several ``map-server``
entries: its own Map-Register (and nonce) per Map-Server, acked and retried
per Map-Server, so an unanswered Map-Server never draws traffic to the others.
Re-registering at once on an authenticated, fresh, unsolicited Map-Notify is
the project's (the patent's) behaviour, and only ``notify`` ETRs have it: a
notification from one of its Map-Servers makes it re-register to that one;
from anyone else (a controller speaking for a Map-Server it cannot name) to all
of them. A ``standard`` ETR behaves like OpenOverlayRouter: a Map-Notify whose
nonce matches none of its outstanding Map-Registers is dropped (counted), never
acked or acted upon.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from ansible_collections.lispnet.ms_recovery.lab.etr_replay import Freshness, NotifyReplayGuard
from ansible_collections.lispnet.ms_recovery.lab.registration_table import covering_match
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.auth import (
    KEY_ID_OFFSET,
    Algorithm,
    verify,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.codec import (
    EcmMessage,
    MalformedMessage,
    MapNotifyMessage,
    MapRequestMessage,
    decode,
    encode_map_notify_ack,
    encode_map_register,
    encode_map_reply,
    message_type,
    register_trailer,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.nonce import (
    NonceCounter,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.types import (
    Eid,
    IPAddress,
    Mapping,
    Rloc,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.recovery.notifier import (
    LISP_CONTROL_PORT,
)

log = logging.getLogger(__name__)

Sender = Callable[[bytes, tuple[str, int]], None]
# loop.call_later's shape: the ETR's only timer is the Map-Register retry.
CallLater = Callable[..., asyncio.TimerHandle]

# A Map-Register that the MS does not ack (Map-Notify with our nonce, M bit) is
# sent again, with a fresh nonce, after each of these waits. Without it one lost
# re-registration leaves the site out of the table for a whole register interval,
# although the recovery's notification was delivered and acked.
REGISTER_RETRY_SCHEDULE: tuple[float, ...] = (1.0, 1.0, 2.0, 2.0, 4.0)
MAP_NOTIFY = 4
# Own Map-Register nonces remembered per Map-Server: an ack may come late.
OUTSTANDING_PER_MAP_SERVER = 16


@dataclass(frozen=True)
class EtrConfig:
    name: str
    site: str
    site_id: int
    rloc: IPAddress
    # The service addresses it registers to, each on its own.
    map_servers: tuple[IPAddress, ...]
    key: bytes
    key_id: int
    algorithm: Algorithm
    eids: tuple[Eid, ...]
    xtr_id: bytes
    register_interval: float
    proxy_reply: bool = False
    record_ttl: int = 1440
    register_retry: tuple[float, ...] = REGISTER_RETRY_SCHEDULE
    behaviour: str = "standard"  # topology.ETR_BEHAVIOURS

    @property
    def acts_on_notify(self) -> bool:
        return self.behaviour == "notify"


class VirtualEtr:
    """LISP behaviour of one ETR; the shard owns its socket and timers.

    One object per boot: a restart builds a new one (its memory is gone) from
    the config and what it persisted: its nonce counter and ``replay_guard``
    (lab/etr_replay.py).
    """

    def __init__(
        self,
        config: EtrConfig,
        nonces: NonceCounter | None = None,
        replay_guard: NotifyReplayGuard | None = None,
    ) -> None:
        self.config = config
        self.counters: Counter[str] = Counter()
        self.last_register_time: datetime | None = None
        self.registered_ack_time: datetime | None = None
        # The MS drops a Map-Register whose nonce is not above the last one of
        # this xTR (kept on its disk), so the counter is persisted by the shard.
        self._nonces = nonces or NonceCounter(None)
        # Nonce of each recent own Map-Register -> the Map-Server it went to
        # (a plain dict keeps insertion order, and is smaller at 10,000 ETRs).
        self._own_nonces: dict[int, str] = {}
        self._servers = tuple(str(ms) for ms in config.map_servers)
        self.replay_guard = replay_guard if replay_guard is not None else NotifyReplayGuard()
        self._trailer = register_trailer(config.xtr_id, config.site_id)
        self._send: Sender | None = None
        self._call_later: CallLater | None = None
        self._retries: dict[str, asyncio.TimerHandle] = {}
        # Not a YANG counter (lmr:counters is a fixed list): the lab's status shows it.
        self.register_retransmits = 0
        self.records = tuple(
            Mapping(eid, (Rloc(config.rloc, local=True),), ttl=config.record_ttl)
            for eid in config.eids
        )
        self._eid_set = frozenset(config.eids)

    @property
    def running(self) -> bool:
        return self._send is not None

    def attach(self, send: Sender, call_later: CallLater | None = None) -> None:
        """Serve through ``send``; with ``call_later``, unacked Map-Registers are retried."""
        self._send = send
        self._call_later = call_later

    def detach(self) -> None:
        for server in list(self._retries):
            self._cancel_retry(server)
        self._send = None
        self._call_later = None

    def register_now(self, map_server: str | None = None) -> int:
        """Send a Map-Register now to ``map_server`` (every one of its
        Map-Servers when None), each retried until that one acks (bounded);
        returns how many were sent. KeyError for a Map-Server not its own."""
        if map_server is not None and map_server not in self._servers:
            raise KeyError(map_server)
        sent = 0
        for server in self._servers if map_server is None else (map_server,):
            self._cancel_retry(server)
            sent += self._register(server, attempt=0)
        return sent

    def _cancel_retry(self, server: str) -> None:
        retry = self._retries.pop(server, None)
        if retry is not None:
            retry.cancel()

    def _retry_register(self, server: str, attempt: int) -> None:
        self._retries.pop(server, None)
        if self._send is not None:
            self.register_retransmits += 1
            self._register(server, attempt)

    def _register(self, server: str, attempt: int) -> bool:
        if self._send is None:
            return False
        if self._call_later is not None and attempt < len(self.config.register_retry):
            wait = self.config.register_retry[attempt]
            self._retries[server] = self._call_later(
                wait, self._retry_register, server, attempt + 1
            )
        nonce = self._nonces.next()
        self._own_nonces[nonce] = server
        while len(self._own_nonces) > OUTSTANDING_PER_MAP_SERVER * len(self._servers):
            del self._own_nonces[next(iter(self._own_nonces))]
        message = encode_map_register(
            self.records,
            key=self.config.key,
            key_id=self.config.key_id,
            algorithm=self.config.algorithm,
            nonce=nonce,
            want_map_notify=True,
            proxy_reply=self.config.proxy_reply,
            xtr_id=self.config.xtr_id,
            site_id=self.config.site_id,
        )
        try:
            self._send(message, (server, LISP_CONTROL_PORT))
        except OSError as exc:
            self.counters["send-errors"] += 1
            log.debug("%s: Map-Register not sent: %s", self.config.name, exc)
            return False
        self.counters["map-registers-sent"] += 1
        self.last_register_time = datetime.now(UTC)
        return True

    def on_datagram(self, data: bytes, addr: tuple[str, int]) -> None:
        if message_type(data) == MAP_NOTIFY:
            self._on_map_notify(data, addr)
            return
        try:
            message = decode(data)  # unauthenticated: nothing of it is cached
        except MalformedMessage:
            self.counters["malformed"] += 1
            return
        if isinstance(message, EcmMessage) and isinstance(message.message, MapRequestMessage):
            self._on_map_request(message, message.message)
        else:
            self.counters["ignored"] += 1

    def _on_map_notify(self, raw: bytes, addr: tuple[str, int]) -> None:
        self.counters["map-notifies-received"] += 1
        nonce = int.from_bytes(raw[4:12], "big") if len(raw) >= 12 else -1
        if not self.config.acts_on_notify and nonce not in self._own_nonces:
            # A standard ETR: no outstanding Map-Register has this nonce.
            self.counters["notify-unsolicited-dropped"] += 1
            return
        # The MAC before anything else: nothing unauthenticated is decoded
        # further or cached.
        if len(raw) <= KEY_ID_OFFSET or raw[KEY_ID_OFFSET] != self.config.key_id:
            self.counters["notify-auth-failures"] += 1
            return
        if not verify(raw, self.config.key, self.config.algorithm):
            self.counters["notify-auth-failures"] += 1
            return
        try:
            message = decode(raw, remember=True, sent_trailer=self._trailer)
        except MalformedMessage:
            self.counters["malformed"] += 1
            return
        assert isinstance(message, MapNotifyMessage)
        if message.nonce in self._own_nonces:
            # A Map-Server acknowledging one of our Map-Registers (M bit).
            self.counters["register-acks"] += 1
            self.registered_ack_time = datetime.now(UTC)
            self._cancel_retry(self._own_nonces[message.nonce])
            return
        if message.xtr_id is not None:
            # The MS's ack of some register (ours before a restart, or a
            # sibling's): never a notification, whatever its records.
            self.counters["notify-replays"] += 1
            return
        if any(record.eid not in self._eid_set for record in message.records):
            # Authentic but about prefixes this ETR does not own: do not act on it.
            self.counters["notify-foreign-eids"] += 1
            return
        sender = addr[0]
        freshness = self.replay_guard.judge(sender, message.nonce)
        if freshness is Freshness.REPLAY:
            self.counters["notify-replays"] += 1
            return
        ack = encode_map_notify_ack(
            message.records,
            key=self.config.key,
            key_id=self.config.key_id,
            algorithm=self.config.algorithm,
            nonce=message.nonce,
            xtr_id=message.xtr_id,
            site_id=message.site_id,
        )
        self._reply(ack, addr)
        if freshness is Freshness.RETRANSMISSION:
            self.counters["notify-retransmissions"] += 1
            return
        self.replay_guard.accept(sender, message.nonce)
        self.counters["map-notifies-accepted"] += 1
        self.counters["reregistrations-triggered"] += 1
        # Towards the Map-Server that lost the registration when it says so by
        # sending the notification itself; else every one of them.
        self.register_now(sender if sender in self._servers else None)

    def _on_map_request(self, ecm: EcmMessage, request: MapRequestMessage) -> None:
        if not request.itr_rlocs:
            self.counters["ignored"] += 1
            return
        records: list[Mapping] = []
        for eid in request.eids:
            own = covering_match(eid, self._eid_set)
            if own is not None:
                records.extend(r for r in self.records if r.eid == own)
        if not records:
            self.counters["map-requests-unknown"] += 1
            return
        self.counters["map-requests-answered"] += 1
        self._reply(
            encode_map_reply(records, nonce=request.nonce),
            (str(request.itr_rlocs[0]), ecm.inner_sport),
        )

    def _reply(self, data: bytes, addr: tuple[str, int]) -> None:
        if self._send is None:
            return
        try:
            self._send(data, addr)
        except OSError as exc:
            self.counters["send-errors"] += 1
            log.debug("%s: reply to %s failed: %s", self.config.name, addr, exc)
