# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The registration table (map-server/vpns), rendered in bulk.

This subtree holds ~35 elements per registration, so 50,000 registrations
are ~2 million nodes. Creating them one Python proxy at a time costs
several seconds; instead the text is rendered with string templates. Every
value placed in the text is either generated here (numbers, addresses,
times) or XML-escaped (names). platforms/ietf/vpns_parse.py reads it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from xml.sax.saxutils import escape

from lxml import etree

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.types import (
    Eid,
    Rloc,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.ms import (
    MsSite,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.registration import (
    Registration,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.times import (
    format_time,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.ietf.namespaces import (
    LADDR,
    LMR,
    MS,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.ietf.values import (
    format_xtr_key,
    locator_key,
    mapping_key,
)

# ietf-lisp-address-types: per IP version, the family identity of a prefix
# and of an address, each with the leaf that holds it.
_PREFIX_AF = {
    4: ("laddr:ipv4-prefix-afi", "ipv4-prefix"),
    6: ("laddr:ipv6-prefix-afi", "ipv6-prefix"),
}
_ADDRESS_AF = {4: ("laddr:ipv4-afi", "ipv4"), 6: ("laddr:ipv6-afi", "ipv6")}

# Flags default to false in the YANG module, so only true is written.
_PROXY = "<lmr:proxy-reply>true</lmr:proxy-reply>"
_AUTHORITATIVE = "<authoritative>A</authoritative>"
_WANT = "<lmr:want-map-notify>true</lmr:want-map-notify>"

Groups = dict[int, dict[Eid, tuple[int | None, list[Registration]]]]


def group_by_eid(sites: Iterable[MsSite], registrations: Iterable[Registration]) -> Groups:
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
                af, tag = _ADDRESS_AF[r.address.version]
                parts.append(
                    f"<locator><locator-id>{locator_key(r.address)}</locator-id>"
                    f"<locator-address><address-type>{af}</address-type>"
                    f"<{tag}>{r.address}</{tag}></locator-address>"
                    # The draft gives these no default: always written.
                    f"<priority>{r.priority}</priority><weight>{r.weight}</weight>"
                    f"<multicast-priority>{r.m_priority}</multicast-priority>"
                    f"<multicast-weight>{r.m_weight}</multicast-weight>"
                )
                if r.local:
                    parts.append("<lmr:local>true</lmr:local>")
                parts.append("</locator>")
            text = self.rlocs[rlocs] = "".join(parts)
        return text

    def locator_ids(self, rlocs: tuple[Rloc, ...]) -> str:
        text = self.locators.get(rlocs)
        if text is None:
            text = self.locators[rlocs] = "".join(
                f"<locator><locator-id>{locator_key(r.address)}</locator-id><locator-address>"
                f"<{_ADDRESS_AF[r.address.version][1]}>{r.address}"
                f"</{_ADDRESS_AF[r.address.version][1]}></locator-address></locator>"
                for r in rlocs
            )
        return text

    def time(self, value: datetime) -> str:
        text = self.times.get(value)
        if text is None:
            text = self.times[value] = format_time(value)
        return text

    def leaf(self, tag: str, value: datetime | None) -> str:
        """A time leaf, left out when the value does not hold it."""
        return "" if value is None else f"<{tag}>{self.time(value)}</{tag}>"

    def name(self, value: str) -> str:
        text = self.names.get(value)
        if text is None:
            text = self.names[value] = escape(value)
        return text


def _full_record(r: Registration, address: str, texts: _Texts) -> str:
    return (
        f"<mapping-record><xtr-id>{format_xtr_key(r.xtr_id, r.source, r.source_port)}</xtr-id>"
        f"<site-id>{r.site_id}</site-id><eid>{address}</eid>"
        f"<time-to-live>{r.ttl}</time-to-live>"
        f"{texts.leaf('creation-time', r.first_registered)}"
        # bits {A}: the set bit's name; left out when clear (no default).
        f"{_AUTHORITATIVE if r.authoritative else ''}"
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


def _brief_record(r: Registration, address: str, texts: _Texts) -> str:
    # What filters.ms_registered_filter selects of _full_record, in its order.
    return (
        f"<mapping-record><xtr-id>{format_xtr_key(r.xtr_id, r.source, r.source_port)}</xtr-id>"
        f"<rlocs>{texts.locator_ids(r.rlocs)}</rlocs>"
        f"<lmr:site-name>{texts.name(r.site)}</lmr:site-name>"
        f"<lmr:last-registration-time>{texts.time(r.last_registered)}"
        "</lmr:last-registration-time>"
        f"<lmr:registration-source>{r.source}</lmr:registration-source>"
        f"<lmr:registration-source-port>{r.source_port}</lmr:registration-source-port>"
        "</mapping-record>"
    )


_STRINGS_PER_PIECE = 4096


def render_vpns(groups: Groups, since: datetime | None = None) -> etree._Element:
    """The <vpns> element of ietf-lisp-mapserver for the grouped table;
    ``since``: when the counters started (the unit's boot), None for none."""
    return etree.fromstring("".join(vpns_pieces(groups, since)).encode(), parser=_PARSER)


def vpns_pieces(
    groups: Groups, since: datetime | None = None, *, brief: bool = False
) -> Iterator[str]:
    """``render_vpns`` as XML text declaring its own namespaces, in pieces of
    some hundred kB, so a server can send the first while it renders the rest.

    ``brief``: exactly what ``filters.ms_registered_filter`` selects of it, so
    a server can answer that filter without rendering the whole table first.
    """
    texts = _Texts()
    record = _brief_record if brief else _full_record
    out: list[str] = [f'<vpns xmlns="{MS}" xmlns:laddr="{LADDR}" xmlns:lmr="{LMR}">']
    add = out.append
    for iid, mappings in groups.items():
        add(f"<vpn><instance-id>{iid}</instance-id><mappings>")
        for eid, (configured_site_id, regs) in mappings.items():
            prefix = str(eid.prefix)
            af, tag = _PREFIX_AF[eid.prefix.version]
            address = f"<address-type>{af}</address-type><{tag}>{prefix}</{tag}>"
            add(f"<mapping><eid-id>{mapping_key(eid)}</eid-id>")
            if brief:
                add(f"<eid-address><{tag}>{prefix}</{tag}></eid-address>")
            else:
                site_id = configured_site_id if configured_site_id is not None else regs[0].site_id
                add(f"<eid-address>{address}</eid-address><site-id>{site_id}</site-id>")
                if configured_site_id is None:
                    add("<lmr:dynamic>true</lmr:dynamic>")
                if regs:
                    first = min(
                        (r.first_registered for r in regs if r.first_registered), default=None
                    )
                    last = max(r.last_registered for r in regs)
                    add(texts.leaf("first-registration-time", first))
                    add(texts.leaf("last-registration-time", last))
            if regs:
                add("<mapping-records>")
                for r in regs:
                    add(record(r, address, texts))
                add("</mapping-records>")
            add("</mapping>")
            if len(out) >= _STRINGS_PER_PIECE:
                yield "".join(out)
                out.clear()
        add("</mappings>")
        if since is not None and not brief:
            # The draft's per-VPN counters: the lab counts per Map-Server only,
            # so only since when (a mandatory leaf of the draft's container).
            add(
                f"<counters><discontinuity-time>{texts.time(since)}</discontinuity-time></counters>"
            )
        add("</vpn>")
    add("</vpns>")
    yield "".join(out)


# huge_tree: a full table is tens of MB, beyond libxml2's default safety limits.
_PARSER = etree.XMLParser(huge_tree=True, remove_blank_text=False)
