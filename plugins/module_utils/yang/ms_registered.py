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

import io
import ipaddress
from datetime import datetime

from lxml import etree

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.gc_pause import (
    collector_paused,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.types import (
    Eid,
    IPAddress,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.yang.ms_state import (
    RegistrationBrief,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.yang.namespaces import (
    LMR,
    MS,
    NC,
    T,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.yang.values import (
    eid_from_parts,
    parse_time,
)

_RPC_ERROR = f"{{{NC}}}rpc-error"
_ERROR_MESSAGE = f"{{{NC}}}error-message"
# Mappings read from the stream before they are flattened and dropped.
_CHUNK = 2048

# One line per mapping (M: instance-id, prefix, eid-id), per mapping-record
# (R: xtr-id, site, last registration) and per locator (L: address), in
# document order, from the first map-server. XSLT runs in C: reading each
# element from Python instead took four times as long at 50,000 mappings.
_FLATTEN = etree.XSLT(
    etree.XML(
        f"""\
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:ms="{MS}" xmlns:lmr="{LMR}">
  <xsl:output method="text"/>
  <xsl:template match="/">
    <xsl:for-each select="(//ms:map-server)[1]/ms:vpns/ms:vpn">
      <xsl:variable name="iid" select="ms:instance-id"/>
      <xsl:for-each select="ms:mappings/ms:mapping">
        <xsl:value-of select="concat('M&#9;', $iid, '&#9;', ms:eid-address/ms:ipv4-prefix,
            ms:eid-address/ms:ipv6-prefix, '&#9;', ms:eid-id, '&#10;')"/>
        <xsl:for-each select="ms:mapping-records/ms:mapping-record">
          <xsl:value-of select="concat('R&#9;', ms:xtr-id, '&#9;', lmr:site-name, '&#9;',
              lmr:last-registration-time, '&#10;')"/>
          <xsl:for-each select="ms:rlocs/ms:locator">
            <xsl:value-of select="concat('L&#9;', ms:locator-address, '&#10;')"/>
          </xsl:for-each>
        </xsl:for-each>
      </xsl:for-each>
    </xsl:for-each>
  </xsl:template>
</xsl:stylesheet>
"""
    )
)


class _Reader:
    """Turns flattened lines into RegistrationBriefs, sharing equal RLOC sets
    and times between them (a table repeats each site's RLOCs and the same
    few registration times)."""

    def __init__(self) -> None:
        self.found: list[RegistrationBrief] = []
        self._rloc_sets: dict[tuple[str, ...], frozenset[IPAddress]] = {}
        self._times: dict[str, datetime] = {}

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
                _, iid, prefix, eid_id = line.split("\t")
                eid = _eid(iid, prefix, eid_id)

    def _add(self, eid: Eid, record: list[str], rlocs: list[str]) -> None:
        if len(record) != 4:
            raise ValueError(f"mapping-record of {eid} is malformed: {record!r}")
        _, xtr, site, last = record
        if not (xtr and last):
            missing = "xtr-id" if not xtr else "lmr:last-registration-time"
            raise ValueError(f"mapping-record of {eid} lacks {missing}")
        key = tuple(rlocs)
        addresses = self._rloc_sets.get(key)
        if addresses is None:
            addresses = self._rloc_sets[key] = frozenset(ipaddress.ip_address(a) for a in key)
        time = self._times.get(last)
        if time is None:
            time = self._times[last] = parse_time(last)
        self.found.append(RegistrationBrief(eid, site, addresses, time))


def _eid(iid: str, prefix: str, eid_id: str) -> Eid:
    if prefix:
        return eid_from_parts(int(iid or 0), prefix)
    if eid_id:
        return Eid.parse(eid_id)  # the list key carries the same prefix
    raise ValueError("mapping without eid-address or eid-id")


def parse_registered(data: etree._Element) -> tuple[RegistrationBrief, ...]:
    """The registrations of the first map-server in ``data``'s document, in
    document order."""
    reader = _Reader()
    with collector_paused():
        reader.read(str(_FLATTEN(data)))
    return tuple(reader.found)


def parse_registered_text(text: bytes) -> tuple[RegistrationBrief, ...]:
    """``parse_registered`` of a serialized reply (<rpc-reply> or <data>),
    parsed as a stream: every ``_CHUNK`` mappings are flattened and dropped,
    so the tree never holds more. An <rpc-error> raises ValueError with its
    message."""
    reader = _Reader()
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
    first_ms: etree._Element | None = None
    batch: list[tuple[str | None, etree._Element]] = []  # (instance-id, mapping)
    for _, element in events:
        if element.tag == _RPC_ERROR:
            message = (element.findtext(_ERROR_MESSAGE) or "").strip()
            raise ValueError(f"rpc-error: {message or 'no error-message'}")
        vpn = _ancestor(element, 2)  # mapping < mappings < vpn
        ms = _ancestor(vpn, 2)  # vpn < vpns < map-server
        if ms is None or vpn is None or ms.tag != T.map_server:
            continue
        first_ms = ms if first_ms is None else first_ms
        if ms is not first_ms:
            element.clear()
            continue
        batch.append((vpn.findtext(T.instance_id), element))
        if len(batch) == _CHUNK:
            _flush(batch, reader)
            batch = []
    _flush(batch, reader)


def _ancestor(element: etree._Element | None, levels: int) -> etree._Element | None:
    for _ in range(levels):
        if element is None:
            return None
        element = element.getparent()
    return element


def _flush(batch: list[tuple[str | None, etree._Element]], reader: _Reader) -> None:
    """Move finished mappings out of the parsed tree into a small document of
    their own, flatten it, and let it go. Only mappings that had their end
    event move: the parser may already have begun the next ones."""
    if not batch:
        return
    ms = etree.Element(T.map_server)
    vpns = etree.SubElement(ms, T.vpns)
    mappings, current = None, None
    for instance_id, mapping in batch:
        if mappings is None or instance_id != current:
            vpn = etree.SubElement(vpns, T.vpn)
            if instance_id is not None:
                etree.SubElement(vpn, T.instance_id).text = instance_id
            mappings, current = etree.SubElement(vpn, T.mappings), instance_id
        mappings.append(mapping)
    reader.read(str(_FLATTEN(ms)))
