"""Walk an <edit-config> <config> tree into the edits a backend applies (RFC 6241 7.2).

``iter_edits`` yields :class:`Edit` records in document order:

* ``default_operation="replace"`` yields one edit with ``path == ()`` and the
  <config> element itself: the whole datastore is replaced by it.
* otherwise an element carrying an ``operation`` attribute is yielded with that
  operation. For replace/create/delete/remove its subtree is the payload and is
  not walked further; for merge the walk goes on, so nested operations surface.
* under an effective ``merge`` (the default, or an explicit merge above), each
  leaf without its own operation is yielded as a merge; containers are implied
  by their leaves, and an empty container is yielded as a leaf.
* under ``none`` nothing is yielded except explicit operations.

``path`` is the tuple of Clark-notation tags from the top-level config node down
to the element, and ``ancestors`` the matching request elements above it
(top-level node first), from which a backend reads list keys.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

from lxml import etree

from .errors import RpcError, info_element
from .xmlns import nc

OPERATIONS = frozenset({"merge", "replace", "create", "delete", "remove"})
DEFAULT_OPERATIONS = frozenset({"merge", "replace", "none"})
_OP_ATTR = nc("operation")


class Edit(NamedTuple):
    path: tuple[str, ...]
    operation: str
    element: etree._Element
    ancestors: tuple[etree._Element, ...] = ()


def operation_of(el: etree._Element) -> str | None:
    """The element's nc:operation, validated; None if absent.

    An unqualified ``operation`` attribute is accepted too, because several
    vendor examples (and hand-written playbooks) omit the prefix.
    """
    op = el.get(_OP_ATTR)
    if op is None:
        op = el.get("operation")
    if op is None:
        return None
    if op not in OPERATIONS:
        raise RpcError(
            "bad-attribute",
            f"unknown operation {op!r}",
            error_type="protocol",
            info=[
                info_element("bad-attribute", "operation"),
                info_element("bad-element", _local(el)),
            ],
        )
    return op


def iter_edits(config: etree._Element, default_operation: str = "merge") -> Iterator[Edit]:
    """Yield the edits described by ``config`` (the <config> element)."""
    if default_operation not in DEFAULT_OPERATIONS:
        raise RpcError(
            "invalid-value", f"bad default-operation {default_operation!r}", error_type="protocol"
        )
    if default_operation == "replace":
        yield Edit((), "replace", config)
        return
    for child in _elements(config):
        yield from _walk(child, (), default_operation)


def _walk(
    el: etree._Element, ancestors: tuple[etree._Element, ...], inherited: str
) -> Iterator[Edit]:
    path = (*(a.tag for a in ancestors), el.tag)
    explicit = operation_of(el)
    if explicit is not None and explicit != "merge":
        yield Edit(path, explicit, el, ancestors)
        return
    effective = explicit or inherited
    children = _elements(el)
    if not children:
        if explicit is not None or effective == "merge":
            yield Edit(path, "merge", el, ancestors)
        return
    for child in children:
        yield from _walk(child, (*ancestors, el), effective)


def _elements(el: etree._Element) -> list[etree._Element]:
    return [c for c in el if isinstance(c.tag, str)]


def _local(el: etree._Element) -> str:
    return etree.QName(el).localname
