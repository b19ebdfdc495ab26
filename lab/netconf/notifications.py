"""RFC 5277 event notifications: a per-router hub that fans out to subscribed sessions."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from lxml import etree

from .xmlns import NOTIF_NS, notif

log = logging.getLogger(__name__)

# A subscriber gets the <notification> element; it must not block (it queues).
Subscriber = Callable[[etree._Element], None]


def event_time(now: datetime | None = None) -> str:
    """RFC 3339 timestamp in UTC with microseconds, as <eventTime> wants."""
    now = now or datetime.now(UTC)
    return now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def make_notification(event: etree._Element, when: datetime | None = None) -> etree._Element:
    """Wrap an event element: <notification><eventTime/>event</notification>."""
    root = etree.Element(notif("notification"), nsmap={None: NOTIF_NS})
    etree.SubElement(root, notif("eventTime")).text = event_time(when)
    root.append(event)
    return root


class NotificationHub:
    """The NETCONF event stream of one router.

    Call :meth:`publish` from the event loop thread (use
    ``loop.call_soon_threadsafe`` from elsewhere). Events are not stored: the
    server announces no replay, so late subscribers miss earlier events.
    """

    stream = "NETCONF"

    def __init__(self) -> None:
        self._subscribers: dict[int, Subscriber] = {}
        self._next_token = 0

    def subscribe(self, subscriber: Subscriber) -> int:
        """Register a receiver; returns a token for :meth:`unsubscribe`."""
        self._next_token += 1
        self._subscribers[self._next_token] = subscriber
        return self._next_token

    def unsubscribe(self, token: int) -> None:
        self._subscribers.pop(token, None)

    @property
    def subscriber_count(self) -> int:
        return len(self._subscribers)

    def publish(self, event: etree._Element, when: datetime | None = None) -> etree._Element:
        """Stamp ``event`` with eventTime and hand it to every subscriber.

        ``event`` is the notification content (e.g. a YANG notification
        element); it is moved into the returned <notification>. Subscribers
        receive that same element and must treat it as read-only.
        """
        note = make_notification(event, when)
        for token, subscriber in list(self._subscribers.items()):
            try:
                subscriber(note)
            except Exception:
                # One broken session must not starve the others of events.
                log.exception("notification subscriber %d failed", token)
        return note
