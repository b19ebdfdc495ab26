"""XML namespaces and capability URIs used by the NETCONF server."""

from __future__ import annotations

NC_NS = "urn:ietf:params:xml:ns:netconf:base:1.0"
NOTIF_NS = "urn:ietf:params:xml:ns:netconf:notification:1.0"

BASE_10 = "urn:ietf:params:netconf:base:1.0"
BASE_11 = "urn:ietf:params:netconf:base:1.1"
CAP_NOTIFICATION = "urn:ietf:params:netconf:capability:notification:1.0"
CAP_INTERLEAVE = "urn:ietf:params:netconf:capability:interleave:1.0"
# RFC 6241 8.2: edit-config may only target <running/> when this is announced.
CAP_WRITABLE_RUNNING = "urn:ietf:params:netconf:capability:writable-running:1.0"

SERVER_CAPABILITIES: tuple[str, ...] = (
    BASE_10,
    BASE_11,
    CAP_WRITABLE_RUNNING,
    CAP_NOTIFICATION,
    CAP_INTERLEAVE,
)


def nc(local: str) -> str:
    """Clark-notation tag in the NETCONF base namespace."""
    return f"{{{NC_NS}}}{local}"


def notif(local: str) -> str:
    """Clark-notation tag in the RFC 5277 notification namespace."""
    return f"{{{NOTIF_NS}}}{local}"
