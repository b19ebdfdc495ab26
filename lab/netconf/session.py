"""One NETCONF session on one SSH channel: hello, framing, RPC loop, notifications."""

from __future__ import annotations

import asyncio
import itertools
import logging
import threading
import uuid
from collections.abc import Awaitable, Callable, Iterable
from copy import deepcopy
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from lxml import etree

from .errors import RpcError, UnknownRpc, info_element
from .framing import FrameDecoder, FramingError, encode_parts
from .operations import Reply, Serialized, dispatch
from .subtree import apply_subtree_filter
from .xmlns import BASE_10, BASE_11, NC_NS, SERVER_CAPABILITIES, nc, notif

if TYPE_CHECKING:
    from .backend import NetconfBackend

log = logging.getLogger(__name__)

READ_SIZE = 64 * 1024
# Marks where a pre-serialized reply child goes; random, so no data can hold it.
_SERIALIZED = f"serialized-{uuid.uuid4().hex}"
# Process-wide, so ids never repeat across routers and kill-session is unambiguous.
_session_ids = itertools.count(1)
_parser_local = threading.local()


@dataclass
class SessionLimits:
    """Bounds on what one client may make the server hold or wait for."""

    max_message: int = 32 * 1024 * 1024
    max_chunk: int = 32 * 1024 * 1024
    hello_timeout: float = 60.0
    idle_timeout: float | None = 3600.0
    write_timeout: float = 60.0
    max_pending_notifications: int = 1000


@dataclass
class SessionRegistry:
    """The live sessions of one router, so kill-session and reboot can find them."""

    sessions: dict[int, NetconfSession] = field(default_factory=dict)


def next_session_id() -> int:
    return next(_session_ids)


def _parser() -> etree.XMLParser:
    # lxml parsers are not thread-safe; entities and DTDs are off because
    # clients are untrusted (billion laughs, external entity reads).
    parser = getattr(_parser_local, "parser", None)
    if parser is None:
        parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
        _parser_local.parser = parser
    return parser


def parse_message(payload: bytes) -> etree._Element:
    """Parse one framed message; raises XMLSyntaxError on anything not plain XML."""
    root = etree.fromstring(payload.lstrip(), _parser())
    if root.getroottree().docinfo.doctype:
        raise etree.XMLSyntaxError("DOCTYPE is not allowed", None, 0, 0)
    return root


def build_hello(session_id: int, extra_capabilities: list[str]) -> bytes:
    hello = etree.Element(nc("hello"), nsmap={None: NC_NS})
    caps = etree.SubElement(hello, nc("capabilities"))
    seen: set[str] = set()
    for uri in (*SERVER_CAPABILITIES, *extra_capabilities):
        if uri not in seen:
            seen.add(uri)
            # lxml escapes '&' (YANG module URIs carry "&revision=").
            etree.SubElement(caps, nc("capability")).text = uri
    etree.SubElement(hello, nc("session-id")).text = str(session_id)
    return etree.tostring(hello, encoding="UTF-8", xml_declaration=True)


class _Closing(Exception):
    """Internal: end the session loop quietly."""


