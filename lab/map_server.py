"""A virtual Map-Server: one unit of an active/standby pair.

The unit speaks real LISP on the pair's service address while it is active and
serves NETCONF on its own management address. Its registration table lives only
in memory, exactly the weakness the project exists to repair.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime

from ansible_collections.lispnet.ms_recovery.lab.ms_store import MsStore
from ansible_collections.lispnet.ms_recovery.lab.rate_limit import PerSourceLimit
from ansible_collections.lispnet.ms_recovery.lab.register_nonces import (
    RegisterNonces,
    Verdict,
    nonce_key,
)
from ansible_collections.lispnet.ms_recovery.lab.registration_table import (
    RegistrationTable,
    covering_match,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.auth import (
    KEY_ID_OFFSET,
    algorithm_from_name,
    verify,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.codec import (
    EcmMessage,
    MalformedMessage,
    MapNotifyMessage,
    MapRegisterMessage,
    MapRequestMessage,
    decode,
    encode_ecm,
    encode_map_notify_for_register,
    encode_map_reply,
    encode_map_request,
    first_record_eid,
    message_type,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.nonce import (
    NonceCounter,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.types import (
    Action,
    Eid,
    IPAddress,
    Mapping,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.ms import MsSite
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.registration import (
    Registration,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.recovery.notifier import (
    LISP_CONTROL_PORT,
    Notifier,
    NotifyResult,
    NotifyTarget,
    site_targets,
)

log = logging.getLogger(__name__)

NEGATIVE_TTL_CONFIGURED = 1  # minutes: configured prefix nobody registered
NEGATIVE_TTL_UNKNOWN = 15  # minutes: EID no site owns
# Notifications per second of the MS-native recovery: about what this process
# can take of the Map-Registers they trigger (each ETR answers at once). Faster
# only overflows its socket queue, and the lost registrations wait for the ETRs'
# retries (1 s and more); see docs/performance.md.
NOTIFY_PACE = 5000.0
# ...after a first burst the socket queue (8 MB, rmem_max here) absorbs.
NOTIFY_BURST = 2000
# Map-Requests: one request makes at most MAX_EIDS_PER_REQUEST answers (ITRs ask
# for one EID at a time; RFC 9301 allows more, not 255 to one address), and one
# source gets REQUESTS_PER_SECOND after a burst. The controller's map_request
# check of 10,000 sites from one address stays within the burst.
MAX_EIDS_PER_REQUEST = 4
REQUESTS_PER_SECOND = 10_000.0
REQUEST_BURST = 20_000.0
# An ECM'd Map-Request for a few EIDs is far smaller; bigger ones are not read.
MAX_REQUEST_SIZE = 1500
MAP_REGISTER, MAP_NOTIFY_ACK, ECM = 3, 5, 8
INTERRUPTED = "interrupted: the unit went down (reboot or switchover) before the ack"

Sender = Callable[[bytes, tuple[str, int]], None]
# (change, eid, site) with change registered | expired | withdrawn. Installed by
# the NETCONF side (lab/backends.py); called once per EID that gains its first
# registration or loses its last one, so it must return at once when nobody
# listens (a 50,000-EID refill calls it 50,000 times).
RegistrationListener = Callable[[str, Eid, str], None]


class MapServerUnit:
    """LISP behaviour of one MS unit. I/O is injected so it can be driven in tests."""

    def __init__(
        self,
        name: str,
        store: MsStore,
        *,
        registration_timeout: float,
        notify_schedule: tuple[float, ...],
        nonces: NonceCounter | None = None,
    ) -> None:
        self.name = name
        self.store = store
        self.role = "standby"
        self.boot_time = datetime.now(UTC)
        self.reboot_count = 0
        # When this unit last became active by a switchover (this boot), as an
        # IOS-XE RP tells it; None before any.
        self.switchover_time: datetime | None = None
        self.up = True
        self.table = RegistrationTable()
        self.counters: Counter[str] = Counter()
        self.registration_timeout = registration_timeout
        # Both units answer on one service address, so they share one counter:
        # after a switchover an ETR must still see the nonces grow.
        self._nonces = nonces or NonceCounter(None)
        self._send: Sender | None = None
        self._notify_schedule = notify_schedule
        self.notifier: Notifier | None = None
        # Bumped by detach(): a recovery started before belongs to a previous
        # life of the unit and must neither go on sending nor touch the state.
        self._generation = 0
        self._jobs: set[asyncio.Future[list[NotifyResult]]] = set()
        self.on_registration_change: RegistrationListener | None = None
        self._register_nonces = RegisterNonces(store.last_nonce)
        self._request_limit = PerSourceLimit(REQUESTS_PER_SECOND, REQUEST_BURST)

    # Lifecycle ------------------------------------------------------------------
    def attach(self, send: Sender) -> None:
        """Start serving LISP on the service address through ``send``."""
        self._send = send
        self.notifier = Notifier(
            send,
            self._nonces.next,
            schedule=self._notify_schedule,
            pace_per_second=NOTIFY_PACE,
            burst=NOTIFY_BURST,
        )

    def detach(self) -> None:
        self._send = None
        self.notifier = None
        self._generation += 1
        for job in list(self._jobs):
            job.cancel()

    def lose_volatile_state(self) -> None:
        """What a reboot or a switchover does to the in-memory state."""
        self.table.clear()
        self.counters.clear()
        self._register_nonces.forget_recent()
        self._request_limit.clear()

    # Datagrams -------------------------------------------------------------------
    def on_datagram(self, data: bytes, addr: tuple[str, int]) -> None:
        """Anyone can send anything here: nothing is cached, and nothing costly
        decoded, before a message has shown it deserves it (docs/security.md)."""
        if self._send is None:
            return
        kind = message_type(data)
        if kind == MAP_REGISTER:
            self._on_register(data, addr)
            return
        if kind == MAP_NOTIFY_ACK:
            self._on_notify_ack(data, addr)
            return
        if kind != ECM or len(data) > MAX_REQUEST_SIZE:
            self.counters["ignored"] += 1
            return
        if not self._request_limit.allow(addr[0], time.monotonic()):
            self.counters["requests-rate-limited"] += 1
            return
        try:
            message = decode(data)
        except MalformedMessage:
            self.counters["malformed"] += 1
            return
        if isinstance(message, EcmMessage) and isinstance(message.message, MapRequestMessage):
            self._on_map_request(message, message.message)
        else:
            self.counters["ignored"] += 1

    def _on_notify_ack(self, raw: bytes, addr: tuple[str, int]) -> None:
        # Decoded only when it answers a notification of ours (nonce at 4..12).
        nonce = int.from_bytes(raw[4:12], "big") if len(raw) >= 12 else -1
        if self.notifier is None or not self.notifier.expects(nonce):
            self.counters["unexpected-acks"] += 1
            return
        try:
            message = decode(raw)
        except MalformedMessage:
            self.counters["malformed"] += 1
            return
        if isinstance(message, MapNotifyMessage) and self.notifier.on_ack(message, raw, addr):
            self.counters["notify-acks-received"] += 1
        else:
            self.counters["unexpected-acks"] += 1

    def _on_register(self, raw: bytes, addr: tuple[str, int]) -> None:
        self.counters["map-registers-received"] += 1
        # The site (whose key must authenticate the message) from the first
        # EID alone; the rest is decoded, and cached, only once the MAC holds.
        try:
            site = self.store.site_of(first_record_eid(raw))
        except MalformedMessage:
            self.counters["malformed"] += 1
            return
        if site is None:
            self.counters["unknown-site"] += 1
            return
        key = self.store.keys[site.name]
        if raw[KEY_ID_OFFSET] != site.key_id or not verify(
            raw, key, algorithm_from_name(site.algorithm)
        ):
            self.counters["auth-failures"] += 1
            return
        try:
            msg = decode(raw, remember=True)
        except MalformedMessage:
            self.counters["malformed"] += 1
            return
        assert isinstance(msg, MapRegisterMessage)
        identity = None if msg.xtr_id is None else nonce_key(msg.xtr_id, site.name, msg.key_id)
        verdict = self._register_nonces.judge(
            identity, msg.nonce, raw, (addr[0], addr[1]), time.monotonic()
        )
        if verdict is Verdict.REPLAY:
            self.counters["replays"] += 1
            return
        if verdict is Verdict.RETRANSMISSION:
            # The same bytes again: the sender missed our answer. Answer
            # again; the registration itself was applied the first time.
            self.counters["register-retransmissions"] += 1
            if msg.want_map_notify:
                self._emit(encode_map_notify_for_register(raw, key=key), addr)
            return
        if identity is not None:
            self.store.nonces_changed()
        source = ipaddress.ip_address(addr[0])
        self.counters["map-registers-accepted"] += 1
        now, mono = datetime.now(UTC), time.monotonic()
        # Every record of an ETR usually carries the same RLOCs: learn each once.
        # A list, not a set: IPv4Address hashes slowly, and the decoder hands
        # out the very same objects, which `in` matches by identity first.
        etr_rlocs: list[IPAddress] = []
        for record in msg.records:
            if self.store.eid_owner.get(record.eid) != site.name:
                # A site may only register its own prefixes.
                self.counters["eids-refused"] += 1
                continue
            if record.ttl == 0 and msg.ttl_timeout:
                # T bit and TTL 0: time out now (RFC 9301 sections 5.6, 5.4).
                # Without the T bit the default timeout applies (section 8.2),
                # as on a Map-Server that ignores record TTLs: a refresh.
                self._withdraw_record(record.eid, site.name, msg.xtr_id, source, addr[1])
                continue
            first = self.table.upsert(
                Registration(
                    eid=record.eid,
                    site=site.name,
                    rlocs=record.rlocs,
                    last_registered=now,
                    xtr_id=msg.xtr_id,
                    source=source,
                    source_port=addr[1],
                    site_id=site.site_id,
                    ttl=record.ttl,
                    first_registered=now,
                    proxy_reply=msg.proxy_reply,
                    want_map_notify=msg.want_map_notify,
                    # The Map-Server holds what the site's own ETRs registered.
                    authoritative=True,
                ),
                mono,
            )
            if first and self.on_registration_change is not None:
                self.on_registration_change("registered", record.eid, site.name)
            for rloc in record.rlocs:
                if rloc.address not in etr_rlocs:
                    etr_rlocs.append(rloc.address)
        for address in etr_rlocs:
            self.store.learn_etr(site.name, address)
        if msg.want_map_notify:
            # The same records, nonce and trailer as the register (just verified
            # with this key): copied from its bytes rather than encoded again.
            self._emit(encode_map_notify_for_register(raw, key=key), addr)

    def _withdraw_record(
        self, eid: Eid, site: str, xtr_id: bytes | None, source: IPAddress, port: int
    ) -> None:
        """A record with TTL 0 in a Map-Register with the T bit withdraws the
        sender's own registration of the EID; other registrants' stay."""
        emptied = self.table.withdraw(eid, xtr_id, source, port)
        if emptied is None:
            return
        self.counters["registrations-withdrawn"] += 1
        if emptied and self.on_registration_change is not None:
            self.on_registration_change("withdrawn", eid, site)

    def _on_map_request(self, ecm: EcmMessage, request: MapRequestMessage) -> None:
        self.counters["map-requests-received"] += 1
        if request.probe or not request.itr_rlocs:
            self.counters["ignored"] += 1  # an MS does not answer RLOC probes
            return
        itr = (str(request.itr_rlocs[0]), ecm.inner_sport)
        if len(request.eids) > MAX_EIDS_PER_REQUEST:
            self.counters["request-eids-ignored"] += len(request.eids) - MAX_EIDS_PER_REQUEST
        for eid in request.eids[:MAX_EIDS_PER_REQUEST]:
            registered = self.table.longest_match(eid)
            if registered is not None:
                records = self.table.records(registered)
                if any(r.proxy_reply for r in records):
                    self.counters["proxy-replies"] += 1
                    rlocs = tuple(sorted({rloc for r in records for rloc in r.rlocs}))
                    mapping = Mapping(
                        registered, rlocs, ttl=records[0].ttl or 0, authoritative=False
                    )
                    self._emit(encode_map_reply([mapping], nonce=request.nonce), itr)
                else:
                    self.counters["map-requests-forwarded"] += 1
                    etr = str(records[0].rlocs[0].address) if records[0].rlocs else None
                    if etr is None:
                        continue
                    inner = encode_map_request(
                        [eid],
                        nonce=request.nonce,
                        itr_rlocs=request.itr_rlocs,
                        source_eid=request.source_eid,
                    )
                    try:
                        forwarded = encode_ecm(
                            inner,
                            src=ecm.inner_src,
                            dst=records[0].rlocs[0].address,
                            sport=ecm.inner_sport,
                        )
                    except ValueError:
                        # The request's inner source and the ETR's RLOC differ in
                        # IP version: no inner header can carry both.
                        self.counters["ignored"] += 1
                        continue
                    self._emit(forwarded, (etr, LISP_CONTROL_PORT))
                continue
            configured = covering_match(eid, self.store.eid_owner)
            ttl = NEGATIVE_TTL_CONFIGURED if configured else NEGATIVE_TTL_UNKNOWN
            negative = Mapping(
                configured or eid, (), ttl=ttl, action=Action.NATIVELY_FORWARD, authoritative=True
            )
            self.counters["negative-replies"] += 1
            self._emit(encode_map_reply([negative], nonce=request.nonce), itr)

    def _emit(self, data: bytes, addr: tuple[str, int]) -> None:
        if self._send is not None:
            try:
                self._send(data, addr)
            except OSError as exc:
                self.counters["send-errors"] += 1
                log.debug("send to %s failed: %s", addr, exc)

    # Expiry ----------------------------------------------------------------------
    def expire(self) -> list[Eid]:
        expired = self.table.expire(time.monotonic(), self.registration_timeout)
        self.counters["registrations-expired"] += len(expired)
        if expired and self.on_registration_change is not None:
            for eid in expired:
                self.on_registration_change("expired", eid, self.store.eid_owner.get(eid, ""))
        return expired

    def withdraw(self, eids: dict[Eid, str]) -> list[Eid]:
        """Drop the registrations of EIDs whose site no longer owns them
        (edit-config deleted the site or the prefix); ``eids`` maps each to its
        former site. Returns those that were registered."""
        withdrawn = [eid for eid in eids if self.table.drop(eid)]
        if self.on_registration_change is not None:
            for eid in withdrawn:
                self.on_registration_change("withdrawn", eid, eids[eid])
        return withdrawn

    # MS-native recovery ------------------------------------------------------------
    def reregistration_targets(self, site_names: list[str] | None) -> list[NotifyTarget]:
        """One notification per stored ETR of the chosen sites (all when None)."""
        keys = self.store.keys
        sites = self._select_sites(site_names)
        return [target for site in sites for target in notify_targets(site, keys[site.name])]

    def _select_sites(self, site_names: list[str] | None) -> list[MsSite]:
        if not site_names:
            return list(self.store.sites.values())
        unknown = [n for n in site_names if n not in self.store.sites]
        if unknown:
            raise KeyError(f"unknown site(s): {', '.join(sorted(unknown))}")
        return [self.store.sites[n] for n in site_names]

    async def send_reregistration(
        self, site_names: list[str] | None, progress: list[NotifyResult] | None = None
    ) -> list[NotifyResult]:
        """Notify the stored ETRs of the chosen sites; ``progress`` (see
        :meth:`Notifier.notify`) shows the results while they come in."""
        if self.notifier is None:
            raise RuntimeError(f"{self.name} is not the active unit")
        targets = self.reregistration_targets(site_names)
        self.counters["notifies-sent"] += len(targets)
        generation = self._generation
        job = asyncio.ensure_future(self.notifier.notify(targets, progress=progress))
        self._jobs.add(job)
        try:
            results = await job
        except asyncio.CancelledError:
            if generation == self._generation:
                raise  # our caller cancelled us, not a reboot or switchover
            return [
                NotifyResult(site=t.site, etr=t.etr, rloc=str(t.rloc), error=INTERRUPTED)
                for t in targets
            ]
        finally:
            self._jobs.discard(job)
        if generation != self._generation:
            return results  # finished as the unit went down: its state is gone
        self._store_notify_results(results)
        return results

    def _store_notify_results(self, results: list[NotifyResult]) -> None:
        outcomes: dict[tuple[str, str], str] = {}
        for result in results:
            self.counters["notify-retransmits"] += result.retries
            outcome = "acked" if result.acked else (result.error or "no-ack")
            outcomes[(result.site, result.etr)] = outcome
        self.store.record_notify_results(outcomes)


def notify_targets(site: MsSite, key: bytes) -> list[NotifyTarget]:
    return site_targets(
        site.name,
        key=key,
        key_id=site.key_id,
        algorithm=algorithm_from_name(site.algorithm),
        eids=site.eids,
        etrs=[(etr.name, etr.rloc) for etr in site.etrs],
    )
