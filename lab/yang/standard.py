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
    LISP,
    LMR,
    MS,
    RT,
    SYS,
    q,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.ietf.tree import leaf

# The current draft-ietf-lisp-yang revisions (YangModels/yang
# experimental/ietf-extracted-YANG-modules) and RFC 7317's ietf-system.
DRAFT_REVISION = "2021-02-22"
STANDARD_MODULES: tuple[tuple[str, str, str], ...] = (
    ("ietf-lisp", LISP, DRAFT_REVISION),
    ("ietf-lisp-mapserver", MS, DRAFT_REVISION),
    ("ietf-lisp-etr", ETR, DRAFT_REVISION),
    ("ietf-routing", RT, "2018-03-13"),
    ("ietf-system", SYS, "2014-08-06"),
    ("ietf-inet-types", "urn:ietf:params:xml:ns:yang:ietf-inet-types", "2013-07-15"),
    ("ietf-yang-types", "urn:ietf:params:xml:ns:yang:ietf-yang-types", "2013-07-15"),
)


def standard_capabilities() -> list[str]:
    return [f"{ns}?module={name}&revision={rev}" for name, ns, rev in STANDARD_MODULES]


def without_augment(data: etree._Element) -> etree._Element:
    """``data`` with every lispnet-ms-recovery element removed (in place)."""
    for elem in data.xpath("//*[namespace-uri() = $ns]", ns=LMR):
        parent = elem.getparent()
        if parent is not None:
            parent.remove(elem)
    etree.cleanup_namespaces(data)
    return data


def add_system(data: etree._Element, hostname: str, boot: datetime) -> etree._Element:
    """ietf-system's hostname (config) and clock (state) under <data>."""
    system = etree.SubElement(data, q(SYS, "system"), nsmap={None: SYS})
    leaf(system, q(SYS, "hostname"), hostname)
    state = etree.SubElement(data, q(SYS, "system-state"), nsmap={None: SYS})
    clock = etree.SubElement(state, q(SYS, "clock"))
    leaf(clock, q(SYS, "current-datetime"), format_time(datetime.now(UTC)))
    leaf(clock, q(SYS, "boot-datetime"), format_time(boot))
    return data
