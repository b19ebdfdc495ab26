"""Partial replies as the modules really see them: the lab server's own subtree
filter applied to rendered data."""

from __future__ import annotations

from lxml import etree

from ansible_collections.lispnet.ms_recovery.lab.netconf.subtree import (
    apply_subtree_filter as _apply,
)

NC = "urn:ietf:params:xml:ns:netconf:base:1.0"


def apply_subtree_filter(data: etree._Element, content: str) -> etree._Element:
    """Filter ``data`` with filter content (what platforms/ietf/filters.py builds)."""
    wrapper = etree.fromstring(f'<filter xmlns="{NC}" type="subtree">{content}</filter>')
    return _apply(data, wrapper)
