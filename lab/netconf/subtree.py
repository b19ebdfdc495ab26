"""RFC 6241 section 6 subtree filtering on lxml trees.

The filter's children form a sibling set that is matched against the children
of the data root. Each filter node is one of:

* containment node: has element children; selects matching data nodes whose
  children pass the nested sibling set (kept only if something inside is selected);
* content match node: a leaf with text; a test on the data node's siblings,
  and itself part of the output when the set matches;
* selection node: an empty leaf; selects the whole matching data subtree.

If every content match node in a sibling set is true and the set has no
selection or containment node, the whole parent is selected (RFC 6241 6.2.5),
which is how ``<user><name>fred</name></user>`` returns fred's entire entry.
A filter node without a namespace (``xmlns=""``) matches any namespace; one
with a namespace matches only that namespace. Attributes on a filter node are
attribute match expressions (6.2.2): the data node must carry them with equal
values. Content is compared with surrounding whitespace stripped, since
pretty-printed requests otherwise never match.
"""

from __future__ import annotations

from copy import deepcopy
from dataclasses import dataclass, field
from typing import TypeAlias

from lxml import etree

_Element: TypeAlias = etree._Element


@dataclass
class _Selection:
    # Data nodes copied whole, and data nodes kept only as ancestors of those.
    full: set[_Element] = field(default_factory=set)
    keep: set[_Element] = field(default_factory=set)

    def update(self, other: _Selection) -> None:
        self.full |= other.full
        self.keep |= other.keep

    def __bool__(self) -> bool:
        return bool(self.full or self.keep)


def apply_subtree_filter(data: _Element, filter_el: _Element | None) -> _Element:
    """Return a new element shaped like ``data`` holding only what the filter selects.

    ``filter_el`` is the <filter> element (its children are the filter); None
    means no filter, so everything is returned. An empty filter selects nothing.
    The input tree is never modified.
    """
    if filter_el is None:
        return deepcopy(data)
    out = etree.Element(data.tag, nsmap=data.nsmap)
    fchildren = _elements(filter_el)
    if not fchildren:
        return out
    sel = _match_sibling_set(data, fchildren)
    if sel:
        for child in _elements(data):
            _build(child, sel, out)
    return out


def matches(data: _Element, filter_el: _Element | None) -> bool:
    """True if the filter selects anything from ``data`` (used for event filters)."""
    if filter_el is None:
        return True
    fchildren = _elements(filter_el)
    return bool(fchildren) and bool(_match_sibling_set(data, fchildren))


def _elements(el: _Element) -> list[_Element]:
    # Comments and processing instructions in a filter carry no meaning.
    return [c for c in el if isinstance(c.tag, str)]


def _text(el: _Element) -> str:
    return (el.text or "").strip()


def _name_matches(data: _Element, fnode: _Element) -> bool:
    fq = etree.QName(fnode)
    dq = etree.QName(data)
    if fq.localname != dq.localname:
        return False
    if fq.namespace is not None and fq.namespace != dq.namespace:
        return False
    return all(data.get(k) == v for k, v in fnode.attrib.items())


def _match_sibling_set(dparent: _Element, fchildren: list[_Element]) -> _Selection | None:
    """Evaluate one filter sibling set against the children of ``dparent``.

    Returns None when a content match test fails, which excludes ``dparent``.
    """
    content: list[_Element] = []
    selection: list[_Element] = []
    containment: list[_Element] = []
    for f in fchildren:
        if _elements(f):
            containment.append(f)
        elif _text(f):
            content.append(f)
        else:
            selection.append(f)

    dchildren = _elements(dparent)
    for f in content:
        want = _text(f)
        if not any(_name_matches(d, f) and _text(d) == want for d in dchildren):
            return None

    result = _Selection()
    if not selection and not containment:
        result.full.update(dchildren)
        return result

    for d in dchildren:
        if any(_name_matches(d, f) and _text(d) == _text(f) for f in content):
            result.full.add(d)
        if any(_name_matches(d, f) for f in selection):
            result.full.add(d)
            continue
        for f in containment:
            if not _name_matches(d, f):
                continue
            inner = _match_sibling_set(d, _elements(f))
            if inner:
                result.update(inner)
                result.keep.add(d)
    return result


def _build(node: _Element, sel: _Selection, out_parent: _Element) -> None:
    if node in sel.full:
        out_parent.append(deepcopy(node))
        return
    if node not in sel.keep:
        return
    copy = etree.SubElement(out_parent, node.tag, attrib=dict(node.attrib), nsmap=node.nsmap)
    for child in _elements(node):
        _build(child, sel, copy)
