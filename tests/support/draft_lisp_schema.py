"""The data nodes of draft-ietf-lisp-yang (module revision 2024-10-20) that a
LISP Map-Server or ETR may serve, written out by hand from the draft's
modules (YangModels/yang experimental/ietf-extracted-YANG-modules), with
RFC 8349's control-plane-protocol and RFC 7317's ietf-system clock.

This is the yardstick of the lab's ``--platform ietf`` face: every element it
serves must be a node listed here, in its module's namespace, with the list's
keys and a value of the node's type. It is kept apart from the project's own
YANG modules (yang/), so that the two cannot drift together.

One line per node: ``path  kind  type``. The path is the chain of
``module-prefix:name`` below <data>; kind is container, list (its keys after
``=``), leaf or leaf-list; the type names a checker in ``TYPES`` below.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address

NAMESPACES = {
    "rt": "urn:ietf:params:xml:ns:yang:ietf-routing",
    "lisp": "urn:ietf:params:xml:ns:yang:ietf-lisp",
    "lisp-ms": "urn:ietf:params:xml:ns:yang:ietf-lisp-mapserver",
    "lisp-etr": "urn:ietf:params:xml:ns:yang:ietf-lisp-etr",
    "laddr": "urn:ietf:params:xml:ns:yang:ietf-lisp-address-types",
    "sys": "urn:ietf:params:xml:ns:yang:ietf-system",
    "ni": "urn:ietf:params:xml:ns:yang:ietf-network-instance",
}

# Identities by base: (module prefix, names derived from the base).
IDENTITIES = {
    "control-plane-protocol": ("lisp", {"lisp"}),
    "lisp-role": ("lisp", {"itr", "pitr", "etr", "petr"}),
    "lisp-role-ms": ("lisp-ms", {"ms"}),
    "auth-algorithm": (
        "lisp",
        {
            "no-auth-algorithm",
            "hmac-sha-1-96-none",
            "hmac-sha-256-128-none",
            "hmac-sha-256-128-HKDF-SHA2562",
        },
    ),
    "lisp-address-family": (
        "laddr",
        {"no-address-afi", "ipv4-afi", "ipv4-prefix-afi", "ipv6-afi", "ipv6-prefix-afi"}
        | {"mac-afi", "distinguished-name-afi", "as-number-afi", "lcaf"},
    ),
}

# The lisp-address grouping's IP members, as (leaf, the address-type identity it needs).
ADDRESS_LEAVES = {
    "ipv4": "ipv4-afi",
    "ipv4-prefix": "ipv4-prefix-afi",
    "ipv6": "ipv6-afi",
    "ipv6-prefix": "ipv6-prefix-afi",
}

_LOCATOR = """
{p}/locator                                   list      =locator-id
{p}/locator/locator-id                        leaf      id-type
{p}/locator/locator-address                   container
{p}/locator/locator-address/address-type      leaf      identity:lisp-address-family
{p}/locator/locator-address/ipv4              leaf      ipv4-address
{p}/locator/locator-address/ipv6              leaf      ipv6-address
{p}/locator/priority                          leaf      uint8
{p}/locator/weight                            leaf      uint8
{p}/locator/multicast-priority                leaf      uint8
{p}/locator/multicast-weight                  leaf      uint8
"""

_ADDRESS = """
{p}/address-type                              leaf      identity:lisp-address-family
{p}/ipv4                                      leaf      ipv4-address
{p}/ipv4-prefix                               leaf      ipv4-prefix
{p}/ipv6                                      leaf      ipv6-address
{p}/ipv6-prefix                               leaf      ipv6-prefix
"""

_AUTH_KEYS = """
{p}/authentication-keys                                         container
{p}/authentication-keys/authentication-key                      list      =auth-key-id
{p}/authentication-keys/authentication-key/auth-key-id          leaf      id-type
{p}/authentication-keys/authentication-key/auth-algorithm-id    leaf-list identity:auth-algorithm
{p}/authentication-keys/authentication-key/auth-key-value       leaf      string
"""

_COUNTERS = """
{p}/counters                                  container
{p}/counters/discontinuity-time               leaf      date-and-time
{p}/counters/map-registers-in                 leaf      uint64
{p}/counters/map-registers-in-auth-failed     leaf      uint64
{p}/counters/map-notify-records-out           leaf      uint64
{p}/counters/proxy-reply-records-out          leaf      uint64
{p}/counters/map-requests-forwarded-out       leaf      uint64
"""

_CPP = "rt:routing/rt:control-plane-protocols/rt:control-plane-protocol"
_LISP = f"{_CPP}/lisp:lisp"
_MS = f"{_LISP}/lisp-ms:map-server"
_MAPPING = f"{_MS}/vpns/vpn/mappings/mapping"
_RECORD = f"{_MAPPING}/mapping-records/mapping-record"
_ETR = f"{_LISP}/lisp-etr:etr"
_LOCAL = f"{_ETR}/local-eids/vpn/eids/local-eid"

_TEXT = f"""
rt:routing                                    container
rt:routing/rt:control-plane-protocols         container
{_CPP}                                        list      =type,name
{_CPP}/rt:type                                leaf      identity:control-plane-protocol
{_CPP}/rt:name                                leaf      string
{_LISP}                                       container
{_LISP}/locator-sets                          container
{_LISP}/locator-sets/locator-set              list      =locator-set-name
{_LISP}/locator-sets/locator-set/locator-set-name   leaf  id-type
{_LOCATOR.format(p=f"{_LISP}/locator-sets/locator-set")}
{_LISP}/lisp-role                             list      =lisp-role-type
{_LISP}/lisp-role/lisp-role-type              leaf      identity:lisp-role|lisp-role-ms
{_LISP}/vpns                                  container
{_LISP}/vpns/vpn                              list      =instance-id
{_LISP}/vpns/vpn/instance-id                  leaf      instance-id
{_LISP}/vpns/vpn/iid-name                     leaf      network-instance-ref
{_LISP}/lisp-router-id                        container
{_LISP}/lisp-router-id/site-id                leaf      uint64
{_LISP}/lisp-router-id/xtr-id                 leaf      binary16
{_MS}                                         container
{_MS}/sites                                   container
{_MS}/sites/site                              list      =site-id
{_MS}/sites/site/site-id                      leaf      uint64
{_AUTH_KEYS.format(p=f"{_MS}/sites/site")}
{_MS}/vpns                                    container
{_MS}/vpns/vpn                                list      =instance-id
{_MS}/vpns/vpn/instance-id                    leaf      instance-id
{_MS}/vpns/vpn/mappings                       container
{_COUNTERS.format(p=f"{_MS}/vpns/vpn")}
{_MAPPING}                                    list      =eid-id
{_MAPPING}/eid-id                             leaf      id-type
{_MAPPING}/eid-address                        container
{_ADDRESS.format(p=f"{_MAPPING}/eid-address")}
{_MAPPING}/site-id                            leaf-list uint64
{_MAPPING}/more-specifics-accepted            leaf      boolean
{_MAPPING}/mapping-expiration-timeout         leaf      int16
{_MAPPING}/first-registration-time            leaf      date-and-time
{_MAPPING}/last-registration-time             leaf      date-and-time
{_MAPPING}/mapping-records                    container
{_RECORD}                                     list      =xtr-id
{_RECORD}/xtr-id                              leaf      binary16
{_RECORD}/site-id                             leaf      uint64
{_RECORD}/eid                                 container
{_ADDRESS.format(p=f"{_RECORD}/eid")}
{_RECORD}/time-to-live                        leaf      uint32
{_RECORD}/creation-time                       leaf      date-and-time
{_RECORD}/authoritative                       leaf      bits:A
{_RECORD}/static                              leaf      boolean
{_RECORD}/rlocs                               container
{_LOCATOR.format(p=f"{_RECORD}/rlocs")}
{_MS}/summary                                 container
{_MS}/summary/number-configured-sites         leaf      uint32
{_MS}/summary/number-registered-sites         leaf      uint32
{_MS}/summary/af-datum                        container
{_MS}/summary/af-datum/af-data                list      =address-type
{_MS}/summary/af-datum/af-data/address-type   leaf      identity:lisp-address-family
{_MS}/summary/af-datum/af-data/number-configured-eids   leaf  uint32
{_MS}/summary/af-datum/af-data/number-registered-eids   leaf  uint32
{_COUNTERS.format(p=_MS)}
{_ETR}                                        container
{_ETR}/map-servers                            container
{_ETR}/map-servers/map-server                 list      =ms-address
{_ETR}/map-servers/map-server/ms-address      leaf      ip-address
{_AUTH_KEYS.format(p=f"{_ETR}/map-servers/map-server")}
{_ETR}/local-eids                             container
{_ETR}/local-eids/vpn                         list      =instance-id
{_ETR}/local-eids/vpn/instance-id             leaf      instance-id
{_ETR}/local-eids/vpn/eids                    container
{_LOCAL}                                      list      =eid-id
{_LOCAL}/eid-id                               leaf      id-type
{_LOCAL}/eid-address                          container
{_ADDRESS.format(p=f"{_LOCAL}/eid-address")}
{_LOCAL}/rlocs                                leaf      locator-set-ref
{_LOCAL}/record-ttl                           leaf      uint32
{_LOCAL}/want-map-notify                      leaf      boolean
{_LOCAL}/proxy-reply                          leaf      boolean
{_LOCAL}/registration-interval                leaf      uint16
ni:network-instances                          container
ni:network-instances/ni:network-instance      list      =name
ni:network-instances/ni:network-instance/ni:name          leaf       string
ni:network-instances/ni:network-instance/ni:enabled       leaf       boolean
ni:network-instances/ni:network-instance/ni:description   leaf       string
ni:network-instances/ni:network-instance/ni:vrf-root      container
sys:system                                    container
sys:system/sys:hostname                       leaf      string
sys:system-state                              container
sys:system-state/sys:clock                    container
sys:system-state/sys:clock/sys:current-datetime   leaf  date-and-time
sys:system-state/sys:clock/sys:boot-datetime  leaf      date-and-time
"""


@dataclass(frozen=True)
class Node:
    kind: str  # container, list, leaf, leaf-list
    keys: tuple[str, ...] = ()
    type: str = ""


def _qualified(path: str) -> tuple[str, ...]:
    """Every step with its module prefix: a step without one is in its
    parent's module (a grouping's nodes take the using module's namespace)."""
    steps: list[str] = []
    module = ""
    for step in path.split("/"):
        if ":" in step:
            module = step.split(":", 1)[0]
        else:
            step = f"{module}:{step}"
        steps.append(step)
    return tuple(steps)


