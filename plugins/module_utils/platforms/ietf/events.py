# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The lispnet-ms-recovery notifications (RFC 5277 envelope, lmr bodies)."""

from __future__ import annotations

try:
    from lxml import etree
except ImportError:  # a module reports it missing first (module_utils/libraries.py)
    pass

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.events import MsEvent
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.times import parse_time
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.ietf.namespaces import (
    LMR,
    T,
    q,
)

# kind -> the leaves its body may hold besides unit-name, in YANG order.
EVENT_LEAVES: dict[str, tuple[str, ...]] = {
    "ms-boot": ("boot-time", "reason"),
    "ha-switchover": ("new-active", "previous-active"),
    "registration-deficit": ("expected", "registered"),
    "registration-change": ("eid-id", "site", "change"),
}
UNIT = q(LMR, "unit-name")


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
                if isinstance(c.tag, str) and c.tag != UNIT
            }
            if when is None:
                raise ValueError(f"{name.localname} notification without eventTime")
            return MsEvent(name.localname, body.findtext(UNIT), parse_time(when), details)
    return None
