# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""lmr:counters, shared by the Map-Server and the ETR containers."""

from __future__ import annotations

from lxml import etree

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.yang.namespaces import (
    LMR,
    T,
    q,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.yang.tree import leaf

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


def parse_counters(parent: etree._Element) -> dict[str, int]:
    elem = parent.find(T.counters)
    if elem is None:
        return {}
    return {etree.QName(c).localname: int(c.text or 0) for c in elem}
