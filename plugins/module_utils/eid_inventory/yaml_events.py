# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""YAML composed from the parser's event stream into small nodes that keep
their line, one part of the document at a time.

``yaml.compose`` builds the whole document as ``yaml.Node`` objects, each with
two ``Mark`` objects: at 10,000 sites / 50,000 EIDs that was ~300 MB at once.
Here a node is a slotted object with its tag, value and line, and the loader
composes the long top-level lists (``sites``) one item at a time, reads the
item and lets it go (:meth:`EventComposer.enter`).

Composition follows PyYAML's composer exactly (tags resolved by the same
resolver, aliases, the same errors), so the loader sees what ``yaml.compose``
would have given, less the marks it does not use.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, TypeAlias

try:
    import yaml
    from yaml.composer import ComposerError
    from yaml.events import (
        AliasEvent,
        CollectionEndEvent,
        DocumentEndEvent,
        DocumentStartEvent,
        MappingEndEvent,
        MappingStartEvent,
        ScalarEvent,
        SequenceEndEvent,
        SequenceStartEvent,
        StreamEndEvent,
        StreamStartEvent,
    )
except ImportError:  # a module reports it missing first (module_utils/libraries.py)
    pass

# The tags of collections read through enter(); the loader ignores collection tags.
MAP_TAG = "tag:yaml.org,2002:map"
SEQ_TAG = "tag:yaml.org,2002:seq"
_REMEMBERED_TAGS = 4096


class Scalar:
    __slots__ = ("line", "tag", "value")

    def __init__(self, tag: str, value: str, line: int) -> None:
        self.tag = tag
        self.value = value
        self.line = line  # 1-based, where the node starts


class Sequence:
    __slots__ = ("line", "tag", "value")

    def __init__(self, tag: str, value: list[Node], line: int) -> None:
        self.tag = tag
        self.value = value
        self.line = line


class Mapping:
    __slots__ = ("line", "tag", "value")

    def __init__(self, tag: str, value: list[tuple[Node, Node]], line: int) -> None:
        self.tag = tag
        self.value = value  # (key, value) pairs in document order, repeats kept
        self.line = line


# Quoted like the annotations: ansible-test's pylint reads module_utils as code for the
# oldest Python a managed node may have, where an evaluated X | Y fails.
Node: TypeAlias = "Scalar | Sequence | Mapping"


def _expect(event: Any, kind: type) -> None:
    """The parser's grammar puts a ``kind`` event here; anything else is reported
    as YAML's own error rather than composed wrongly."""
    if not isinstance(event, kind):
        raise ComposerError(
            None,
            None,
            f"expected {kind.__name__}, found {type(event).__name__}",
            getattr(event, "start_mark", None),
        )


