"""The interface a virtual router implements to be served over NETCONF.

The framework owns sessions, framing, hello, filtering and errors; a backend
owns the data. All methods are called on the event loop thread, one request at
a time per session (sessions of one router may interleave between awaits).

``get`` and ``get_config`` must be quick in-memory reads: they run on the loop.
Anything slow (I/O, waiting for the LISP control plane) belongs in ``rpc``,
which is a coroutine, or behind ``asyncio.to_thread`` inside it, so one busy
router never stalls the thousands of others sharing the loop.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol, runtime_checkable

from lxml import etree

from .notifications import NotificationHub


@runtime_checkable
class NetconfBackend(Protocol):
    """What :func:`start_netconf_server` needs from a router.

    Attributes:
        notifications: the router's hub; every session that ran
            <create-subscription> receives what is published on it.
    """

    notifications: NotificationHub

    def capabilities(self) -> Iterable[str]:
        """Extra capability URIs for <hello>, e.g. YANG module URIs with ``?module=``.

        Raw strings; the framework escapes ``&`` when writing XML.
        """

    def get(self) -> etree._Element:
        """The full datastore (config and state) as a <data> element.

        Its children are the top-level nodes; the framework copies and filters,
        so returning a live internal tree is fine.
        """

    def get_config(self) -> etree._Element:
        """The running configuration as a <data> element (same rules as ``get``)."""

    def edit_config(self, config: etree._Element, default_operation: str) -> None:
        """Apply <config> (the element itself) to running.

        ``default_operation`` is merge, replace or none. Use
        :func:`lab.netconf.edits.iter_edits` to walk it. Raise :class:`RpcError`
        (e.g. tag data-exists, data-missing, invalid-value) to reject it.
        """

    async def rpc(self, request: etree._Element) -> etree._Element | None:
        """Handle a non-base RPC; ``request`` is the first child of <rpc>.

        Return an element whose children are placed in <rpc-reply>, or None for
        <ok/>. Raise :class:`UnknownRpc` if not implemented (the client gets
        operation-not-supported) or :class:`RpcError` for any other failure.
        """
