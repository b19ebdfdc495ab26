"""Which parts of the Map-Server's data a <get> subtree filter can select.

The virtual MS renders only those: a poll of the summary must not render a
50,000-entry registration table (two seconds of the MS process's loop) just for
the subtree filter to throw it away. The framework still applies the filter
to what is rendered, so a part is only ever left out when the filter could
not select anything in it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from lxml import etree

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.ietf import (
    filters,
)

STATUS_PARTS = frozenset({"summary", "ms-recovery"})


@dataclass(frozen=True)
class Selection:
    status_only: bool  # summary + ms-recovery without stored-sites
    stored_sites: bool  # some of lmr:ms-recovery may be selected


EVERYTHING = Selection(status_only=False, stored_sites=True)


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname


def _children(element: etree._Element) -> list[etree._Element]:
    return [c for c in element if isinstance(c.tag, str)]


def selection(flt: etree._Element | None) -> Selection:
    if flt is None:
        return EVERYTHING
    servers = [e for e in flt.iter() if isinstance(e.tag, str) and _local(e) == "map-server"]
    if len(servers) != 1 or not _children(servers[0]):
        return EVERYTHING  # no map-server node, or a selection node: all of it
    parts = _children(servers[0])
    names = {_local(c) for c in parts}
    recovery = [c for c in parts if _local(c) == "ms-recovery"]
    stored = any(
        not _children(r) or any(_local(c) == "stored-sites" for c in _children(r)) for r in recovery
    )
    return Selection(
        status_only=names <= STATUS_PARTS and not stored,
        # expected-eids is counted from the stored sites: keep them for any
        # ms-recovery selection.
        stored_sites=bool(recovery),
    )


# A filter's shape: its elements' qualified names, attributes and texts, in
# order. Prefixes and whitespace do not count; what it selects does.
Shape = tuple[str, tuple[tuple[str, str], ...], str, tuple["Shape", ...]]


def _shape(element: etree._Element) -> Shape:
    return (
        element.tag,
        tuple(sorted(element.attrib.items())),
        (element.text or "").strip(),
        tuple(_shape(c) for c in _children(element)),
    )


@cache
def _registration_views() -> dict[tuple[Shape, ...], bool]:
    """The registration-table filters the modules send, by shape -> brief."""
    views = {}
    for text, brief in (
        (filters.ms_registrations_filter(), False),
        (filters.ms_registered_filter(), True),
    ):
        views[tuple(_shape(e) for e in _children(etree.fromstring(f"<f>{text}</f>")))] = brief
    return views


def registration_view(flt: etree._Element | None) -> bool | None:
    """For a filter that is exactly one of the registration-table filters of
    platforms/ietf/filters.py: whether it is the brief one. None for any other filter.

    The Map-Server answers those by rendering just what they select
    (``ms_xml.serialize_ms_registrations``); every other filter goes through the
    framework's generic subtree filtering."""
    if flt is None:
        return None
    return _registration_views().get(tuple(_shape(e) for e in _children(flt)))
