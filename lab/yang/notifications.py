"""The lispnet-ms-recovery notifications a virtual Map-Server sends
(parsed by platforms/ietf/notifications.py)."""

from __future__ import annotations

from lxml import etree

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.events import MsEvent
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.times import format_time
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.ietf.events import (
    EVENT_LEAVES,
    UNIT,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.ietf.namespaces import (
    LMR,
    NOTIF,
    T,
    q,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.ietf.tree import leaf


def render_event(event: MsEvent) -> etree._Element:
    """The notification body alone, for a server whose event stream adds the
    <notification><eventTime> envelope itself."""
    allowed = EVENT_LEAVES.get(event.kind)
    if allowed is None:
        raise ValueError(f"unknown notification {event.kind!r}")
    unknown = set(event.details) - set(allowed)
    if unknown:
        raise ValueError(f"{event.kind} has no leaves {sorted(unknown)}")
    body = etree.Element(q(LMR, event.kind), nsmap={None: LMR})
    if event.unit is not None:
        leaf(body, UNIT, event.unit)
    for name in allowed:
        if name in event.details:
            leaf(body, q(LMR, name), event.details[name])
    return body


def render_notification(event: MsEvent) -> etree._Element:
    envelope = etree.Element(T.notification, nsmap={None: NOTIF, "lmr": LMR})
    leaf(envelope, T.event_time, format_time(event.time))
    envelope.append(render_event(event))
    return envelope
