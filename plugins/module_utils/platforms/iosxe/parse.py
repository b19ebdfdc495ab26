# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""IOS-XE replies (models.py) as the collection's vendor-neutral values.

The lab renders what this reads (lab/iosxe/render.py); round-trip tests hold
the two together. Parts a filter left out come back empty or None.
"""

from __future__ import annotations

import ipaddress
from datetime import datetime

try:
    from lxml import etree
except ImportError:  # a module reports it missing first (module_utils/libraries.py)
    pass

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.types import (
    Eid,
    IPAddress,
    Rloc,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.ms import (
    MsSite,
    MsSummary,
    MsUnitInfo,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.registration import (
    Registration,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.times import (
    parse_time,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.iosxe.models import (
    AFI_IPV4,
    AFI_IPV6,
    HA,
    HARDWARE,
    LISP,
    NATIVE,
    OPER,
    RF_ACTIVE,
    RF_ALONE,
    RF_STANDBY,
    q,
)

NC = "urn:ietf:params:xml:ns:netconf:base:1.0"
# IOS-XE's MS sites carry no key-id or algorithm (the ETR chooses its hash):
# the EID inventory's values stand; these say "not told".
UNTOLD_KEY_ID = 0
UNTOLD_ALGORITHM = ""


def _top(data: etree._Element, namespace: str, local: str) -> etree._Element | None:
    """A top-level node of <data>, or of the <data> inside an <rpc-reply>."""
    found = data.find(q(namespace, local))
    if found is None:
        found = data.find(f"{q(NC, 'data')}/{q(namespace, local)}")
    return found


def _text(node: etree._Element, *path: str, namespace: str = OPER) -> str | None:
    return node.findtext("/".join(q(namespace, p) for p in path))


def _required(node: etree._Element, *path: str, namespace: str = OPER) -> str:
    text = _text(node, *path, namespace=namespace)
    if text is None:
        raise ValueError(f"{etree.QName(node).localname} lacks {'/'.join(path)}")
    return text


def _bool(text: str | None) -> bool:
    return text == "true"


def _address(afi: str | None, text: str) -> IPAddress:
    address = ipaddress.ip_address(text)
    if afi is not None and afi != {4: AFI_IPV4, 6: AFI_IPV6}[address.version]:
        raise ValueError(f"address {text} is not of afi {afi}")
    return address


def _eid(iid: int, afi: str | None, prefix: str) -> Eid:
    if afi not in (AFI_IPV4, AFI_IPV6):
        raise ValueError(f"EID {prefix}: afi {afi!r} is not {AFI_IPV4} or {AFI_IPV6}")
    network = ipaddress.ip_network(prefix)
    if (network.version == 4) != (afi == AFI_IPV4):
        raise ValueError(f"EID {prefix} is not of afi {afi}")
    return Eid(iid, network)


def _ms_afs(data: etree._Element) -> list[tuple[int, etree._Element]]:
    """(instance-id, af) of every address family of every LISP router."""
    state = _top(data, OPER, "lisp-state")
    if state is None:
        return []
    found: list[tuple[int, etree._Element]] = []
    for router in state.iterfind(q(OPER, "lisp-routers")):
        for instance in router.iterfind(q(OPER, "instances")):
            iid = int(_required(instance, "iid"))
            found.extend((iid, af) for af in instance.iterfind(q(OPER, "af")))
    return found


def _entries(data: etree._Element) -> list[tuple[int, etree._Element]]:
    """(instance-id, ms-registrations entry) of the registered EIDs only: a
    configured but unregistered prefix is listed with is-registered false."""
    return [
        (iid, entry)
        for iid, af in _ms_afs(data)
        for entry in af.iterfind(q(OPER, "ms-registrations"))
        if _text(entry, "is-registered") != "false"
    ]


def _rlocs(etr: etree._Element, with_params: bool) -> tuple[Rloc, ...]:
    rlocs = []
    for rloc in etr.iterfind(q(OPER, "ms-registration-rloc")):
        address = _address(_text(rloc, "afi"), _required(rloc, "address"))
        if with_params:
            priority = int(_text(rloc, "params", "priority") or 1)
            weight = int(_text(rloc, "params", "weight") or 100)
            rlocs.append(Rloc(address, priority=priority, weight=weight))
        else:
            rlocs.append(Rloc(address))
    return tuple(rlocs)


def parse_registrations(data: etree._Element) -> tuple[Registration, ...]:
    """One record per ETR registration (etr-registrations) of each EID."""
    records = []
    for iid, entry in _entries(data):
        eid = _eid(iid, _text(entry, "afi"), _required(entry, "prefix"))
        site = _required(entry, "site-name")
        created = parse_time(_required(entry, "creation-time"))
        for etr in entry.iterfind(q(OPER, "etr-registrations")):
            records.append(
                Registration(
                    eid=eid,
                    site=site,
                    site_id=0,  # not in the table; the site config has it
                    xtr_id=None,  # IOS-XE keys registrations by source, not xTR-ID
                    rlocs=_rlocs(etr, with_params=True),
                    ttl=int(_required(etr, "ttl")),
                    source=ipaddress.ip_address(_required(etr, "source-address")),
                    source_port=int(_required(etr, "source-port")),
                    first_registered=created,
                    last_registered=parse_time(_required(etr, "last-registration-time")),
                    proxy_reply=_bool(_text(etr, "proxy-reply")),
                    want_map_notify=_bool(_text(etr, "wants-map-notify")),
                    authoritative=True,
                )
            )
    return tuple(records)


def parse_registered(data: etree._Element) -> tuple[Registration, ...]:
    """The brief view: per ETR registration (etr-registrations) of each EID,
    its site, registrant (source address and port), RLOC addresses and time."""
    briefs = []
    for iid, entry in _entries(data):
        eid = _eid(iid, _text(entry, "afi"), _required(entry, "prefix"))
        site = _required(entry, "site-name")
        for etr in entry.iterfind(q(OPER, "etr-registrations")):
            briefs.append(
                Registration(
                    eid=eid,
                    site=site,
                    rlocs=_rlocs(etr, with_params=False),
                    last_registered=parse_time(_required(etr, "last-registration-time")),
                    source=ipaddress.ip_address(_required(etr, "source-address")),
                    source_port=int(_required(etr, "source-port")),
                )
            )
    return tuple(briefs)


def ha_role(data: etree._Element) -> str:
    """active or standby from ha-infra's ha-state; a unit without HA serves alone."""
    ha = _top(data, HA, "ha-oper-data")
    infra = None if ha is None else ha.find(q(HA, "ha-infra"))
    state = None if infra is None else _text(infra, "ha-state", namespace=HA)
    if state is None or state in RF_ALONE or state in RF_ACTIVE:
        return "active"
    if state in RF_STANDBY:
        return "standby"
    # initialization, negotiation, ...: not serving yet.
    return "standby"


