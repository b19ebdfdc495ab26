"""A virtual Map-Server's state at IOS-XE's data paths (Cisco's published models).

Only those paths: Cisco-IOS-XE-lisp-oper ms-registrations with
etr-registrations, device-hardware-oper boot-time, ha-oper ha-infra, the
native hostname and the Cisco-IOS-XE-lisp site config. Values are typed as
the models type them (Cisco's afi and iaftype enums, rf-states,
yang:date-and-time, uint TTLs in minutes), and a configured prefix nobody
registered is listed with is-registered false, as IOS-XE is expected to
(unverified; the client must not count it).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from lxml import etree

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.types import Eid
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.ms import (
    MsSite,
    MsUnitInfo,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.registration import (
    Registration,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.times import (
    format_time,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.iosxe.models import (
    AFI_IPV4,
    AFI_IPV6,
    HA,
    HARDWARE,
    IAF_IPV4,
    IAF_IPV6,
    LISP,
    NATIVE,
    OPER,
    q,
)

NC = "urn:ietf:params:xml:ns:netconf:base:1.0"
TOP_ID = 0  # the one LISP router ("router lisp" without a number)


# What device-system-data says of the last reload (the lab's reboots are reloads).
LAST_REBOOT_REASON = "Reload Command"


def _leaf(parent: etree._Element, namespace: str, name: str, text: object) -> etree._Element:
    node = etree.SubElement(parent, q(namespace, name))
    node.text = (
        text
        if isinstance(text, str)
        else str(text).lower()
        if isinstance(text, bool)
        else str(text)
    )
    return node


def render_unit(data: etree._Element, unit: MsUnitInfo, now: datetime) -> None:
    """native/hostname, device-system-data (``now``: its current-time) and
    ha-infra into ``data``."""
    native = data.find(q(NATIVE, "native"))
    if native is None:
        native = etree.SubElement(data, q(NATIVE, "native"), nsmap={None: NATIVE})
    _leaf(native, NATIVE, "hostname", unit.unit_name)
    hw = etree.SubElement(data, q(HARDWARE, "device-hardware-data"), nsmap={None: HARDWARE})
    system = etree.SubElement(
        etree.SubElement(hw, q(HARDWARE, "device-hardware")), q(HARDWARE, "device-system-data")
    )
    _leaf(system, HARDWARE, "current-time", format_time(now))
    _leaf(system, HARDWARE, "boot-time", format_time(unit.boot_time))
    _leaf(system, HARDWARE, "last-reboot-reason", LAST_REBOOT_REASON)
    ha = etree.SubElement(data, q(HA, "ha-oper-data"), nsmap={None: HA})
    infra = etree.SubElement(ha, q(HA, "ha-infra"))
    active = unit.ha_role == "active"
    _leaf(infra, HA, "ha-state", "db-rf-active" if active else "db-rf-standby-hot")
    _leaf(infra, HA, "peer-state", "db-rf-standby-hot" if active else "db-rf-active")
    if unit.switchover_time is not None:
        _leaf(infra, HA, "last-switchover-time", format_time(unit.switchover_time))
    _leaf(infra, HA, "ha-enabled", True)
    _leaf(infra, HA, "has-switchover-occured", unit.switchover_time is not None)


def _afi(eid: Eid) -> tuple[str, str]:
    """(iaftype, afi) of an EID: Cisco's enums, not IANA's numbers."""
    return (IAF_IPV4, AFI_IPV4) if eid.prefix.version == 4 else (IAF_IPV6, AFI_IPV6)


def render_table(
    data: etree._Element,
    records: Iterable[Registration],
    configured: Iterable[MsSite],
) -> None:
    """lisp-state: per instance and AF, ms-registrations with etr-registrations,
    and ms-registered-eids; configured prefixes without a registration too."""
    by_eid: dict[Eid, list[Registration]] = {}
    for record in records:
        by_eid.setdefault(record.eid, []).append(record)
    unregistered = {eid: site.name for site in configured for eid in site.eids if eid not in by_eid}
    afs: dict[tuple[int, str], etree._Element] = {}
    state = etree.SubElement(data, q(OPER, "lisp-state"), nsmap={None: OPER})
    router = etree.SubElement(state, q(OPER, "lisp-routers"))
    _leaf(router, OPER, "top-id", TOP_ID)
    instances: dict[int, etree._Element] = {}
    counts: dict[tuple[int, str], int] = {}

    def af_of(eid: Eid) -> etree._Element:
        iaftype, _unused = _afi(eid)
        key = (eid.instance_id, iaftype)
        if key not in afs:
            instance = instances.get(eid.instance_id)
            if instance is None:
                instance = etree.SubElement(router, q(OPER, "instances"))
                _leaf(instance, OPER, "iid", eid.instance_id)
                instances[eid.instance_id] = instance
            af = etree.SubElement(instance, q(OPER, "af"))
            _leaf(af, OPER, "iaftype", iaftype)
            role = etree.SubElement(af, q(OPER, "role"))
            _leaf(role, OPER, "is-ms", True)
            afs[key] = af
            counts[key] = 0
        return afs[key]

    for eid, regs in by_eid.items():
        af = af_of(eid)
        counts[(eid.instance_id, _afi(eid)[0])] += 1
        latest = max(regs, key=lambda r: r.last_registered)
        entry = _ms_entry(af, eid, latest.site, registered=True)
        if latest.source is not None:  # the lab's own records always have one
            source = etree.SubElement(entry, q(OPER, "last-registration-source"))
            _leaf(source, OPER, "afi", AFI_IPV4 if latest.source.version == 4 else AFI_IPV6)
            _leaf(source, OPER, "address", latest.source)
            _leaf(entry, OPER, "last-registration-source-port", latest.source_port)
        created = [r.first_registered for r in regs if r.first_registered is not None]
        if created:
            _leaf(entry, OPER, "creation-time", format_time(min(created)))
        _leaf(entry, OPER, "last-registration-time", format_time(latest.last_registered))
        _leaf(entry, OPER, "authentication-error", 0)
        _leaf(entry, OPER, "rloc-mismatch-error", 0)
        for reg in regs:
            _etr_registration(entry, reg)
    for eid, site in unregistered.items():
        _ms_entry(af_of(eid), eid, site, registered=False)
    for (iid, iaftype), af in afs.items():
        _leaf(af, OPER, "ms-registered-eids", counts[(iid, iaftype)])


def _ms_entry(af: etree._Element, eid: Eid, site: str, *, registered: bool) -> etree._Element:
    entry = etree.SubElement(af, q(OPER, "ms-registrations"))
    _leaf(entry, OPER, "afi", _afi(eid)[1])
    _leaf(entry, OPER, "prefix", str(eid.prefix))
    _leaf(entry, OPER, "site-name", site)
    _leaf(entry, OPER, "is-registered", registered)
    return entry


def _etr_registration(entry: etree._Element, reg: Registration) -> None:
    etr = etree.SubElement(entry, q(OPER, "etr-registrations"))
    _leaf(etr, OPER, "source-address", reg.source)
    _leaf(etr, OPER, "source-port", reg.source_port)
    _leaf(etr, OPER, "last-registration-time", format_time(reg.last_registered))
    _leaf(etr, OPER, "ttl", reg.ttl)
    _leaf(etr, OPER, "proxy-reply", reg.proxy_reply)
    _leaf(etr, OPER, "wants-map-notify", reg.want_map_notify)
    for rloc in reg.rlocs:
        node = etree.SubElement(etr, q(OPER, "ms-registration-rloc"))
        _leaf(node, OPER, "afi", AFI_IPV4 if rloc.address.version == 4 else AFI_IPV6)
        _leaf(node, OPER, "address", rloc.address)
        params = etree.SubElement(node, q(OPER, "params"))
        _leaf(params, OPER, "priority", rloc.priority)
        _leaf(params, OPER, "weight", rloc.weight)
        _leaf(node, OPER, "state", "lisp-rloc-state-up")
        _leaf(node, OPER, "is-local", False)


def render_sites(data: etree._Element, sites: Iterable[MsSite]) -> None:
    """/native/router/lisp/site[sname]: IID 0 prefixes under eid-record/prefixes,
    the others under eid-record/instance-id-cfg. Keys are not rendered."""
    native = data.find(q(NATIVE, "native"))
    if native is None:
        native = etree.SubElement(data, q(NATIVE, "native"), nsmap={None: NATIVE})
    router = etree.SubElement(native, q(NATIVE, "router"))
    lisp = etree.SubElement(router, q(LISP, "lisp"), nsmap={None: LISP})
    for site in sites:
        node = etree.SubElement(lisp, q(LISP, "site"))
        _leaf(node, LISP, "sname", site.name)
        record = etree.SubElement(node, q(LISP, "eid-record"))
        for eid in site.eids:
            if eid.instance_id == 0:
                prefix = etree.SubElement(record, q(LISP, "prefixes"))
                _leaf(prefix, LISP, "prefix", str(eid.prefix))
            else:
                cfg = etree.SubElement(record, q(LISP, "instance-id-cfg"))
                _leaf(cfg, LISP, "id", eid.instance_id)
                _leaf(cfg, LISP, "prefix", str(eid.prefix))
        if site.site_id:
            _leaf(node, LISP, "site-id", site.site_id)


def data_element() -> etree._Element:
    return etree.Element(q(NC, "data"), nsmap={None: NC})
