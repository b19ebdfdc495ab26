"""What a standard IETF server serves of the virtual routers' state: the IETF
LISP modules at the draft's revisions and RFC 7317 ietf-system, without the
project's lispnet-ms-recovery augment (lab ``--platform ietf``).

The view is the lispnet rendering with every augment node removed, plus
ietf-system's hostname and clock, so that the two modes cannot disagree about
the IETF part; a standard server is never kinder than that.
"""

from __future__ import annotations

from datetime import UTC, datetime

from lxml import etree

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.times import format_time
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.ietf.namespaces import (
    ETR,
    LADDR,
    LISP,
    LMR,
    MS,
    NI,
    RT,
    SYS,
    T,
    q,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.ietf.tree import leaf

# The newest draft-ietf-lisp-yang module revisions (YangModels/yang
# experimental/ietf-extracted-YANG-modules, 2024-10-20), what they import, and
# RFC 7317's ietf-system.
DRAFT_REVISION = "2024-10-20"
STANDARD_MODULES: tuple[tuple[str, str, str], ...] = (
    ("ietf-lisp", LISP, DRAFT_REVISION),
    ("ietf-lisp-mapserver", MS, DRAFT_REVISION),
    ("ietf-lisp-etr", ETR, DRAFT_REVISION),
    ("ietf-lisp-address-types", LADDR, DRAFT_REVISION),
    ("ietf-routing", RT, "2018-03-13"),
    ("ietf-interfaces", "urn:ietf:params:xml:ns:yang:ietf-interfaces", "2018-02-20"),
    ("ietf-network-instance", NI, "2019-01-21"),
    ("ietf-system", SYS, "2014-08-06"),
    ("ietf-inet-types", "urn:ietf:params:xml:ns:yang:ietf-inet-types", "2013-07-15"),
    ("ietf-yang-types", "urn:ietf:params:xml:ns:yang:ietf-yang-types", "2013-07-15"),
)


_VALUE_PREFIXES = frozenset({"rt", "lisp", "lisp-ms", "lisp-etr", "laddr"})


def standard_capabilities() -> list[str]:
    return [f"{ns}?module={name}&revision={rev}" for name, ns, rev in STANDARD_MODULES]


def without_augment(data: etree._Element) -> etree._Element:
    """``data`` with every lispnet-ms-recovery element removed (in place)."""
    for elem in data.xpath("//*[namespace-uri() = $ns]", ns=LMR):
        parent = elem.getparent()
        if parent is not None:
            parent.remove(elem)
    # Prefixes that identityref values use (lisp:lisp, lisp-ms:ms,
    # laddr:ipv4-afi) are declarations no element name needs: kept.
    etree.cleanup_namespaces(data, keep_ns_prefixes=sorted(_VALUE_PREFIXES))
    return data


def standard_ms_view(data: etree._Element, hostname: str, boot: datetime) -> etree._Element:
    """A Map-Server's rendering (``render_ms``) as a standard server serves it."""
    return add_system(without_augment(data), hostname, boot)


def standard_etr_view(data: etree._Element, hostname: str, boot: datetime) -> etree._Element:
    """An ETR's rendering (``render_etr``) as a standard server serves it: the
    draft's local-eids VPN refers to the LISP instance's VPN, which binds a
    network instance (RFC 8529)."""
    return add_system(_add_vpn_binding(without_augment(data)), hostname, boot)


def _add_vpn_binding(data: etree._Element) -> etree._Element:
    """ietf-lisp's lisp/vpns/vpn for every instance-id the ETR's local-eids use,
    each bound to a network instance of its own (a VRF)."""
    names: list[str] = []
    for lisp in data.iter(T.lisp):
        iids = [v.findtext(T.e_instance_id) or "0" for v in lisp.iterfind(_LOCAL_VPNS)]
        if not iids:
            continue
        vpns = etree.Element(T.lisp_vpns)
        for iid in iids:
            vpn = etree.SubElement(vpns, T.lisp_vpn)
            leaf(vpn, T.lisp_instance_id, iid)
            leaf(vpn, T.iid_name, _vrf_name(iid))
            names.append(_vrf_name(iid))
        # After lisp-role, as the draft orders the lisp container's nodes.
        role = lisp.find(T.lisp_role)
        lisp.insert(0 if role is None else lisp.index(role) + 1, vpns)
    if names:
        instances = etree.SubElement(data, q(NI, "network-instances"), nsmap={None: NI})
        for name in dict.fromkeys(names):
            instance = etree.SubElement(instances, q(NI, "network-instance"))
            leaf(instance, q(NI, "name"), name)
            etree.SubElement(instance, q(NI, "vrf-root"))
    return data


def _vrf_name(instance_id: str) -> str:
    return f"lisp-iid-{instance_id}"


_LOCAL_VPNS = f"{T.etr}/{T.local_eids}/{T.e_vpn}"


def add_system(data: etree._Element, hostname: str, boot: datetime) -> etree._Element:
    """ietf-system's hostname (config) and clock (state) under <data>."""
    system = etree.SubElement(data, q(SYS, "system"), nsmap={None: SYS})
    leaf(system, q(SYS, "hostname"), hostname)
    state = etree.SubElement(data, q(SYS, "system-state"), nsmap={None: SYS})
    clock = etree.SubElement(state, q(SYS, "clock"))
    leaf(clock, q(SYS, "current-datetime"), format_time(datetime.now(UTC)))
    leaf(clock, q(SYS, "boot-datetime"), format_time(boot))
    return data
