"""Which parts of the Map-Server's data a <get> subtree filter can select.

The virtual MS renders only those: a poll of the summary must not render a
50,000-entry registration table (two seconds of the MS process's loop) just for
the subtree filter to throw it away. The framework still applies the filter
to what is rendered, so a part is only ever left out when the filter could
not select anything in it.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

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
