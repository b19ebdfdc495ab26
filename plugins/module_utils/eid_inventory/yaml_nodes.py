# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Typed reads from composed YAML nodes that record, rather than raise, what
is wrong, each problem with the line the node came from.

The inventory is composed (not constructed; yaml_events.py) so that every
value keeps its line, and so that an Ansible Vault scalar (``!vault``)
arrives as a tagged node instead of an unknown-tag error.
"""

from __future__ import annotations

import functools
import ipaddress
from collections import abc
from collections.abc import Callable

try:
    import yaml
except ImportError:  # a module reports it missing first (module_utils/libraries.py)
    pass

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory.errors import (
    Problem,
    suggest,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory.yaml_events import (
    Mapping,
    Node,
    Scalar,
    Sequence,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.types import IPAddress

Decrypt = Callable[[str], str]

VAULT_TAG = "!vault"
VAULT_HEADER = "$ANSIBLE_VAULT"
NEED_VAULT = "a vault secret is needed to read it (--ask-vault-pass or --vault-password-file)"

_NULL = "tag:yaml.org,2002:null"
_INT = "tag:yaml.org,2002:int"
STR_TAG = "tag:yaml.org,2002:str"
_TEXT_TAGS = {STR_TAG, _INT, "tag:yaml.org,2002:float", "tag:yaml.org,2002:bool"}


@functools.cache
def _ints() -> yaml.constructor.SafeConstructor:
    return yaml.constructor.SafeConstructor()


def line_of(node: Node) -> int:
    return node.line


def join(path: str, name: str | int) -> str:
    if isinstance(name, int):
        return f"{path}[{name}]"
    return f"{path}.{name}" if path else name


def kind_of(node: Node) -> str:
    """What the user wrote, in words, never quoting it (it may be a key)."""
    if isinstance(node, Mapping):
        return "a mapping"
    if isinstance(node, Sequence):
        return "a list"
    return {
        _NULL: "nothing",
        STR_TAG: "a string",
        _INT: "a number",
        "tag:yaml.org,2002:float": "a number",
        "tag:yaml.org,2002:bool": "a boolean",
        VAULT_TAG: "a vault value",
    }.get(node.tag, f"a {node.tag} value")


class NodeReader:
    """Reads fields off nodes for one source file and collects the problems."""

    def __init__(self, source: str, decrypt: Decrypt | None) -> None:
        self.source = source
        self.decrypt = decrypt
        self.problems: list[Problem] = []

    def problem(self, at: Node | int, path: str, message: str) -> None:
        line = at if isinstance(at, int) else at.line
        self.problems.append(Problem(self.source, line, path, message))

    def mapping(
        self, node: Node, path: str, fields: abc.Mapping[str, bool]
    ) -> dict[str, Node] | None:
        """The known fields of a mapping node; ``fields`` maps name -> required."""
        if not isinstance(node, Mapping):
            self.problem(node, path, f"expected a mapping, got {kind_of(node)}")
            return None
        found: dict[str, Node] = {}
        for key_node, value_node in node.value:
            # The common case first: this runs once per field of 50,000 EIDs.
            # (`!!str [a]` is a list tagged str, hence the type.)
            if isinstance(key_node, Scalar) and key_node.tag == STR_TAG:
                key = key_node.value
                if key in fields and key not in found:
                    found[key] = value_node
                    continue
            self._bad_key(key_node, path, fields, found)
        for name, required in fields.items():
            if required and name not in found:
                self.problem(node, join(path, name), "missing required field")
        return found

    def _bad_key(
        self,
        key_node: Node,
        path: str,
        fields: abc.Mapping[str, bool],
        found: abc.Mapping[str, Node],
    ) -> None:
        if not isinstance(key_node, Scalar) or key_node.tag != STR_TAG:
            self.problem(key_node, path, f"field names must be plain text, got {kind_of(key_node)}")
            return
        key = key_node.value
        where = join(path, key)
        if key in found:
            # YAML would silently keep the last one; a restore tool must not guess.
            first = found[key].line
            self.problem(key_node, where, f"field given twice (first at line {first})")
            return
        hint = suggest(key, fields)
        self.problem(
            key_node,
            where,
            f"unknown field {key!r}"
            + (f" (did you mean {hint!r}?)" if hint else "")
            + f"; known fields: {', '.join(fields)}",
        )

    def sequence(self, node: Node, path: str) -> list[Node] | None:
        if not isinstance(node, Sequence):
            self.problem(node, path, f"expected a list, got {kind_of(node)}")
            return None
        return node.value

    def scalar(self, node: Node, path: str) -> tuple[str, str | None] | None:
        """(text, vault ciphertext or None) of a non-empty scalar.

        The text is what was written, not what YAML 1.1 would make of it, so
        that ``1:2:3:4:5:6:7:8`` stays an address instead of becoming a
        sexagesimal integer.
        """
        if not isinstance(node, Scalar):
            self.problem(node, path, f"expected a single value, got {kind_of(node)}")
            return None
        if node.tag == VAULT_TAG:
            return self._decrypt(node, path)
        if node.tag == _NULL or (node.tag == STR_TAG and node.value == ""):
            self.problem(node, path, "must not be empty")
            return None
        if node.tag not in _TEXT_TAGS:
            self.problem(node, path, f"unsupported YAML tag {node.tag!r}")
            return None
        return node.value, None

    def _decrypt(self, node: Scalar, path: str) -> tuple[str, str | None] | None:
        ciphertext = node.value
        if self.decrypt is None:
            self.problem(node, path, f"is an Ansible Vault value; {NEED_VAULT}")
            return None
        try:
            plaintext = self.decrypt(ciphertext)
        except Exception as exc:
            self.problem(
                node, path, f"cannot decrypt the vault value ({type(exc).__name__}: {exc})"
            )
            return None
        if plaintext == "":
            self.problem(node, path, "must not be empty (the vault value decrypts to nothing)")
            return None
        return plaintext, ciphertext

    def text(self, node: Node, path: str) -> str | None:
        read = self.scalar(node, path)
        return None if read is None else read[0]

    def integer(self, node: Node, path: str, low: int, high: int) -> int | None:
        if not isinstance(node, Scalar) or node.tag != _INT:
            self.problem(node, path, f"expected an integer in {low}..{high}, got {kind_of(node)}")
            return None
        text = node.value
        if text.isascii() and text.isdigit() and (text == "0" or text[0] != "0"):
            value = int(text)  # plain decimal, the usual case, without the YAML 1.1 rules
        else:
            # 0x.., 0o.., 1_000, sexagesimal: YAML 1.1's rules, by PyYAML's own code.
            value = _ints().construct_yaml_int(yaml.ScalarNode(_INT, text))
        if not low <= value <= high:
            self.problem(node, path, f"{value} is outside {low}..{high}")
            return None
        return value

    def address(self, node: Node, path: str) -> IPAddress | None:
        read = self.scalar(node, path)
        if read is None:
            return None
        text, ciphertext = read
        try:
            return ipaddress.ip_address(text.strip())
        except ValueError:
            shown = "the vault value" if ciphertext else repr(text)
            self.problem(node, path, f"{shown} is not an IP address")
            return None
