"""The base NETCONF operations (RFC 6241 section 7) and <create-subscription> (RFC 5277).

Each handler returns the children of <rpc-reply> (an empty list means <ok/>)
or raises :class:`RpcError`. Anything outside the base and notification
namespaces goes to the backend's ``rpc``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from lxml import etree

from .edits import DEFAULT_OPERATIONS, iter_edits
from .errors import RpcError, UnknownRpc, bad_element, info_element, operation_not_supported
from .subtree import apply_subtree_filter
from .xmlns import NC_NS, NOTIF_NS, nc, notif

if TYPE_CHECKING:
    from .session import NetconfSession


@dataclass(frozen=True)
class Serialized:
    """A reply child given as XML text in consecutive parts, sent as they come
    (a 50,000-entry table starts leaving before all of it is rendered)."""

    parts: Iterable[bytes]


Reply = list[etree._Element | Serialized]
Handler = Callable[["NetconfSession", etree._Element], Awaitable[Reply]]


async def dispatch(session: NetconfSession, op: etree._Element) -> Reply:
    """Run one operation (the element inside <rpc>) for ``session``."""
    handler = _HANDLERS.get(op.tag)
    if handler is not None:
        return await handler(session, op)
    if etree.QName(op).namespace == NC_NS:
        # copy-config, validate, commit...: base operations this lab does not offer.
        raise operation_not_supported(f"<{etree.QName(op).localname}> is not supported")
    try:
        result = await session.backend.rpc(op)
    except UnknownRpc as exc:
        raise operation_not_supported(
            str(exc) or f"unknown RPC <{etree.QName(op).localname}>"
        ) from exc
    return [] if result is None else list(result)


def _child(op: etree._Element, tag: str) -> etree._Element | None:
    return op.find(tag)


def _datastore(op: etree._Element, which: str) -> None:
    """Require <source>/<target> to name <running/>, the only datastore offered."""
    holder = _child(op, nc(which))
    if holder is None:
        raise RpcError(
            "missing-element",
            f"<{which}> is required",
            error_type="protocol",
            info=[info_element("bad-element", which)],
        )
    stores = [etree.QName(c).localname for c in holder if isinstance(c.tag, str)]
    if stores != ["running"]:
        raise RpcError(
            "invalid-value",
            f"only <running/> is supported as <{which}>",
            error_type="protocol",
            info=[info_element("bad-element", which)],
        )


def _filter(op: etree._Element, *tags: str) -> etree._Element | None:
    """The operation's <filter> in the first of ``tags`` (qualified names) present."""
    flt = next((found for tag in tags if (found := _child(op, tag)) is not None), None)
    if flt is None:
        # A <filter> in no namespace the operation takes is an unknown element,
        # not "no filter": IOS-XE 17.x, for one, rejects it; answering with
        # the whole datastore would be kinder than a real router.
        local = etree.QName(tags[0]).localname
        if any(etree.QName(child).localname == local for child in op):
            raise RpcError(
                "unknown-element",
                f"<{local}> must be in the namespace {etree.QName(tags[-1]).namespace}",
                error_type="protocol",
                info=[info_element("bad-element", local)],
            )
        return None
    ftype = flt.get("type", "subtree")
    if ftype != "subtree":
        # :xpath is not announced, so only subtree filters are accepted.
        raise RpcError(
            "operation-not-supported",
            f"filter type {ftype!r} is not supported",
            error_type="protocol",
            info=[info_element("bad-attribute", "type"), info_element("bad-element", "filter")],
        )
    return flt


def _data_reply(data: etree._Element, flt: etree._Element | None) -> Reply:
    out = apply_subtree_filter(data, flt)
    out.tag = nc("data")
    return [out]


async def _get(session: NetconfSession, op: etree._Element) -> Reply:
    flt = _filter(op, nc("filter"))
    # A backend may answer a filter it knows by rendering exactly what it
    # selects (optional method; None: it does not know this filter).
    exact = getattr(session.backend, "get_exact", None)
    parts = None if exact is None else exact(flt)
    if parts is not None:
        return [Serialized(parts)]
    # A backend may render only what the filter can select (optional method).
    selected = getattr(session.backend, "get_selected", None)
    data = session.backend.get() if selected is None else selected(flt)
    return _data_reply(data, flt)


async def _get_config(session: NetconfSession, op: etree._Element) -> Reply:
    _datastore(op, "source")
    return _data_reply(session.backend.get_config(), _filter(op, nc("filter")))


async def _edit_config(session: NetconfSession, op: etree._Element) -> Reply:
    _datastore(op, "target")
    default_el = _child(op, nc("default-operation"))
    default = (default_el.text or "").strip() if default_el is not None else "merge"
    if default not in DEFAULT_OPERATIONS:
        raise bad_element(
            "invalid-value", "default-operation", f"bad default-operation {default!r}"
        )
    test_el = _child(op, nc("test-option"))
    if test_el is not None and (test_el.text or "").strip() != "set":
        raise RpcError(
            "operation-not-supported", ":validate is not supported", error_type="protocol"
        )
    if _child(op, nc("url")) is not None:
        raise operation_not_supported(":url is not supported")
    config = _child(op, nc("config"))
    if config is None:
        raise bad_element("missing-element", "config", "<config> is required")
    # Reject bad operation attributes before the backend sees half an edit.
    for _unused in iter_edits(config, default):
        pass
    session.backend.edit_config(config, default)
    return []


async def _lock(session: NetconfSession, op: etree._Element) -> Reply:
    # Locks always succeed: the lab has no concurrent writers to protect against.
    _datastore(op, "target")
    return []


async def _close_session(session: NetconfSession, op: etree._Element) -> Reply:
    session.close_after_reply()
    return []


async def _kill_session(session: NetconfSession, op: etree._Element) -> Reply:
    sid_el = _child(op, nc("session-id"))
    if sid_el is None:
        raise bad_element("missing-element", "session-id", "<session-id> is required")
    try:
        sid = int((sid_el.text or "").strip())
    except ValueError:
        raise bad_element("invalid-value", "session-id", "session-id must be an integer") from None
    if sid == session.session_id:
        raise bad_element("invalid-value", "session-id", "use <close-session> to end this session")
    if not session.kill_peer(sid):
        raise bad_element("invalid-value", "session-id", f"no session {sid}")
    return []


async def _create_subscription(session: NetconfSession, op: etree._Element) -> Reply:
    stream_el = _child(op, notif("stream"))
    stream = (stream_el.text or "").strip() if stream_el is not None else "NETCONF"
    if stream != session.backend.notifications.stream:
        raise RpcError(
            "invalid-value",
            f"unknown stream {stream!r}",
            error_type="application",
            info=[info_element("bad-element", "stream")],
        )
    for name in ("startTime", "stopTime"):
        if _child(op, notif(name)) is not None:
            # Replay is not announced; RFC 5277 says so with this error.
            raise RpcError(
                "operation-not-supported",
                "replay is not supported",
                error_type="protocol",
                info=[info_element("bad-element", name)],
            )
    flt = _filter(op, notif("filter"), nc("filter"))
    session.subscribe_after_reply(flt)
    return []


_HANDLERS: dict[str, Handler] = {
    nc("get"): _get,
    nc("get-config"): _get_config,
    nc("edit-config"): _edit_config,
    nc("lock"): _lock,
    nc("unlock"): _lock,
    nc("close-session"): _close_session,
    nc("kill-session"): _kill_session,
    f"{{{NOTIF_NS}}}create-subscription": _create_subscription,
}
