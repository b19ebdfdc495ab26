# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read and validate an EID inventory file (format: docs/eid-inventory.md).

Everything wrong is collected and raised once as :class:`InventoryError`.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Callable
from typing import Any

try:
    import yaml
except ImportError:  # a module reports it missing first (module_utils/libraries.py)
    pass

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory.checks import (
    Facts,
    Where,
    cross_check,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory.errors import (
    InventoryError,
    Problem,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory.model import (
    ETR_CAPABILITIES,
    NETCONF_PORT,
    EidInventory,
    Etr,
    MapServer,
    MsUnit,
    NetconfEndpoint,
    Site,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory.secret import (
    Secret,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory.yaml_events import (
    MAP_TAG,
    SEQ_TAG,
    EventComposer,
    Mapping,
    Node,
    Scalar,
    Sequence,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory.yaml_nodes import (
    NEED_VAULT,
    STR_TAG,
    VAULT_HEADER,
    Decrypt,
    NodeReader,
    join,
    line_of,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.gc_pause import (
    collector_paused,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.auth import (
    ALGORITHM_NAMES,
    Algorithm,
    algorithm_from_name,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.types import (
    MAX_INSTANCE_ID,
    Eid,
    IPNetwork,
)

# A field reader: (value node, field path) -> value, or None after noting a problem.
Read = Callable[[Node, str], Any]
Fields = dict[str, Node]

# name -> required
TOP_FIELDS = {"map_servers": True, "sites": True}
MAP_SERVER_FIELDS = {"name": True, "lisp_address": True, "units": True}
UNIT_FIELDS = {"name": True, "netconf": True}
NETCONF_FIELDS = {"host": True, "port": False}
SITE_FIELDS = {
    "name": True,
    "site_id": True,
    # One of the two (checked in _site_map_servers): map_servers lists the
    # Map-Servers of a site whose ETRs register to several (redundant design).
    "map_server": False,
    "map_servers": False,
    "key_id": True,
    "algorithm": True,
    "key": True,
    "etrs": True,
    "eids": True,
    "proxy_reply": False,
}
ETR_FIELDS = {
    "name": True,
    "rloc": True,
    "netconf": False,
    "supports": False,
    "priority": False,
    "weight": False,
}
EID_FIELDS = {"prefix": True, "instance_id": False}

MAX_SITE_ID = (1 << 64) - 1  # 64-bit on the wire and in the IETF YANG model
MAX_KEY_ID = 255
# "none" exists on the wire but would let anyone register a site's EIDs.
SITE_ALGORITHMS = sorted(name for name, alg in ALGORITHM_NAMES.items() if alg != Algorithm.NONE)


def parse_network(text: str) -> IPNetwork:
    """``ipaddress.ip_network(text, strict=True)``, several times faster for
    the usual ``address/length`` form, which is what 50,000 EIDs are written in.
    Anything the fast path does not take goes to ipaddress for the verdict."""
    address, slash, length = text.partition("/")
    if slash and length.isascii() and length.isdigit():
        for family, network in (
            (socket.AF_INET, ipaddress.IPv4Network),
            (socket.AF_INET6, ipaddress.IPv6Network),
        ):
            try:
                packed = socket.inet_pton(family, address)
            except OSError:
                continue
            try:
                return network((int.from_bytes(packed, "big"), int(length)))
            except ValueError:
                break
    return ipaddress.ip_network(text, strict=True)


def load_inventory(path: str | os.PathLike[str], decrypt: Decrypt | None = None) -> EidInventory:
    """Read the inventory at ``path``; ``decrypt`` opens Ansible Vault values."""
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    return parse_inventory(text, os.fspath(path), decrypt)


def parse_inventory(text: str, source: str, decrypt: Decrypt | None = None) -> EidInventory:
    """Parse inventory text; ``source`` names it in problems (usually the path)."""
    if text.lstrip().startswith(VAULT_HEADER):
        text = decrypt_file(text, source, decrypt)
    with collector_paused():
        return _parse(text, source, decrypt)


def _parse(text: str, source: str, decrypt: Decrypt | None) -> EidInventory:
    reader = _InventoryReader(source, decrypt)
    try:
        with EventComposer(text) as events:
            lists = reader.read(events)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        # Only the description: the parser's excerpt of the line could show a key.
        detail = "; ".join(part for part in (exc.context, exc.problem) if part)
        raise InventoryError([Problem(source, line, "", f"not valid YAML: {detail}")]) from None
    except yaml.YAMLError as exc:
        raise InventoryError(
            [Problem(source, 0, "", f"not valid YAML: {type(exc).__name__}")]
        ) from None
    # The parser (and its copy of the text) is gone before the checks that
    # span entries, which need memory of their own at 50,000 EIDs.
    return reader.check(lists)


def decrypt_file(text: str, source: str, decrypt: Decrypt | None) -> str:
    if decrypt is None:
        raise InventoryError(
            [
                Problem(
                    source, 1, "", f"the whole file is encrypted with Ansible Vault; {NEED_VAULT}"
                )
            ]
        )
    try:
        return decrypt(text)
    except Exception as exc:
        raise InventoryError(
            [Problem(source, 1, "", f"cannot decrypt the file ({type(exc).__name__}: {exc})")]
        ) from None


class _InventoryReader(NodeReader):
    """One pass over the node tree: build what is valid, note what is not,
    and gather the facts the cross-entry checks need."""

    def __init__(self, source: str, decrypt: Decrypt | None) -> None:
        super().__init__(source, decrypt)
        self.facts = Facts()

    def read(self, events: EventComposer) -> dict[str, list[Any]]:
        """Read the document: map_servers and sites, None for each bad one.
        A YAML error anywhere in it raises yaml.YAMLError (the problems found
        before it are dropped, as the file is not YAML)."""
        if not events.start_document():
            raise InventoryError(
                [Problem(self.source, 1, "", "the file is empty; expected map_servers and sites")]
            )
        read_one: dict[str, Read] = {"map_servers": self._map_server, "sites": self._site}
        lists: dict[str, list[Any]] = {}
        if events.at_streamable(Mapping):
            root: Node = self._top_streamed(events, read_one, lists)
        else:
            root = events.node()
        events.end_document()
        top = self.mapping(root, "", TOP_FIELDS)
        if top is not None:
            for name, read in read_one.items():
                if name not in lists:
                    lists[name] = self._each(top.get(name), name, read)
        return lists

    def check(self, lists: dict[str, list[Any]]) -> EidInventory:
        """The inventory read, after the checks across entries; InventoryError
        with every problem found if there is any."""
        map_servers: list[MapServer | None] = lists.get("map_servers", [])
        sites: list[Site | None] = lists.get("sites", [])
        self.problems += cross_check(self.source, self.facts)
        if self.problems:
            self.problems.sort(key=lambda p: (p.line, p.field))
            raise InventoryError(self.problems)
        return EidInventory(
            tuple(ms for ms in map_servers if ms is not None),
            tuple(site for site in sites if site is not None),
            self.source,
        )

    def _top_streamed(
        self, events: EventComposer, read_one: dict[str, Read], lists: dict[str, list[Any]]
    ) -> Mapping:
        """The top-level mapping, whose lists (``sites``: 10,000 and more) are
        read an item at a time as they are composed, never held whole. Their
        results go to ``lists``; in the mapping returned they are empty
        placeholders with their line (for "field given twice")."""
        line = events.enter()
        pairs: list[tuple[Node, Node]] = []
        seen: set[str] = set()
        while not events.at_end():
            key = events.node()
            name = key.value if key.tag == STR_TAG and isinstance(key, Scalar) else None
            value: Node
            # Only the first of a repeated field is read, as mapping() keeps it.
            if name in read_one and name not in seen and events.at_streamable(Sequence):
                value = Sequence(SEQ_TAG, [], events.enter())
                read = read_one[name]
                lists[name] = [read(item, join(name, i)) for i, item in enumerate(events.items())]
            else:
                value = events.node()
            if name is not None:
                seen.add(name)
            pairs.append((key, value))
        events.leave()
        return Mapping(MAP_TAG, pairs, line)

    def _each(self, node: Node | None, path: str, read_one: Read) -> list[Any]:
        if node is None:
            return []
        items = self.sequence(node, path)
        return [read_one(item, join(path, i)) for i, item in enumerate(items or ())]

    def _map_server(self, node: Node, path: str) -> MapServer | None:
        fields = self.mapping(node, path, MAP_SERVER_FIELDS)
        if fields is None:
            return None
        name = self._name(fields, path, self.facts.map_servers)
        address = (
            self.address(fields["lisp_address"], join(path, "lisp_address"))
            if "lisp_address" in fields
            else None
        )
        units = self._non_empty(
            fields, path, "units", self._unit, "a map-server needs at least one unit"
        )
        if name is None or address is None or units is None:
            return None
        return MapServer(name, address, tuple(units))

    def _unit(self, node: Node, path: str) -> MsUnit | None:
        fields = self.mapping(node, path, UNIT_FIELDS)
        if fields is None:
            return None
        name = self._name(fields, path, self.facts.units)
        netconf = (
            self._netconf(fields["netconf"], join(path, "netconf")) if "netconf" in fields else None
        )
        if name is None or netconf is None:
            return None
        return MsUnit(name, netconf)

    def _netconf(self, node: Node, path: str) -> NetconfEndpoint | None:
        fields = self.mapping(node, path, NETCONF_FIELDS)
        if fields is None:
            return None
        host = self.text(fields["host"], join(path, "host")) if "host" in fields else None
        port: int | None = NETCONF_PORT
        if "port" in fields:
            port = self.integer(fields["port"], join(path, "port"), 1, 65535)
        if host is None or port is None:
            return None
        return NetconfEndpoint(host.strip(), port)

    def _site(self, node: Node, path: str) -> Site | None:
        fields = self.mapping(node, path, SITE_FIELDS)
        if fields is None:
            return None
        name = self._name(fields, path, self.facts.sites)
        site_id = self._field(
            fields, path, "site_id", lambda n, p: self.integer(n, p, 0, MAX_SITE_ID)
        )
        if site_id is not None:
            self.facts.site_ids.append(
                (site_id, Where(join(path, "site_id"), line_of(fields["site_id"])))
            )
        map_servers = self._site_map_servers(node, fields, path)
        key_id = self._field(fields, path, "key_id", lambda n, p: self.integer(n, p, 0, MAX_KEY_ID))
        algorithm = self._field(fields, path, "algorithm", self._algorithm)
        key = self._field(fields, path, "key", self._key)
        # An unnamed site still gets its EIDs checked, under a placeholder owner.
        owner = name if name is not None else f"<{path}>"
        etrs = self._non_empty(
            fields,
            path,
            "etrs",
            lambda n, p: self._etr(n, p, owner),
            "a site needs at least one ETR",
        )
        eids = self._non_empty(
            fields,
            path,
            "eids",
            lambda n, p: self._eid(n, p, owner),
            "a site needs at least one EID",
        )
        proxy_reply: bool | None = False
        if "proxy_reply" in fields:
            proxy_reply = self._flag(fields["proxy_reply"], join(path, "proxy_reply"))
        values = (site_id, key_id, algorithm, key)
        if name is None or any(v is None for v in values) or etrs is None or eids is None:
            return None
        if map_servers is None or proxy_reply is None:
            return None
        return Site(
            name,
            site_id,
            map_servers,
            key_id,
            algorithm,
            key,
            tuple(etrs),
            tuple(eids),
            proxy_reply=proxy_reply,
        )

    def _site_map_servers(self, node: Node, fields: Fields, path: str) -> tuple[str, ...] | None:
        """``map_server: NAME``, or ``map_servers: [NAME, ...]`` for a site whose
        ETRs register to several Map-Servers, each on its own (the redundant
        design); every name is checked against map_servers later (cross_check)."""
        if "map_server" in fields and "map_servers" in fields:
            self.problem(
                fields["map_servers"],
                join(path, "map_servers"),
                "give map_server (one name) or map_servers (a list of names), not both",
            )
            return None
        if "map_server" in fields:
            where = join(path, "map_server")
            name = self.text(fields["map_server"], where)
            if name is None:
                return None
            self.facts.map_server_refs.append((name, Where(where, line_of(fields["map_server"]))))
            return (name,)
        if "map_servers" not in fields:
            self.problem(
                node,
                join(path, "map_server"),
                "missing required field (or map_servers, a list, for a site whose ETRs"
                " register to several Map-Servers)",
            )
            return None
        where = join(path, "map_servers")
        items = self.sequence(fields["map_servers"], where)
        if items is None:
            return None
        if not items:
            self.problem(fields["map_servers"], where, "a site needs at least one map-server")
            return None
        names: list[str] = []
        first: dict[str, str] = {}
        for i, item in enumerate(items):
            at = join(where, i)
            name = self.text(item, at)
            if name is None:
                continue
            if name in first:
                self.problem(
                    item, at, f"map-server {name!r} is listed twice (first at {first[name]})"
                )
                continue
            first[name] = at
            self.facts.map_server_refs.append((name, Where(at, line_of(item))))
            names.append(name)
        return tuple(names) if len(names) == len(items) else None

    def _flag(self, node: Node, path: str) -> bool | None:
        text = self.text(node, path)
        if text is None:
            return None
        if text.strip().lower() not in ("true", "false"):
            self.problem(node, path, f"{text!r} is not true or false")
            return None
        return text.strip().lower() == "true"

    def _non_empty(
        self, fields: Fields, path: str, name: str, read_one: Read, when_empty: str
    ) -> list[Any] | None:
        """All items of a list that must have some, or None if any is bad."""
        if name not in fields:
            return None
        node, where = fields[name], join(path, name)
        items = self._each(node, where, read_one)
        if isinstance(node, Sequence) and not node.value:
            self.problem(node, where, when_empty)
            return None
        if not items or None in items:
            return None
        return items

    def _etr(self, node: Node, path: str, site: str) -> Etr | None:
        fields = self.mapping(node, path, ETR_FIELDS)
        if fields is None:
            return None
        name = self._name(fields, path, self.facts.etrs)
        rloc = self._field(fields, path, "rloc", self.address)
        if rloc is not None:
            self.facts.rlocs.append(
                ((site, rloc), Where(join(path, "rloc"), line_of(fields["rloc"])))
            )
        netconf = None
        if "netconf" in fields:
            netconf = self._netconf(fields["netconf"], join(path, "netconf"))
            if netconf is None:
                return None
        supports: frozenset[str] | None = frozenset()
        if "supports" in fields:
            supports = self._supports(fields["supports"], join(path, "supports"))
        priority = weight = None
        if "priority" in fields:
            priority = self.integer(fields["priority"], join(path, "priority"), 0, 255)
            if priority is None:
                return None
        if "weight" in fields:
            weight = self.integer(fields["weight"], join(path, "weight"), 0, 255)
            if weight is None:
                return None
        if name is None or rloc is None or supports is None:
            return None
        return Etr(
            name,
            rloc,
            netconf,
            supports,
            priority=1 if priority is None else priority,
            weight=100 if weight is None else weight,
        )

    def _supports(self, node: Node, path: str) -> frozenset[str] | None:
        items = self.sequence(node, path)
        if items is None:
            return None
        names = [self.text(item, join(path, i)) for i, item in enumerate(items)]
        if None in names:
            return None
        unknown = sorted({str(n).strip() for n in names} - set(ETR_CAPABILITIES))
        if unknown:
            valid = ", ".join(ETR_CAPABILITIES)
            self.problem(node, path, f"unknown capability {', '.join(unknown)}; valid: {valid}")
            return None
        return frozenset(str(n).strip() for n in names)

    def _eid(self, node: Node, path: str, site: str) -> Eid | None:
        fields = self.mapping(node, path, EID_FIELDS)
        if fields is None:
            return None
        instance_id: int | None = 0
        if "instance_id" in fields:
            instance_id = self.integer(
                fields["instance_id"], join(path, "instance_id"), 0, MAX_INSTANCE_ID
            )
        prefix = self._field(fields, path, "prefix", self._prefix)
        if prefix is None or instance_id is None:
            return None
        eid = Eid(instance_id, prefix)
        self.facts.eids.append((eid, site, Where(join(path, "prefix"), line_of(fields["prefix"]))))
        return eid

    def _field(self, fields: Fields, path: str, name: str, read: Read) -> Any:
        """Read one field if present (a missing one was already reported)."""
        if name not in fields:
            return None
        return read(fields[name], join(path, name))

    def _name(self, fields: Fields, path: str, registry: list[tuple[str, Where]]) -> str | None:
        name: str | None = self._field(fields, path, "name", self.text)
        if name is not None:
            registry.append((name, Where(join(path, "name"), line_of(fields["name"]))))
        return name

    def _prefix(
        self, node: Node, path: str
    ) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
        text = self.text(node, path)
        if text is None:
            return None
        try:
            return parse_network(text.strip())
        except ValueError:
            pass
        try:
            # Say what was probably meant rather than guessing for the user.
            loose = ipaddress.ip_network(text.strip(), strict=False)
        except ValueError:
            self.problem(node, path, f"{text!r} is not an IP prefix")
        else:
            self.problem(node, path, f"{text!r} has host bits set (did you mean {loose}?)")
        return None

    def _algorithm(self, node: Node, path: str) -> Algorithm | None:
        text = self.text(node, path)
        if text is None:
            return None
        valid = ", ".join(SITE_ALGORITHMS)
        if text.strip().lower() == "none":
            self.problem(
                node, path, f"algorithm 'none' is not allowed for a site; use one of: {valid}"
            )
            return None
        if text.strip().lower() not in ALGORITHM_NAMES:
            self.problem(node, path, f"unknown algorithm {text!r}; valid: {valid}")
            return None
        return algorithm_from_name(text.strip().lower())

    def _key(self, node: Node, path: str) -> Secret | None:
        read = self.scalar(node, path)
        if read is None:
            return None
        plaintext, ciphertext = read
        return Secret(plaintext, vault=ciphertext)
