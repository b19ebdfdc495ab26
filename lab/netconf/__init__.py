"""A NETCONF-over-SSH server framework for the lab's virtual routers.

A router provides a :class:`NetconfBackend` (its data and custom RPCs) and a
:class:`NotificationHub`; :func:`start_netconf_server` serves it on a loopback
address with RFC 6241/6242 framing, subtree filtering and RFC 5277 notifications.
"""

from .backend import NetconfBackend
from .edits import Edit, iter_edits
from .errors import RpcError, UnknownRpc
from .hostkeys import RSA, known_hosts_line, load_or_create_host_key
from .notifications import NotificationHub
from .server import NetconfServer, start_netconf_server
from .session import SessionLimits
from .subtree import apply_subtree_filter

__all__ = [
    "RSA",
    "Edit",
    "NetconfBackend",
    "NetconfServer",
    "NotificationHub",
    "RpcError",
    "SessionLimits",
    "UnknownRpc",
    "apply_subtree_filter",
    "iter_edits",
    "known_hosts_line",
    "load_or_create_host_key",
    "start_netconf_server",
]
