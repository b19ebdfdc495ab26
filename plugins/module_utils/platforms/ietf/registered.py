# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The brief view of the registration table (``filters.ms_registered_filter``).

A 50,000-registration reply parsed into one tree takes ~130 MB of libxml2
nodes, most of a controller's memory at that scale. ``parse_registered_text``
instead parses the reply as a stream and flattens and drops it a few thousand
mappings at a time; ``parse_registered`` reads a tree the caller already has.
Both flatten with the same XSLT, and either accepts a full read too (it only
takes the leaves it needs).
"""

from __future__ import annotations

import functools
import io
import ipaddress
import socket
from collections.abc import Iterable
from datetime import datetime

try:
    from lxml import etree
except ImportError:  # a module reports it missing first (module_utils/libraries.py)
    pass

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.gc_pause import (
    collector_paused,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.types import (
    Eid,
    IPAddress,
    Rloc,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.registration import (
    Registration,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.times import (
    parse_time,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.ietf.namespaces import (
    LMR,
    MS,
    NC,
    T,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.ietf.values import (
    eid_from_parts,
    parse_xtr_key,
    registrant_xtr_id,
)

_RPC_ERROR = f"{{{NC}}}rpc-error"
_ERROR_MESSAGE = f"{{{NC}}}error-message"
# Mappings read from the stream before they are flattened and dropped.
_CHUNK = 2048

# One line per mapping (M: instance-id, prefix, eid-id), per mapping-record
# (R: xtr-id, site, last registration, site-id, source, source port) and per
# locator (L: address), in document order. Without parameters it reads the
# first map-server of a document; given $n it reads the first $n mappings of
# the <mappings> element it is applied to, in instance $iid. XSLT runs in C: reading each element
# from Python instead took four times as long at 50,000 mappings.
_FLATTEN_XSL = f"""\
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:ms="{MS}" xmlns:lmr="{LMR}">
  <xsl:output method="text"/>
  <xsl:param name="n" select="''"/>
  <xsl:param name="iid" select="''"/>
  <xsl:template match="/">
    <xsl:choose>
      <xsl:when test="$n = ''">
        <xsl:for-each select="(//ms:map-server)[1]/ms:vpns/ms:vpn">
          <xsl:variable name="instance" select="ms:instance-id"/>
          <xsl:for-each select="ms:mappings/ms:mapping">
            <xsl:call-template name="mapping">
              <xsl:with-param name="instance" select="$instance"/>
            </xsl:call-template>
          </xsl:for-each>
        </xsl:for-each>
      </xsl:when>
      <xsl:otherwise>
        <xsl:for-each select="*/ms:mapping[position() &lt;= $n]">
          <xsl:call-template name="mapping">
            <xsl:with-param name="instance" select="$iid"/>
          </xsl:call-template>
        </xsl:for-each>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>
  <xsl:template name="mapping">
    <xsl:param name="instance"/>
    <xsl:value-of select="concat('M&#9;', $instance, '&#9;', ms:eid-address/ms:ipv4-prefix,
        ms:eid-address/ms:ipv6-prefix, '&#9;', ms:eid-id, '&#9;', ms:last-registration-time,
        '&#10;')"/>
    <xsl:for-each select="ms:mapping-records/ms:mapping-record">
      <xsl:value-of select="concat('R&#9;', ms:xtr-id, '&#9;', lmr:site-name, '&#9;',
          lmr:last-registration-time, '&#9;', ms:site-id, '&#9;', lmr:registration-source,
          '&#9;', lmr:registration-source-port, '&#10;')"/>
      <xsl:for-each select="ms:rlocs/ms:locator">
        <xsl:value-of select="concat('L&#9;', ms:locator-address/ms:ipv4,
            ms:locator-address/ms:ipv6, '&#10;')"/>
      </xsl:for-each>
    </xsl:for-each>
  </xsl:template>
