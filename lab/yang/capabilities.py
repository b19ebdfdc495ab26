# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The YANG module capabilities the virtual routers announce in their hello."""

from __future__ import annotations

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.ietf.namespaces import (
    ETR,
    LADDR,
    LISP,
    LMR,
    MS,
    RT,
)

# (module, namespace, revision) of what the servers implement; the revision
# must equal the one in yang/<module>.yang.
PROJECT_REVISION = "2026-12-04"
MODULES: tuple[tuple[str, str, str], ...] = (
    ("ietf-lisp", LISP, PROJECT_REVISION),
    ("ietf-lisp-mapserver", MS, PROJECT_REVISION),
    ("ietf-lisp-etr", ETR, PROJECT_REVISION),
    ("lispnet-ms-recovery", LMR, PROJECT_REVISION),
    ("ietf-lisp-address-types", LADDR, PROJECT_REVISION),
    ("ietf-routing", RT, "2018-03-13"),
    ("ietf-interfaces", "urn:ietf:params:xml:ns:yang:ietf-interfaces", "2018-02-20"),
    ("ietf-inet-types", "urn:ietf:params:xml:ns:yang:ietf-inet-types", "2013-07-15"),
    ("ietf-yang-types", "urn:ietf:params:xml:ns:yang:ietf-yang-types", "2013-07-15"),
    ("ietf-netconf-acm", "urn:ietf:params:xml:ns:yang:ietf-netconf-acm", "2018-02-14"),
)


def capabilities() -> list[str]:
    """RFC 6020 section 5.6.4 URIs. They contain '&': a server writing its
    hello as text must escape it as '&amp;' (lxml does when it serialises)."""
    return [f"{ns}?module={name}&revision={rev}" for name, ns, rev in MODULES]
