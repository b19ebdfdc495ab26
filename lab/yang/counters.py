"""lmr:counters of the virtual Map-Server and ETRs, rendered."""

from __future__ import annotations

from lxml import etree

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.ietf.namespaces import (
    LMR,
    T,
    q,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.ietf.tree import leaf

_SE = etree.SubElement


def render_counters(
    parent: etree._Element, counters: dict[str, int], known: tuple[str, ...]
) -> None:
    """lmr:counters in the YANG order; an unknown name is a programming error
    that validation would only report later and less clearly."""
    unknown = set(counters) - set(known)
    if unknown:
        raise ValueError(f"unknown counters: {sorted(unknown)}")
    elem = _SE(parent, T.counters)
    for name in known:
        if name in counters:
            leaf(elem, q(LMR, name), str(counters[name]))