class EventComposer:
    """One YAML document, read event by event (a context manager: it frees
    the parser). Raises ``yaml.YAMLError`` subclasses as ``yaml.compose``
    would for text that is not one valid YAML document."""

    def __init__(self, text: str) -> None:
        # libyaml's parser is several times faster than PyYAML's own.
        self._loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)
        self._get = self._loader.get_event
        self._peek = self._loader.peek_event
        self._resolve = self._loader.resolve
        self._anchors: dict[str, Node] = {}
        self._document_start: Any = None
        # The resolver's answers for values seen before: field names and the
        # common values repeat on every site, and resolving runs the implicit
        # resolvers' regular expressions. Bounded: distinct values (names,
        # addresses, keys) stop being remembered once it is full.
        self._tags: dict[tuple[str, Any], str] = {}

    def __enter__(self) -> EventComposer:
        return self

    def __exit__(self, *_exc: object) -> None:
        self._loader.dispose()
        # The parser keeps its own copy of the text (5 MB at 10,000 sites):
        # let it go now, not when this object does.
        del self._loader, self._get, self._peek, self._resolve

    def start_document(self) -> bool:
        """Enter the document; False if the stream holds none (empty file)."""
        if isinstance(self._peek(), StreamStartEvent):
            self._get()
        if isinstance(self._peek(), StreamEndEvent):
            return False
        self._document_start = self._get()
        _expect(self._document_start, DocumentStartEvent)
        return True

    def end_document(self) -> None:
        """Leave the document; there must be no other one after it."""
        event = self._get()
        _expect(event, DocumentEndEvent)
        event = self._get()
        if not isinstance(event, StreamEndEvent):
            raise ComposerError(
                "expected a single document in the stream",
                self._document_start.start_mark,
                "but found another document",
                event.start_mark,
            )

    def node(self) -> Node:
        """The next node, whole."""
        return self._node(self._get())

    def _node(self, event: Any) -> Node:
        # Each event is taken once (no peeking): this runs for every one of
        # the ~800,000 events of a 10,000-site inventory.
        kind = type(event)
        if kind is ScalarEvent:
            tag = event.tag
            if tag is None or tag == "!":
                tag = self._scalar_tag(event.value, event.implicit)
            scalar = Scalar(tag, event.value, event.start_mark.line + 1)
            if event.anchor is not None:
                self._anchor(event, scalar)
            return scalar
        if kind is AliasEvent:
            try:
                return self._anchors[event.anchor]
            except KeyError:
                raise ComposerError(
                    None, None, f"found undefined alias {event.anchor!r}", event.start_mark
                ) from None
        get = self._get
        if kind is SequenceStartEvent:
            items: list[Node] = []
            sequence = Sequence(
                self._tag(event, yaml.SequenceNode), items, event.start_mark.line + 1
            )
            if event.anchor is not None:
                self._anchor(event, sequence)
            event = get()
            while not isinstance(event, SequenceEndEvent):
                items.append(self._node(event))
                event = get()
            return sequence
        _expect(event, MappingStartEvent)
        pairs: list[tuple[Node, Node]] = []
        mapping = Mapping(self._tag(event, yaml.MappingNode), pairs, event.start_mark.line + 1)
        if event.anchor is not None:
            self._anchor(event, mapping)
        event = get()
        while not isinstance(event, MappingEndEvent):
            key = self._node(event)
            pairs.append((key, self._node(get())))
            event = get()
        return mapping

    def at_streamable(self, kind: type[Node]) -> bool:
        """Whether the next node is a ``kind`` (Mapping or Sequence) to read
        piece by piece (:meth:`enter`): one no alias can refer back to (one
        with an anchor is composed whole instead)."""
        event = self._peek()
        start = MappingStartEvent if kind is Mapping else SequenceStartEvent
        return isinstance(event, start) and event.anchor is None

    def enter(self) -> int:
        """Step into the collection :meth:`at_streamable` found; its line.
        Then :meth:`node` until :meth:`at_end` (a mapping's keys and values
        alternately), then :meth:`leave`."""
        return int(self._get().start_mark.line) + 1

    def at_end(self) -> bool:
        return isinstance(self._peek(), CollectionEndEvent)

    def leave(self) -> None:
        self._get()

    def items(self) -> Iterator[Node]:
        """The items of the sequence just entered, each composed when asked
        for; leaves the sequence after the last."""
        while not self.at_end():
            yield self.node()
        self.leave()

    def _scalar_tag(self, value: str, implicit: Any) -> str:
        known = self._tags.get((value, implicit))
        if known is None:
            known = str(self._resolve(yaml.ScalarNode, value, implicit))
            if len(self._tags) < _REMEMBERED_TAGS:
                self._tags[(value, implicit)] = known
        return known

    def _tag(self, event: Any, kind: type[yaml.Node]) -> str:
        tag: str | None = event.tag
        if tag is None or tag == "!":
            tag = self._resolve(kind, None, event.implicit)
        return str(tag)

    def _anchor(self, event: Any, node: Node) -> None:
        if event.anchor in self._anchors:
            raise ComposerError(
                f"found duplicate anchor {event.anchor!r}; first occurrence",
                None,
                "second occurrence",
                event.start_mark,
            )
        self._anchors[event.anchor] = node
