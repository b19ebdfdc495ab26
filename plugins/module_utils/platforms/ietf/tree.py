# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Finding a LISP role under routing/control-plane-protocols, and leaves."""

from __future__ import annotations

try:
    from lxml import etree
except ImportError:  # a module reports it missing first (module_utils/libraries.py)
    pass

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.ietf.namespaces import (
    T,
)


def _routing(data: etree._Element) -> etree._Element | None:
    # Accept <data>, an <rpc-reply> around it, or the <routing> element itself:
    # ncclient and the netcommon plugin hand back different levels.
    if data.tag == T.routing:
        return data
    found = data.find(T.routing)
    if found is None:
        found = data.find(f"{T.data}/{T.routing}")
    return found


def find_role(data: etree._Element, role_tag: str) -> etree._Element | None:
    """The first LISP instance's container ``role_tag`` (map-server or etr)."""
    routing = _routing(data)
    if routing is None:
        return None
    for cpp in routing.iterfind(f"{T.cpps}/{T.cpp}"):
        lisp = cpp.find(T.lisp)
        if lisp is None:
            continue
        role = lisp.find(role_tag)
        if role is not None:
            return role
    return None


def leaf(parent: etree._Element, tag: str, text: str) -> etree._Element:
    elem = etree.SubElement(parent, tag)
    elem.text = text
    return elem


def int_or_none(parent: etree._Element, tag: str) -> int | None:
    text = parent.findtext(tag)
    return None if text is None else int(text)
