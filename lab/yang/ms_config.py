# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read an edit-config <config> aimed at the Map-Server's stored sites.

The only writable path is
``routing/control-plane-protocols/control-plane-protocol[lisp]/lisp/map-server
/lmr:ms-recovery/lmr:stored-sites/lmr:site[name]``. :func:`parse_site_edits`
turns a <config> into one :class:`SiteEdit` per site element, with the
operation each node takes effect with (RFC 6241 7.2: its own ``operation``
attribute, else its nearest ancestor's, else the request's default-operation),
and typed leaf values. It decides nothing about the datastore: whether a site
exists, overlaps or lacks a leaf is the server's business.

Anything elsewhere in the tree raises :class:`ConfigError` with
``operation-not-supported`` naming the path, so a server never half-applies a
request that also touches data it does not let anyone write.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from lxml import etree

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.types import (
    Eid,
    IPAddress,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.ietf.namespaces import (
    DEFAULT_PROTOCOL_NAME,
    LISP,
    LMR,
    MS,
    NC,
    NSMAP,
    RT,
    T,
    q,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.ietf.values import (
    network,
)

OPERATIONS = frozenset({"merge", "replace", "create", "delete", "remove"})
DEFAULT_OPERATIONS = frozenset({"merge", "replace", "none"})
# Operations that write the node's content (the others drop it or leave it be).
WRITING = frozenset({"merge", "replace", "create"})
DROPPING = frozenset({"delete", "remove"})
_OP_ATTR = q(NC, "operation")
# Written, never rendered: namespaces.T holds what get replies carry.
KEY_VALUE = q(LMR, "auth-key-value")

# The containers on the way down to the site list, each with the one child
# that leads on (list keys of control-plane-protocol are checked separately).
_PATH_DOWN: dict[str, str] = {
    T.routing: T.cpps,
    T.cpps: T.cpp,
    T.cpp: T.lisp,
    T.lisp: T.map_server,
    T.map_server: T.ms_recovery,
    T.ms_recovery: T.stored_sites,
    T.stored_sites: T.s_site,
}
_CPP_KEYS = frozenset({T.rt_type, T.rt_name})
_SITE_LEAVES = frozenset({T.s_name, T.s_site_id, T.s_key_id, T.s_algorithm, KEY_VALUE})
_ETR_LEAVES = frozenset({T.s_name, T.s_rloc})
_EID_LEAVES = frozenset({T.s_eid_id, T.s_instance_id, T.s_prefix})
_UINT64_MAX = 2**64 - 1
_UINT8_MAX = 255
_INSTANCE_ID_MAX = 2**24 - 1


class ConfigError(ValueError):
    """A request the server must refuse; ``tag`` is the NETCONF error-tag and
    ``element`` the offending element's local name (for <bad-element>)."""

    def __init__(self, tag: str, message: str, element: str | None = None) -> None:
        super().__init__(message)
        self.tag = tag
        self.message = message
        self.element = element


@dataclass(frozen=True)
class EtrEdit:
    name: str
    operation: str  # effective
    rloc: IPAddress | None = None  # None: not written by this request


@dataclass(frozen=True)
class EidEdit:
    eid: Eid
    operation: str  # effective


@dataclass(frozen=True)
class SiteEdit:
    """One site element of the request. A leaf is None when the request does
    not write it. ``etrs_operation``/``eids_operation`` is the effective
    operation of the list's container, None when the request has none."""

    name: str
    operation: str
    site_id: int | None = None
    key_id: int | None = None
    algorithm: str | None = None
    key: str | None = field(default=None, repr=False)
    etrs_operation: str | None = None
    etrs: tuple[EtrEdit, ...] = ()
    eids_operation: str | None = None
    eids: tuple[EidEdit, ...] = ()


def parse_site_edits(config: etree._Element, default_operation: str = "merge") -> list[SiteEdit]:
    """The site edits in ``config`` (the <config> element), in document order."""
    if default_operation not in DEFAULT_OPERATIONS:
        raise ConfigError("invalid-value", f"bad default-operation {default_operation!r}")
    edits: list[SiteEdit] = []
    for child in _elements(config):
        _walk_path(child, "", default_operation, edits)
    return edits


def _walk_path(el: etree._Element, parent_path: str, inherited: str, out: list[SiteEdit]) -> None:
    path = f"{parent_path}/{_prefixed(el)}"
    expected_child = _PATH_DOWN.get(el.tag)
    if expected_child is None or not _on_path(el, parent_path):
        raise ConfigError(
            "operation-not-supported",
            f"{path} is not writable here; only the stored sites "
            "(.../lisp-ms:map-server/lmr:ms-recovery/lmr:stored-sites/lmr:site) are",
            _local(el),
        )
    op = operation_of(el) or inherited
    if el.tag == T.cpp:
        _check_protocol(el, path)
    children = [c for c in _elements(el) if not (el.tag == T.cpp and c.tag in _CPP_KEYS)]
    if not children:
        if op not in ("merge", "none"):
            # e.g. <stored-sites operation="delete"/>: a whole subtree at once.
            raise ConfigError(
                "operation-not-supported",
                f"{op} of {path} as a whole is not supported; name the sites",
                _local(el),
            )
        return
    for child in children:
        if child.tag != expected_child:
            raise ConfigError(
                "operation-not-supported",
                f"{path}/{_prefixed(child)} is not writable here; only the stored sites are",
                _local(child),
            )
        if child.tag == T.s_site:
            out.append(_parse_site(child, op))
        else:
            _walk_path(child, path, op, out)


def _on_path(el: etree._Element, parent_path: str) -> bool:
    # The top-level node must be <routing>; deeper ones are checked by the parent.
    return bool(parent_path) or el.tag == T.routing


def _check_protocol(cpp: etree._Element, path: str) -> None:
    name = cpp.findtext(T.rt_name)
    if name is not None and name.strip() != DEFAULT_PROTOCOL_NAME:
        raise ConfigError(
            "operation-not-supported",
            f"{path}: no LISP instance named {name.strip()!r} here "
            f"(the Map-Server runs {DEFAULT_PROTOCOL_NAME!r})",
            "name",
        )
    kind = cpp.findtext(T.rt_type)
    if kind is not None and kind.strip().rpartition(":")[2] != "lisp":
        raise ConfigError(
            "operation-not-supported", f"{path}: type {kind.strip()!r} is not lisp", "type"
        )


def _parse_site(el: etree._Element, inherited: str) -> SiteEdit:
    op = operation_of(el) or inherited
    name = _key(el, T.s_name, "site")
    where = f"site {name}"
    if op in DROPPING:
        return SiteEdit(name=name, operation=op)
    values: dict[str, object] = {}
    etrs_op = eids_op = None
    etrs: tuple[EtrEdit, ...] = ()
    eids: tuple[EidEdit, ...] = ()
    for child in _elements(el):
        if child.tag in _SITE_LEAVES:
            if child.tag != T.s_name and _leaf_written(child, op, where):
                values[child.tag] = child.text or ""
        elif child.tag == T.s_etrs:
            etrs_op = operation_of(child) or op
            etrs = tuple(_parse_etr(c, etrs_op, where) for c in _entries(child, T.s_etr, where))
        elif child.tag == T.s_eids:
            eids_op = operation_of(child) or op
            eids = tuple(_parse_eid(c, eids_op, where) for c in _entries(child, T.s_eid, where))
        else:
            raise _unknown(child, where)
    site_id = values.get(T.s_site_id)
    key_id = values.get(T.s_key_id)
    algorithm = values.get(T.s_algorithm)
    key = values.get(KEY_VALUE)
    return SiteEdit(
        name=name,
        operation=op,
        site_id=None if site_id is None else _uint(str(site_id), _UINT64_MAX, "site-id", where),
        key_id=None if key_id is None else _uint(str(key_id), _UINT8_MAX, "auth-key-id", where),
        algorithm=None if algorithm is None else str(algorithm).strip(),
        key=None if key is None else str(key),
        etrs_operation=etrs_op,
        etrs=etrs,
        eids_operation=eids_op,
        eids=eids,
    )


def _parse_etr(el: etree._Element, inherited: str, where: str) -> EtrEdit:
    op = operation_of(el) or inherited
    name = _key(el, T.s_name, f"{where}: etr")
    rloc: IPAddress | None = None
    for child in _elements(el):
        if child.tag not in _ETR_LEAVES:
            raise _unknown(child, f"{where} etr {name}")
        if child.tag == T.s_rloc and op not in DROPPING and _leaf_written(child, op, where):
            text = (child.text or "").strip()
            try:
                rloc = ipaddress.ip_address(text)
            except ValueError:
                raise ConfigError(
                    "invalid-value", f"{where}: etr {name}: rloc {text!r} is not an IP address"
                ) from None
    return EtrEdit(name=name, operation=op, rloc=rloc)


def _parse_eid(el: etree._Element, inherited: str, where: str) -> EidEdit:
    op = operation_of(el) or inherited
    eid_id = _key(el, T.s_eid_id, f"{where}: eid")
    for child in _elements(el):
        if child.tag not in _EID_LEAVES:
            raise _unknown(child, f"{where} eid {eid_id}")
    eid = _eid_of_key(eid_id, where)
    iid_text, prefix_text = el.findtext(T.s_instance_id), el.findtext(T.s_prefix)
    if op not in DROPPING and iid_text is not None and prefix_text is not None:
        # The key and the leaves say the same thing twice: they must agree.
        iid = _uint(iid_text, _INSTANCE_ID_MAX, "instance-id", where)
        try:
            leaves = Eid(iid, network(prefix_text.strip()))
        except ValueError:
            raise ConfigError(
                "invalid-value",
                f"{where}: EID {eid_id}: prefix {prefix_text.strip()!r} is not a valid prefix "
                "(host bits must be zero)",
            ) from None
        if leaves != eid:
            raise ConfigError(
                "invalid-value",
                f"{where}: EID {eid_id}: instance-id/prefix say {leaves}, the key says {eid}",
            )
    return EidEdit(eid=eid, operation=op)


def _eid_of_key(eid_id: str, where: str) -> Eid:
    text = eid_id.strip()
    if not text.startswith("["):
        raise ConfigError(
            "invalid-value", f"{where}: EID {eid_id!r}: eid-id must be [instance-id]prefix"
        )
    try:
        return Eid.parse(text)
    except ValueError:
        raise ConfigError(
            "invalid-value",
            f"{where}: EID {eid_id!r} is not a valid [instance-id]prefix (host bits must be zero)",
        ) from None


def _entries(container: etree._Element, tag: str, where: str) -> list[etree._Element]:
    children = _elements(container)
    for child in children:
        if child.tag != tag:
            raise _unknown(child, where)
    return children


def _leaf_written(el: etree._Element, inherited: str, where: str) -> bool:
    """Whether a leaf's value is written; a leaf cannot be deleted on its own
    because every leaf of a stored site is mandatory."""
    op = operation_of(el) or inherited
    if op in DROPPING:
        raise ConfigError(
            "operation-not-supported",
            f"{where}: {_local(el)} is mandatory and cannot be deleted on its own",
            _local(el),
        )
    return op in WRITING


def _key(el: etree._Element, tag: str, what: str) -> str:
    text = el.findtext(tag)
    if text is None or not text.strip():
        raise ConfigError("missing-element", f"{what} without its key {etree.QName(tag).localname}")
    return text.strip()


def _uint(text: str, maximum: int, leaf_name: str, where: str) -> int:
    try:
        value = int(text.strip())
    except ValueError:
        value = -1
    if not 0 <= value <= maximum:
        raise ConfigError("invalid-value", f"{where}: {leaf_name} {text.strip()!r} is out of range")
    return value


def operation_of(el: etree._Element) -> str | None:
    """The element's operation attribute; an unqualified one is accepted too
    (vendor examples and hand-written playbooks often omit the prefix)."""
    op = el.get(_OP_ATTR)
    if op is None:
        op = el.get("operation")
    if op is None:
        return None
    if op not in OPERATIONS:
        raise ConfigError("bad-attribute", f"unknown operation {op!r}", _local(el))
    return op


def _unknown(el: etree._Element, where: str) -> ConfigError:
    return ConfigError("unknown-element", f"{where}: unknown element {_prefixed(el)}", _local(el))


def _elements(el: etree._Element) -> list[etree._Element]:
    return [c for c in el if isinstance(c.tag, str)]


def _local(el: etree._Element) -> str:
    return etree.QName(el).localname


_PREFIXES = {ns: prefix for prefix, ns in NSMAP.items() if prefix}


def _prefixed(el: etree._Element) -> str:
    """``prefix:name`` for the path in an error message (the project's prefixes)."""
    name = etree.QName(el)
    prefix = _PREFIXES.get(name.namespace or "")
    if prefix is None:
        return f"{{{name.namespace}}}{name.localname}" if name.namespace else name.localname
    return f"{prefix}:{name.localname}"


def stored_sites_config(sites_xml: str, protocol_name: str = DEFAULT_PROTOCOL_NAME) -> str:
    """An edit-config <config> holding ``sites_xml`` (lmr:site elements in the
    lmr default namespace, the nc prefix bound for operation attributes) at the
    stored-sites path: what a client sends to write sites."""
    return (
        f'<config xmlns="{NC}" xmlns:nc="{NC}">'
        f'<routing xmlns="{RT}"><control-plane-protocols>'
        f'<control-plane-protocol><type xmlns:lisp="{LISP}">lisp:lisp</type>'
        f"<name>{protocol_name}</name>"
        f'<lisp xmlns="{LISP}"><map-server xmlns="{MS}">'
        f'<ms-recovery xmlns="{LMR}"><stored-sites>{sites_xml}</stored-sites></ms-recovery>'
        "</map-server></lisp></control-plane-protocol></control-plane-protocols></routing>"
        "</config>"
    )