def _schema() -> dict[tuple[str, ...], Node]:
    nodes: dict[tuple[str, ...], Node] = {}
    for line in _TEXT.splitlines():
        fields = line.split()
        if not fields:
            continue
        path, kind = _qualified(fields[0]), fields[1]
        extra = fields[2] if len(fields) > 2 else ""
        if kind == "list":
            nodes[path] = Node(kind, tuple(extra.lstrip("=").split(",")))
        else:
            nodes[path] = Node(kind, (), extra)
    return nodes


SCHEMA = _schema()

_DATE_AND_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
_ID_TYPE = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9\-_.:]*$")


def _uint(bits: int) -> Callable[[str], bool]:
    return lambda text: text.isdigit() and int(text) < (1 << bits)


def _int16(text: str) -> bool:
    return re.fullmatch(r"-?\d+", text) is not None and -(1 << 15) <= int(text) < (1 << 15)


def _binary16(text: str) -> bool:
    try:
        return len(base64.b64decode(text, validate=True)) == 16
    except ValueError:
        return False


def _is(kind: type, text: str) -> bool:
    try:
        kind(text)
    except ValueError:
        return False
    return True


def _prefix(kind: type[IPv4Network] | type[IPv6Network], text: str) -> bool:
    # inet:ipv4-prefix / ipv6-prefix: address/length, canonical (host bits zero).
    return "/" in text and _is(lambda t: kind(t, strict=True), text)


TYPES: dict[str, Callable[[str], bool]] = {
    "uint8": _uint(8),
    "uint16": _uint(16),
    "uint32": _uint(32),
    "uint64": _uint(64),
    "int16": _int16,
    "instance-id": lambda t: t.isdigit() and int(t) < (1 << 24),
    "boolean": lambda t: t in ("true", "false"),
    "string": lambda t: True,
    "id-type": lambda t: 1 <= len(t) <= 64 and _ID_TYPE.match(t) is not None,
    "date-and-time": lambda t: _DATE_AND_TIME.match(t) is not None,
    "binary16": _binary16,
    "bits:A": lambda t: set(t.split()) <= {"A"},
    "ipv4-address": lambda t: _is(IPv4Address, t),
    "ipv6-address": lambda t: _is(IPv6Address, t),
    "ip-address": lambda t: _is(ip_address, t),
    "ipv4-prefix": lambda t: _prefix(IPv4Network, t),
    "ipv6-prefix": lambda t: _prefix(IPv6Network, t),
    # Checked against the data's locator sets and network instances by the
    # conformance check.
    "locator-set-ref": lambda t: _ID_TYPE.match(t) is not None,
    "network-instance-ref": bool,
}