</xsl:stylesheet>
"""


@functools.cache
def _flatten() -> etree.XSLT:
    """The stylesheet above, compiled once (lxml may be missing at import time)."""
    return etree.XSLT(etree.XML(_FLATTEN_XSL))


class _Reader:
    """Turns flattened lines into brief Registrations, sharing equal RLOC sets
    and times between them (a table repeats each site's RLOCs and the same
    few registration times)."""

    def __init__(self, known: Iterable[Eid]) -> None:
        self.found: list[Registration] = []
        # The caller's own Eid objects by instance and prefix text here:
        # building an ipaddress network per EID was most of this parse.
        self._known = {(str(eid.instance_id), _prefix_text(eid)): eid for eid in known}
        self._rloc_sets: dict[tuple[str, ...], tuple[Rloc, ...]] = {}
        self._times: dict[str, datetime] = {}
        # An ETR's registrant, once per its EIDs: its xTR-ID (None where the
        # server keyed the record by its source), source address and port.
        self._registrants: dict[tuple[str, str, str], tuple[bytes | None, IPAddress | None, int]]
        self._registrants = {}
        self._mapping_last = ""

    def read(self, text: str) -> None:
        eid: Eid | None = None
        record: list[str] | None = None
        rlocs: list[str] = []
        for line in text.split("\n"):
            kind = line[:1]
            if kind == "L":
                rlocs.append(line[2:])
                continue
            if record is not None and eid is not None:
                self._add(eid, record, rlocs)
            record, rlocs = None, []
            if kind == "R":
                record = line.split("\t")
            elif kind == "M":
                _kind, iid, prefix, eid_id, self._mapping_last = line.split("\t")
                eid = self._known.get((iid, prefix)) or _eid(iid, prefix, eid_id)

    def _add(self, eid: Eid, record: list[str], rlocs: list[str]) -> None:
        if len(record) != 7:
            raise ValueError(f"mapping-record of {eid} is malformed: {record!r}")
        _kind, xtr, site, last, site_id, source, port = record
        # A standard server (no lispnet-ms-recovery augment) names the site by
        # its site-id and times the mapping, not each xTR's record.
        last = last or self._mapping_last
        site = site or (f"site-id {site_id}" if site_id else "")
        if not (xtr and last):
            missing = (
                "xtr-id"
                if not xtr
                else "lmr:last-registration-time (nor has its mapping last-registration-time)"
            )
            raise ValueError(f"mapping-record of {eid} lacks {missing}")
        key = tuple(rlocs)
        locators = self._rloc_sets.get(key)
        if locators is None:
            locators = self._rloc_sets[key] = tuple(Rloc(ipaddress.ip_address(a)) for a in key)
        time = self._times.get(last)
        if time is None:
            time = self._times[last] = parse_time(last)
        # Who registered it: the xTR-ID, or, where the server tells the
        # source and keyed the record by it, that source (values.py).
        registrant = self._registrants.get((xtr, source, port))
        if registrant is None:
            address = ipaddress.ip_address(source) if source else None
            number = int(port or 0)
            xtr_id = registrant_xtr_id(parse_xtr_key(xtr), address, number)
            registrant = self._registrants[(xtr, source, port)] = (xtr_id, address, number)
        self.found.append(Registration(eid, site, locators, time, *registrant))


def _prefix_text(eid: Eid) -> str:
    """The text of ``eid``'s prefix as an eid-address leaf holds it: inet_ntop,
    as str() of an ipaddress network formats in Python, 3x slower. Should a
    server write a prefix otherwise, the lookup just misses and the text is
    parsed."""
    prefix = eid.prefix
    family = socket.AF_INET if prefix.version == 4 else socket.AF_INET6
    address = socket.inet_ntop(family, prefix.network_address.packed)
    return f"{address}/{prefix.prefixlen}"


def _eid(iid: str, prefix: str, eid_id: str) -> Eid:
    # The eid-id key is the server's own text: the EID is in eid-address.
    if prefix:
        return eid_from_parts(int(iid or 0), prefix)
    raise ValueError(f"mapping {eid_id!r} lacks eid-address (an IP prefix)")


def parse_registered(data: etree._Element, known: Iterable[Eid] = ()) -> tuple[Registration, ...]:
    """The registrations of the first map-server in ``data``'s document, in
    document order. ``known``: EIDs the caller holds (its inventory's), used
    instead of parsing equal ones again."""
    reader = _Reader(known)
    with collector_paused():
        reader.read(str(_flatten()(data)))
    return tuple(reader.found)


def parse_registered_text(text: bytes, known: Iterable[Eid] = ()) -> tuple[Registration, ...]:
    """``parse_registered`` of a serialized reply (<rpc-reply> or <data>),
    parsed as a stream: every ``_CHUNK`` mappings are flattened and dropped,
    so the tree never holds more. An <rpc-error> raises ValueError with its
    message."""
    reader = _Reader(known)
    events = etree.iterparse(
        io.BytesIO(text),
        events=("end",),
        tag=(T.mapping, _RPC_ERROR),
        huge_tree=True,
        resolve_entities=False,
        no_network=True,
    )
    with collector_paused():
        try:
            _stream(events, reader)
        except etree.XMLSyntaxError as exc:
            raise ValueError(f"malformed XML: {exc}") from None
    return tuple(reader.found)


def _stream(events: etree.iterparse, reader: _Reader) -> None:
    # Per event only what must be: at 50,000 mappings every step here counts.
    batch: list[etree._Element] = []
    first_ms: list[etree._Element] = []  # the first map-server, once seen
    for _event, element in events:
        if element.tag == _RPC_ERROR:
            message = (element.findtext(_ERROR_MESSAGE) or "").strip()
            raise ValueError(f"rpc-error: {message or 'no error-message'}")
        batch.append(element)
        if len(batch) == _CHUNK:
            _flush(batch, reader, first_ms)
    _flush(batch, reader, first_ms)


def _ancestor(element: etree._Element | None, levels: int) -> etree._Element | None:
    for _level in range(levels):
        if element is None:
            return None
        element = element.getparent()
    return element


def _flush(batch: list[etree._Element], reader: _Reader, first_ms: list[etree._Element]) -> None:
    """Flatten the finished mappings of ``batch`` that belong to the first
    map-server, then drop them all. Those of one <mappings> element are its
    first children (those before were dropped already); the parser may have
    begun the next one, which the count leaves out."""
    start = 0
    while start < len(batch):
        mappings = batch[start].getparent()
        end = start + 1
        while end < len(batch) and batch[end].getparent() is mappings:
            end += 1
        vpn = _ancestor(mappings, 1)
        ms = _ancestor(vpn, 2)  # vpn < vpns < map-server
        if vpn is not None and ms is not None and ms.tag == T.map_server:
            if not first_ms:
                first_ms.append(ms)
            if ms is first_ms[0]:
                instance_id = etree.XSLT.strparam(vpn.findtext(T.instance_id) or "")
                reader.read(str(_flatten()(mappings, n=str(end - start), iid=instance_id)))
        if mappings is not None:
            for mapping in batch[start:end]:
                mappings.remove(mapping)
        start = end
    batch.clear()
