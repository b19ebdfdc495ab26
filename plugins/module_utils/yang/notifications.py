# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The project's NETCONF notifications (RFC 5277 envelope, lmr bodies)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from lxml import etree

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.yang.namespaces import (
    LMR,
    NOTIF,
    T,
    q,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.yang.tree import leaf
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.yang.values import (
    format_time,
    parse_time,
)

# kind -> the leaves its body may hold besides unit-name, in YANG order.
EVENT_LEAVES: dict[str, tuple[str, ...]] = {
    "ms-boot": ("boot-time", "reason"),
    "ha-switchover": ("new-active", "previous-active"),
    "registration-deficit": ("expected", "registered"),
    "registration-change": ("eid-id", "site", "change"),
}
_UNIT = q(LMR, "unit-name")


@dataclass(frozen=True)
class MsEvent:
    """One notification. ``time`` is the envelope's eventTime; ``details``
    holds the body's other leaves as text, keyed by leaf name."""

    kind: str
    unit: str | None
    time: datetime
    details: dict[str, str] = field(default_factory=dict)


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
        leaf(body, _UNIT, event.unit)
    for name in allowed:
        if name in event.details:
            leaf(body, q(LMR, name), event.details[name])
    return body


def render_notification(event: MsEvent) -> etree._Element:
    envelope = etree.Element(T.notification, nsmap={None: NOTIF, "lmr": LMR})
    leaf(envelope, T.event_time, format_time(event.time))
    envelope.append(render_event(event))
    return envelope


def parse_notification(elem: etree._Element) -> MsEvent | None:
    """The event in a <notification>, or None when it is not one of ours
    (a subscription also delivers e.g. ietf-netconf-notifications events)."""
    when = elem.findtext(T.event_time)
    for body in elem:
        if not isinstance(body.tag, str):
            continue
        name = etree.QName(body)
        if name.namespace == LMR and name.localname in EVENT_LEAVES:
            details = {
                etree.QName(c).localname: c.text or ""
                for c in body
                if isinstance(c.tag, str) and c.tag != _UNIT
            }
            if when is None:
                raise ValueError(f"{name.localname} notification without eventTime")
            return MsEvent(name.localname, body.findtext(_UNIT), parse_time(when), details)
    return None
