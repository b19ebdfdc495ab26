# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The NETCONF subtree filters (RFC 6241 section 6) the modules send.

They are returned as XML text, not elements: a module hands them to the
netconf connection plugin through Ansible's JSON socket, which carries
strings only. ``etree.fromstring`` turns one into an element when needed.
Each filter is built to select exactly what the matching parser reads.
"""

from __future__ import annotations

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.ietf.namespaces import (
    ETR,
    LISP,
    LMR,
    MS,
    RT,
    SYS,
)

_UNIT_LEAVES = (
    "unit-name",
    "ha-role",
    "service-address",
    "boot-time",
    "reboot-count",
    "expected-eids",
    "registered-eids",
    "counters",
)


def _lisp(inner: str) -> str:
    return (
        f'<routing xmlns="{RT}"><control-plane-protocols><control-plane-protocol>'
        # The list keys: a reply without them is not valid instance data, and
        # the lisp container's when-condition needs the type; likewise the
        # lisp-role list for the map-server and etr containers' conditions.
        "<type/><name/>"
        f'<lisp xmlns="{LISP}"><lisp-role/>{inner}</lisp>'
        "</control-plane-protocol></control-plane-protocols></routing>"
    )


def _map_server(inner: str) -> str:
    return _lisp(f'<map-server xmlns="{MS}">{inner}</map-server>')


def ms_full_filter() -> str:
    """Everything the Map-Server serves (``parse_ms`` gets a whole snapshot)."""
    return _lisp(f'<map-server xmlns="{MS}"/>')


def ms_registrations_filter() -> str:
    """The registration table and configured EIDs (map-server/vpns).

    ``parse_ms`` then returns registrations only; sites, stored, counters
    are empty and unit is None.
    """
    return _map_server("<vpns/>")


def ms_registered_filter(augment: bool = True) -> str:
    """Only what checking the table needs (``registered``): per registration
    its EID (the instance and the eid-address prefix), site, RLOC addresses,
    last registration time and, with the augment, its source, with the list keys. With the
    lispnet-ms-recovery augment the site name and time are each record's; a
    standard server (``augment`` False) has the record's site-id and the
    mapping's time."""
    rlocs = (
        "<rlocs><locator><locator-id/>"
        "<locator-address><ipv4/><ipv6/></locator-address></locator></rlocs>"
    )
    if augment:
        # The source tells a registration keyed by it (no xTR-ID: a
        # controller's bridge) from an ETR's (bridge hand-back).
        record = (
            f'<xtr-id/>{rlocs}<site-name xmlns="{LMR}"/><last-registration-time xmlns="{LMR}"/>'
            f'<registration-source xmlns="{LMR}"/><registration-source-port xmlns="{LMR}"/>'
        )
        mapping_time = ""
    else:
        record = f"<xtr-id/><site-id/>{rlocs}"
        mapping_time = "<last-registration-time/>"
    return _map_server(
        "<vpns><vpn><instance-id/><mappings><mapping><eid-id/>"
        f"<eid-address><ipv4-prefix/><ipv6-prefix/></eid-address>{mapping_time}"
        f"<mapping-records><mapping-record>{record}</mapping-record></mapping-records>"
        "</mapping></mappings></vpn></vpns>"
    )


def ms_unit_filter() -> str:
    """Unit info, counters and summary: cheap, for polling during a reboot.

    Read with ``parse_ms`` (unit, counters) and ``parse_ms_summary``.
    """
    leaves = "".join(f"<{name}/>" for name in _UNIT_LEAVES)
    return _map_server(f'<summary/><ms-recovery xmlns="{LMR}">{leaves}</ms-recovery>')


def standard_summary_filter() -> str:
    """A standard server's map-server summary (no augment leaves)."""
    return _map_server("<summary/>")


def system_clock_filter() -> str:
    """RFC 7317 ietf-system's clock: boot-datetime tells a reboot. (A filter
    has one root for ncclient, so the hostname is another read.)"""
    return f'<system-state xmlns="{SYS}"><clock/></system-state>'


def system_hostname_filter() -> str:
    return f'<system xmlns="{SYS}"><hostname/></system>'


def ms_stored_sites_filter() -> str:
    """The prestored basic routing info of every site (``parse_ms(...).stored``)."""
    return _map_server(f'<ms-recovery xmlns="{LMR}"><stored-sites/></ms-recovery>')


def etr_filter() -> str:
    """Everything an ETR serves (``parse_etr``), with the LISP instance's
    locator sets its local EIDs refer to."""
    return _lisp(f'<locator-sets/><etr xmlns="{ETR}"/>')
