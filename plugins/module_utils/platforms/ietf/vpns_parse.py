# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The registration table (map-server/vpns), parsed in bulk.

This subtree holds ~35 elements per registration, so 50,000 registrations
are ~2 million nodes. Visiting them one Python proxy at a time costs
several seconds; instead an XSLT (in C) flattens the subtree to
tab-separated lines which Python splits. Names never contain whitespace
(the YANG name-type), so the tab-separated form is unambiguous.
"""

from __future__ import annotations

import functools
import ipaddress
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
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.ietf.values import (
    eid_from_parts,
    parse_bits,
    parse_xtr_key,
    registrant_xtr_id,
)

# One line per mapping (M), per mapping-record (R) and per locator (L), in
# document order. A leaf the filter left out becomes an empty field.
_FLATTEN_XSL = f"""\
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:ms="{MS}" xmlns:lmr="{LMR}">
  <xsl:output method="text"/>
  <xsl:template match="/">
    <xsl:for-each select="(//ms:map-server)[1]/ms:vpns/ms:vpn">
      <xsl:variable name="iid" select="ms:instance-id"/>
      <xsl:for-each select="ms:mappings/ms:mapping">
        <xsl:value-of select="concat('M&#9;', $iid, '&#9;',
            ms:eid-address/ms:ipv4-prefix, ms:eid-address/ms:ipv6-prefix, '&#9;',
            ms:eid-id, '&#9;', ms:site-id, '&#9;', lmr:dynamic, '&#9;',
            ms:last-registration-time, '&#10;')"/>
        <xsl:for-each select="ms:mapping-records/ms:mapping-record">
          <xsl:value-of select="concat('R&#9;', ms:xtr-id, '&#9;', ms:site-id, '&#9;',
              ms:time-to-live, '&#9;', ms:creation-time, '&#9;', ms:authoritative, '&#9;',
              lmr:site-name, '&#9;', lmr:last-registration-time, '&#9;',
              lmr:registration-source, '&#9;', lmr:registration-source-port, '&#9;',
              lmr:proxy-reply, '&#9;', lmr:want-map-notify, '&#10;')"/>
          <xsl:for-each select="ms:rlocs/ms:locator">
            <xsl:value-of select="concat('L&#9;', ms:locator-address/ms:ipv4,
                ms:locator-address/ms:ipv6, '&#9;', ms:priority,
                '&#9;', ms:weight, '&#9;', ms:multicast-priority, '&#9;',
                ms:multicast-weight, '&#9;', lmr:local, '&#10;')"/>
          </xsl:for-each>
        </xsl:for-each>
      </xsl:for-each>
    </xsl:for-each>
  </xsl:template>
</xsl:stylesheet>
"""


@functools.cache
def _flatten() -> etree.XSLT:
    """The stylesheet above, compiled once (lxml may be missing at import time)."""
    return etree.XSLT(etree.XML(_FLATTEN_XSL))


class _Cache:
    """Shares equal addresses, times and RLOCs between records, which both
    saves the parsing and keeps a 50,000-entry table small in memory."""

    def __init__(self) -> None:
        self.addresses: dict[str, IPAddress] = {}
        self.times: dict[str, datetime] = {}
        self.rlocs: dict[str, Rloc] = {}

    def address(self, text: str) -> IPAddress:
        found = self.addresses.get(text)
        if found is None:
            found = self.addresses[text] = ipaddress.ip_address(text)
        return found

    def time(self, text: str) -> datetime:
        found = self.times.get(text)
        if found is None:
            found = self.times[text] = parse_time(text)
        return found

    def rloc(self, line: str) -> Rloc:
        found = self.rlocs.get(line)
        if found is None:
            _kind, address, priority, weight, m_priority, m_weight, local = line.split("\t")
            found = self.rlocs[line] = Rloc(
                self.address(address),
                int(priority or 1),
                int(weight or 100),
                int(m_priority or 255),
                int(m_weight or 0),
                local=local == "true",
            )
        return found


def parse_vpns(
    data: etree._Element,
) -> tuple[tuple[Registration, ...], dict[int, list[Eid]]]:
    """Registrations in document order, and the configured (not dynamic)
    EIDs per site-id, of the first map-server in ``data``'s document."""
    with collector_paused():
        return _read_lines(str(_flatten()(data)))


def _read_lines(text: str) -> tuple[tuple[Registration, ...], dict[int, list[Eid]]]:
    cache = _Cache()
    registrations: list[Registration] = []
    eids_by_site: dict[int, list[Eid]] = {}
    eid: Eid | None = None
    mapping_last = ""
    pending: list[str] | None = None
    rlocs: list[Rloc] = []

    def flush() -> None:
        if pending is not None and eid is not None:
            registrations.append(_record(pending, eid, tuple(rlocs), cache))

    for line in text.split("\n"):
        kind = line[:1]
        if kind == "L":
            rlocs.append(cache.rloc(line))
        elif kind == "R":
            flush()
            pending, rlocs = line.split("\t"), []
            # A standard server times the mapping, not each xTR's record.
            if len(pending) == 12 and not pending[7]:
                pending[7] = mapping_last
        elif kind == "M":
            flush()
            pending, rlocs = None, []
            _kind, iid, prefix, eid_id, site_id, dynamic, mapping_last = line.split("\t")
            eid = _eid(iid, prefix, eid_id)
            if site_id and dynamic != "true":
                eids_by_site.setdefault(int(site_id), []).append(eid)
    flush()
    return tuple(registrations), eids_by_site


def _eid(iid: str, prefix: str, eid_id: str) -> Eid:
    # The eid-id key is the server's own text: the EID is in eid-address.
    if prefix:
        return eid_from_parts(int(iid or 0), prefix)
    raise ValueError(f"mapping {eid_id!r} lacks eid-address (an IP prefix)")


def _record(fields: list[str], eid: Eid, rlocs: tuple[Rloc, ...], cache: _Cache) -> Registration:
    if len(fields) != 12:
        raise ValueError(f"mapping-record of {eid} is malformed: {fields!r}")
    xtr, site_id, ttl, created, authoritative, site, last, source, port, proxy, want = fields[1:]
    if not (xtr and created and last):
        required = {
            "xtr-id": xtr,
            "creation-time": created,
            "lmr:last-registration-time (nor has its mapping last-registration-time)": last,
        }
        missing = ", ".join(name for name, value in required.items() if not value)
        raise ValueError(f"mapping-record of {eid} lacks {missing}")
    address = cache.address(source) if source else None
    xtr_id = registrant_xtr_id(parse_xtr_key(xtr), address, int(port or 0))
    return Registration(
        eid=eid,
        site=site,
        site_id=int(site_id or 0),
        xtr_id=xtr_id,
        rlocs=rlocs,
        ttl=int(ttl or 0),
        source=address,
        source_port=int(port or 0),
        first_registered=cache.time(created),
        last_registered=cache.time(last),
        proxy_reply=proxy == "true",
        want_map_notify=want == "true",
        authoritative="A" in parse_bits(authoritative),
    )