def switchover_time(data: etree._Element) -> datetime | None:
    """ha-infra's last-switchover-time, when has-switchover-occured (sic) does
    not deny that one happened: an RP that never switched over has no time."""
    ha = _top(data, HA, "ha-oper-data")
    infra = None if ha is None else ha.find(q(HA, "ha-infra"))
    if infra is None or _text(infra, "has-switchover-occured", namespace=HA) == "false":
        return None
    text = _text(infra, "last-switchover-time", namespace=HA)
    return None if text is None else parse_time(text)


def boot_time(data: etree._Element) -> datetime | None:
    hardware = _top(data, HARDWARE, "device-hardware-data")
    if hardware is None:
        return None
    text = _text(hardware, "device-hardware", "device-system-data", "boot-time", namespace=HARDWARE)
    return None if text is None else parse_time(text)


def parse_unit(data: etree._Element, fallback_name: str = "") -> MsUnitInfo | None:
    """The unit of the ``unit_filters`` replies; None without a boot-time."""
    booted = boot_time(data)
    if booted is None:
        return None
    native = _top(data, NATIVE, "native")
    name = None if native is None else _text(native, "hostname", namespace=NATIVE)
    return MsUnitInfo(
        unit_name=name or fallback_name,
        ha_role=ha_role(data),
        service_address=None,  # no Cisco path tells the MS's LISP address
        boot_time=booted,
        reboot_count=0,
        switchover_time=switchover_time(data),
    )


def parse_summary(data: etree._Element) -> MsSummary | None:
    """The registered-EID count over every MS address family."""
    counts = [
        int(text)
        for _name, af in _ms_afs(data)
        if _text(af, "role", "is-ms") != "false"
        for text in [_text(af, "ms-registered-eids")]
        if text is not None
    ]
    if not counts:
        return None
    return MsSummary(
        configured_sites=None,
        registered_sites=None,
        per_af={},
        expected_eids=None,
        registered_eids=sum(counts),
    )


def parse_sites(data: etree._Element) -> tuple[MsSite, ...]:
    """The MS sites of /native/router/lisp (IID 0 prefixes and instance-id-cfg)."""
    native = _top(data, NATIVE, "native")
    lisp = None if native is None else native.find(f"{q(NATIVE, 'router')}/{q(LISP, 'lisp')}")
    if lisp is None:
        return ()
    sites = []
    for site in lisp.iterfind(q(LISP, "site")):
        name = _required(site, "sname", namespace=LISP)
        record = site.find(q(LISP, "eid-record"))
        eids: list[Eid] = []
        if record is not None:
            for prefix in record.iterfind(q(LISP, "prefixes")):
                eids.append(
                    Eid(0, ipaddress.ip_network(_required(prefix, "prefix", namespace=LISP)))
                )
            for cfg in record.iterfind(q(LISP, "instance-id-cfg")):
                eids.append(
                    Eid(
                        int(_required(cfg, "id", namespace=LISP)),
                        ipaddress.ip_network(_required(cfg, "prefix", namespace=LISP)),
                    )
                )
        sites.append(
            MsSite(
                name=name,
                site_id=int(_text(site, "site-id", namespace=LISP) or 0),
                key_id=UNTOLD_KEY_ID,
                algorithm=UNTOLD_ALGORITHM,
                eids=tuple(eids),
            )
        )
    return tuple(sites)
