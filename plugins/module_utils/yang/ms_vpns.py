# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The registration table (map-server/vpns), rendered and parsed in bulk.

This subtree holds ~35 elements per registration, so 50,000 registrations
are ~2 million nodes. Creating or visiting them one Python proxy at a time
costs several seconds; instead the text is rendered with string templates
and handed to libxml2 in one call, and parsing runs an XSLT (in C) that
flattens the subtree to tab-separated lines which Python splits. Every
value placed in the text is either generated here (numbers, addresses,
times) or XML-escaped (names), and names never contain whitespace (the
YANG name-type), so the tab-separated form is unambiguous.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Iterator
from datetime import datetime
from xml.sax.saxutils import escape

from lxml import etree

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.gc_pause import (
    collector_paused,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.types import (
    Eid,
    IPAddress,
    Rloc,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.yang.ms_state import (
    ConfiguredSite,
    RegistrationFields,
    RegistrationRecord,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.yang.namespaces import (
    LMR,
    MS,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.yang.values import (
    eid_from_parts,
    format_time,
    format_xtr_key,
    parse_time,
    parse_xtr_key,
)

_AF = {4: ("ipv4-prefix", "ipv4-prefix"), 6: ("ipv6-prefix", "ipv6-prefix")}

# Flags default to false in the YANG module, so only true is written.
_PROXY = "<lmr:proxy-reply>true</lmr:proxy-reply>"
_WANT = "<lmr:want-map-notify>true</lmr:want-map-notify>"

Groups = dict[int, dict[Eid, tuple[int | None, list[RegistrationFields]]]]


def group_by_eid(
    sites: Iterable[ConfiguredSite], registrations: Iterable[RegistrationFields]
) -> Groups:
    """instance-id -> EID -> (configured site-id or None, registrations).

    Dicts keep first-appearance order, which becomes the document order:
    configured EIDs first, in site order, then EIDs only registered.
    """
    vpns: Groups = {}
    for site in sites:
        for eid in site.eids:
            vpns.setdefault(eid.instance_id, {}).setdefault(eid, (site.site_id, []))
    for reg in registrations:
        mappings = vpns.setdefault(reg.eid.instance_id, {})
        entry = mappings.get(reg.eid)
        if entry is None:
            entry = mappings[reg.eid] = (None, [])
        entry[1].append(reg)
    return vpns


class _Texts:
    """Memoised text of values a table repeats: RLOC sets, times, names."""

    def __init__(self) -> None:
        self.rlocs: dict[tuple[Rloc, ...], str] = {}
        self.locators: dict[tuple[Rloc, ...], str] = {}
        self.times: dict[datetime, str] = {}
        self.names: dict[str, str] = {}

    def rloc_set(self, rlocs: tuple[Rloc, ...]) -> str:
        text = self.rlocs.get(rlocs)
        if text is None:
            parts = []
            for r in rlocs:
                a = str(r.address)
                parts.append(
                    f"<locator><locator-id>{a}</locator-id><locator-address>{a}</locator-address>"
                )
                # Leaves at their YANG default are left out (RFC 6243 "trim").
                if r.priority != 1:
                    parts.append(f"<priority>{r.priority}</priority>")
                if r.weight != 100:
                    parts.append(f"<weight>{r.weight}</weight>")
                if r.m_priority != 255:
                    parts.append(f"<multicast-priority>{r.m_priority}</multicast-priority>")
                if r.m_weight != 0:
                    parts.append(f"<multicast-weight>{r.m_weight}</multicast-weight>")
                parts.append("</locator>")
            text = self.rlocs[rlocs] = "".join(parts)
        return text

    def locator_ids(self, rlocs: tuple[Rloc, ...]) -> str:
        text = self.locators.get(rlocs)
        if text is None:
            text = self.locators[rlocs] = "".join(
                f"<locator><locator-id>{r.address}</locator-id>"
                f"<locator-address>{r.address}</locator-address></locator>"
                for r in rlocs
            )
        return text

    def time(self, value: datetime) -> str:
        text = self.times.get(value)
        if text is None:
            text = self.times[value] = format_time(value)
        return text

    def name(self, value: str) -> str:
        text = self.names.get(value)
        if text is None:
            text = self.names[value] = escape(value)
        return text


def _full_record(r: RegistrationFields, address: str, texts: _Texts) -> str:
    return (
        f"<mapping-record><xtr-id>{format_xtr_key(r.xtr_id, r.source)}</xtr-id>"
        f"<site-id>{r.site_id}</site-id><eid>{address}</eid>"
        f"<time-to-live>{r.ttl}</time-to-live>"
        f"<creation-time>{texts.time(r.first_registered)}</creation-time>"
        f"<authoritative>{'true' if r.authoritative else 'false'}</authoritative>"
        f"<rlocs>{texts.rloc_set(r.rlocs)}</rlocs>"
        f"<lmr:site-name>{texts.name(r.site)}</lmr:site-name>"
        f"<lmr:last-registration-time>{texts.time(r.last_registered)}"
        f"</lmr:last-registration-time>"
        f"<lmr:registration-source>{r.source}</lmr:registration-source>"
        f"<lmr:registration-source-port>{r.source_port}"
        f"</lmr:registration-source-port>"
        f"{_PROXY if r.proxy_reply else ''}{_WANT if r.want_map_notify else ''}"
        "</mapping-record>"
    )


def _brief_record(r: RegistrationFields, address: str, texts: _Texts) -> str:
    # What filters.ms_registered_filter selects of _full_record, in its order.
    return (
        f"<mapping-record><xtr-id>{format_xtr_key(r.xtr_id, r.source)}</xtr-id>"
        f"<rlocs>{texts.locator_ids(r.rlocs)}</rlocs>"
        f"<lmr:site-name>{texts.name(r.site)}</lmr:site-name>"
        f"<lmr:last-registration-time>{texts.time(r.last_registered)}"
        "</lmr:last-registration-time></mapping-record>"
    )


_STRINGS_PER_PIECE = 4096


def render_vpns(groups: Groups) -> etree._Element:
    """The <vpns> element of ietf-lisp-mapserver for the grouped table."""
    return etree.fromstring("".join(vpns_pieces(groups)).encode(), parser=_PARSER)


def vpns_pieces(groups: Groups, *, brief: bool = False) -> Iterator[str]:
    """``render_vpns`` as XML text declaring its own namespaces, in pieces of
    some hundred kB, so a server can send the first while it renders the rest.

    ``brief``: exactly what ``filters.ms_registered_filter`` selects of it, so
    a server can answer that filter without rendering the whole table first.
    """
    texts = _Texts()
    record = _brief_record if brief else _full_record
    out: list[str] = [f'<vpns xmlns="{MS}" xmlns:lmr="{LMR}">']
    add = out.append
    for iid, mappings in groups.items():
        add(f"<vpn><instance-id>{iid}</instance-id><mappings>")
        for eid, (configured_site_id, regs) in mappings.items():
            prefix = str(eid.prefix)
            af, tag = _AF[eid.prefix.version]
            address = f"<address-type>{af}</address-type><{tag}>{prefix}</{tag}>"
            add(f"<mapping><eid-id>[{iid}]{prefix}</eid-id>")
            if not brief:
                site_id = configured_site_id if configured_site_id is not None else regs[0].site_id
                add(f"<eid-address>{address}</eid-address><site-id>{site_id}</site-id>")
                if configured_site_id is None:
                    add("<lmr:dynamic>true</lmr:dynamic>")
                if regs:
                    first = texts.time(min(r.first_registered for r in regs))
                    last = texts.time(max(r.last_registered for r in regs))
                    add(
                        f"<first-registration-time>{first}</first-registration-time>"
                        f"<last-registration-time>{last}</last-registration-time>"
                    )
            if regs:
                add("<mapping-records>")
                for r in regs:
                    add(record(r, address, texts))
                add("</mapping-records>")
            add("</mapping>")
            if len(out) >= _STRINGS_PER_PIECE:
                yield "".join(out)
                out.clear()
        add("</mappings></vpn>")
    add("</vpns>")
    yield "".join(out)


# huge_tree: a full table is tens of MB, beyond libxml2's default safety limits.
_PARSER = etree.XMLParser(huge_tree=True, remove_blank_text=False)

# One line per mapping (M), per mapping-record (R) and per locator (L), in
# document order. A leaf the filter left out becomes an empty field.
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
        <xsl:value-of select="concat('M&#9;', $iid, '&#9;',
            ms:eid-address/ms:ipv4-prefix, ms:eid-address/ms:ipv6-prefix, '&#9;',
            ms:eid-id, '&#9;', ms:site-id, '&#9;', lmr:dynamic, '&#10;')"/>
        <xsl:for-each select="ms:mapping-records/ms:mapping-record">
          <xsl:value-of select="concat('R&#9;', ms:xtr-id, '&#9;', ms:site-id, '&#9;',
              ms:time-to-live, '&#9;', ms:creation-time, '&#9;', ms:authoritative, '&#9;',
              lmr:site-name, '&#9;', lmr:last-registration-time, '&#9;',
              lmr:registration-source, '&#9;', lmr:registration-source-port, '&#9;',
              lmr:proxy-reply, '&#9;', lmr:want-map-notify, '&#10;')"/>
          <xsl:for-each select="ms:rlocs/ms:locator">
            <xsl:value-of select="concat('L&#9;', ms:locator-address, '&#9;', ms:priority,
                '&#9;', ms:weight, '&#9;', ms:multicast-priority, '&#9;',
                ms:multicast-weight, '&#10;')"/>
          </xsl:for-each>
        </xsl:for-each>
      </xsl:for-each>
    </xsl:for-each>
  </xsl:template>
</xsl:stylesheet>
"""
    )
)


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
            _, address, priority, weight, m_priority, m_weight = line.split("\t")
            found = self.rlocs[line] = Rloc(
                self.address(address),
                int(priority or 1),
                int(weight or 100),
                int(m_priority or 255),
                int(m_weight or 0),
            )
        return found


def parse_vpns(
    data: etree._Element,
) -> tuple[tuple[RegistrationRecord, ...], dict[int, list[Eid]]]:
    """Registrations in document order, and the configured (not dynamic)
    EIDs per site-id, of the first map-server in ``data``'s document."""
    with collector_paused():
        return _read_lines(str(_FLATTEN(data)))


def _read_lines(text: str) -> tuple[tuple[RegistrationRecord, ...], dict[int, list[Eid]]]:
    cache = _Cache()
    registrations: list[RegistrationRecord] = []
    eids_by_site: dict[int, list[Eid]] = {}
    eid: Eid | None = None
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
        elif kind == "M":
            flush()
            pending, rlocs = None, []
            _, iid, prefix, eid_id, site_id, dynamic = line.split("\t")
            eid = _eid(iid, prefix, eid_id)
            if site_id and dynamic != "true":
                eids_by_site.setdefault(int(site_id), []).append(eid)
    flush()
    return tuple(registrations), eids_by_site


def _eid(iid: str, prefix: str, eid_id: str) -> Eid:
    if prefix:
        return eid_from_parts(int(iid or 0), prefix)
    if eid_id:
        # A filter may select eid-id alone; it carries the same prefix.
        return Eid.parse(eid_id)
    raise ValueError("mapping without eid-address or eid-id")


def _record(
    fields: list[str], eid: Eid, rlocs: tuple[Rloc, ...], cache: _Cache
) -> RegistrationRecord:
    if len(fields) != 12:
        raise ValueError(f"mapping-record of {eid} is malformed: {fields!r}")
    _, xtr, site_id, ttl, created, authoritative, site, last, source, port, proxy, want = fields
    if not (xtr and created and last and source):
        required = {
            "xtr-id": xtr,
            "creation-time": created,
            "lmr:last-registration-time": last,
            "lmr:registration-source": source,
        }
        missing = ", ".join(name for name, value in required.items() if not value)
        raise ValueError(f"mapping-record of {eid} lacks {missing}")
    return RegistrationRecord(
        eid=eid,
        site=site,
        site_id=int(site_id or 0),
        xtr_id=parse_xtr_key(xtr),
        rlocs=rlocs,
        ttl=int(ttl or 0),
        source=cache.address(source),
        source_port=int(port or 0),
        first_registered=cache.time(created),
        last_registered=cache.time(last),
        proxy_reply=proxy == "true",
        want_map_notify=want == "true",
        authoritative=authoritative == "true",
    )