class NetconfSession:
    """Serve NETCONF on one channel until EOF, close-session, kill or a protocol error."""

    def __init__(
        self,
        *,
        backend: NetconfBackend,
        registry: SessionRegistry,
        read: Callable[[int], Awaitable[bytes]],
        write: Callable[[bytes], None],
        drain: Callable[[], Awaitable[None]],
        close: Callable[[], None],
        limits: SessionLimits | None = None,
        username: str = "",
    ) -> None:
        self.backend = backend
        self.session_id = next_session_id()
        self.username = username
        self.limits = limits or SessionLimits()
        self._registry = registry
        self._read = read
        self._write = write
        self._drain = drain
        self._close_transport = close
        self._decoder = FrameDecoder(
            max_message=self.limits.max_message, max_chunk=self.limits.max_chunk
        )
        self.chunked = False
        self.client_capabilities: list[str] = []
        self._write_lock = asyncio.Lock()
        self._closing = False
        self._sub_token: int | None = None
        self._sub_filter: etree._Element | None = None
        self._note_queue: asyncio.Queue[bytes] | None = None
        self._note_task: asyncio.Task[None] | None = None

    # -- hooks used by operations -------------------------------------------------

    def close_after_reply(self) -> None:
        self._closing = True

    def subscribe_after_reply(self, flt: etree._Element | None) -> None:
        if self._note_queue is not None:
            raise RpcError(
                "operation-failed", "a subscription is already active", error_type="protocol"
            )
        # Subscribed now so no event published after the client sees <ok/> is
        # lost; the queue is only pumped once that <ok/> is written, so no
        # event can precede the reply either.
        self._sub_filter = flt
        self._note_queue = asyncio.Queue(self.limits.max_pending_notifications)
        self._sub_token = self.backend.notifications.subscribe(self._on_event)

    def kill_peer(self, session_id: int) -> bool:
        peer = self._registry.sessions.get(session_id)
        if peer is None:
            return False
        peer.kill()
        return True

    def kill(self) -> None:
        """End the session now (kill-session, reboot); its loop sees EOF."""
        self._closing = True
        self._close_transport()

    # -- main loop ---------------------------------------------------------------

    async def run(self) -> None:
        self._registry.sessions[self.session_id] = self
        try:
            await self._serve()
        except (_Closing, FramingError, TimeoutError, ConnectionError) as exc:
            log.debug("session %d ends: %r", self.session_id, exc)
        except Exception:
            # Transport errors (e.g. asyncssh disconnects) end only this session.
            log.exception("session %d failed", self.session_id)
        finally:
            self._registry.sessions.pop(self.session_id, None)
            self._stop_notifications()
            self._close_transport()

    async def _serve(self) -> None:
        extra = [str(c) for c in self.backend.capabilities()]
        await self._send(build_hello(self.session_id, extra))
        hello = await self._next_message(self.limits.hello_timeout)
        if hello is None:
            return
        self._accept_hello(hello)
        while not self._closing:
            msg = await self._next_message(self.limits.idle_timeout)
            if msg is None:
                return
            await self._handle(msg)

    def _accept_hello(self, payload: bytes) -> None:
        try:
            root = parse_message(payload)
        except etree.XMLSyntaxError as exc:
            raise _Closing("unparsable hello") from exc
        if root.tag != nc("hello"):
            raise _Closing("first message is not <hello>")
        # RFC 6241 8.1: a client hello carrying session-id ends the session.
        if root.find(nc("session-id")) is not None:
            raise _Closing("client hello has a session-id")
        caps = [(c.text or "").strip() for c in root.iter(nc("capability"))]
        if BASE_10 not in caps and BASE_11 not in caps:
            raise _Closing("client announces no base capability")
        self.client_capabilities = caps
        self.chunked = BASE_11 in caps
        self._decoder.chunked = self.chunked

    async def _next_message(self, timeout: float | None) -> bytes | None:
        while True:
            msg = self._decoder.next_message()
            if msg is not None:
                return msg
            data = await asyncio.wait_for(self._read(READ_SIZE), timeout)
            if not data:
                return None
            self._decoder.feed(data)

    async def _handle(self, payload: bytes) -> None:
        try:
            rpc = parse_message(payload)
        except etree.XMLSyntaxError as exc:
            await self._malformed(f"not well-formed XML: {exc}")
            return
        if rpc.tag != nc("rpc"):
            await self._malformed(f"expected <rpc>, got <{etree.QName(rpc).localname}>")
            return
        if rpc.get("message-id") is None:
            err = RpcError(
                "missing-attribute",
                "<rpc> has no message-id",
                error_type="rpc",
                info=[
                    info_element("bad-attribute", "message-id"),
                    info_element("bad-element", "rpc"),
                ],
            )
            await self._reply(rpc, [err.to_element()])
            return
        ops = [c for c in rpc if isinstance(c.tag, str)]
        try:
            if len(ops) != 1:
                raise RpcError(
                    "operation-failed", "<rpc> must hold exactly one operation", error_type="rpc"
                )
            children = await dispatch(self, ops[0])
        except RpcError as exc:
            children = [exc.to_element()]
        except UnknownRpc as exc:
            children = [
                RpcError("operation-not-supported", str(exc), error_type="protocol").to_element()
            ]
        except Exception:
            log.exception("session %d: operation failed", self.session_id)
            children = [RpcError("operation-failed", "internal error").to_element()]
        await self._reply(rpc, children)
        if self._note_queue is not None and self._note_task is None:
            self._note_task = asyncio.get_running_loop().create_task(self._pump_notifications())

    async def _malformed(self, why: str) -> None:
        # malformed-message exists only from base:1.1 on (RFC 6241 appendix A);
        # a base:1.0 client cannot be told, so its session is ended instead.
        if not self.chunked:
            raise _Closing(why)
        err = RpcError("malformed-message", why, error_type="rpc")
        reply = etree.Element(nc("rpc-reply"), nsmap={None: NC_NS})
        reply.append(err.to_element())
        await self._send(etree.tostring(reply, encoding="UTF-8", xml_declaration=True))

    async def _reply(self, rpc: etree._Element, children: Reply) -> None:
        nsmap: dict[str | None, str] = {k: v for k, v in rpc.nsmap.items() if k is not None}
        nsmap[None] = NC_NS
        # RFC 6241 4.2: message-id and every other <rpc> attribute come back unchanged.
        reply = etree.Element(nc("rpc-reply"), attrib=dict(rpc.attrib), nsmap=nsmap)
        serialized = [c for c in children if isinstance(c, Serialized)]
        # A comment marks where each serialized child goes, in order.
        reply.extend(
            etree.Comment(_SERIALIZED) if isinstance(c, Serialized) else c for c in children
        )
        if not children:
            etree.SubElement(reply, nc("ok"))
        text = etree.tostring(reply, encoding="UTF-8", xml_declaration=True)
        if not serialized:
            await self._send(text)
            return
        head, *tails = text.split(f"<!--{_SERIALIZED}-->".encode())
        parts: list[Iterable[bytes]] = [(head,)]
        for child, tail in zip(serialized, tails, strict=True):
            parts += [child.parts, (tail,)]
        await self._send_parts(itertools.chain.from_iterable(parts))

    async def _send(self, payload: bytes) -> None:
        await self._send_parts((payload,))

    async def _send_parts(self, parts: Iterable[bytes]) -> None:
        async with self._write_lock:
            for piece in encode_parts(parts, chunked=self.chunked):
                self._write(piece)
                # Backpressure: a client that stops reading stalls only its own session.
                await asyncio.wait_for(self._drain(), self.limits.write_timeout)

    # -- notifications -------------------------------------------------------------

    def _stop_notifications(self) -> None:
        if self._sub_token is not None:
            self.backend.notifications.unsubscribe(self._sub_token)
            self._sub_token = None
        if self._note_task is not None:
            self._note_task.cancel()
            self._note_task = None

    def _on_event(self, note: etree._Element) -> None:
        if self._note_queue is None:
            return
        if self._sub_filter is not None:
            selected = apply_subtree_filter(note, self._sub_filter)
            if not any(c.tag != notif("eventTime") for c in selected):
                return
            if selected.find(notif("eventTime")) is None:
                selected.insert(0, deepcopy(note.find(notif("eventTime"))))
            note = selected
        try:
            self._note_queue.put_nowait(
                etree.tostring(note, encoding="UTF-8", xml_declaration=True)
            )
        except asyncio.QueueFull:
            # Dropping events silently would lie to the client; a gap is a reconnect.
            log.warning("session %d: notification backlog full, closing", self.session_id)
            self.kill()

    async def _pump_notifications(self) -> None:
        assert self._note_queue is not None
        try:
            while True:
                payload = await self._note_queue.get()
                await self._send(payload)
        except (TimeoutError, ConnectionError):
            self.kill()
