# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""XML namespaces, module revisions and precomputed Clark names.

Tag names are built once here because rendering and parsing 50,000
registrations spends most of its time on element names otherwise.
"""

from __future__ import annotations

NC = "urn:ietf:params:xml:ns:netconf:base:1.0"
NOTIF = "urn:ietf:params:xml:ns:netconf:notification:1.0"
RT = "urn:ietf:params:xml:ns:yang:ietf-routing"
LISP = "urn:ietf:params:xml:ns:yang:ietf-lisp"
MS = "urn:ietf:params:xml:ns:yang:ietf-lisp-mapserver"
ETR = "urn:ietf:params:xml:ns:yang:ietf-lisp-etr"
LADDR = "urn:ietf:params:xml:ns:yang:ietf-lisp-address-types"
LMR = "urn:lispnet:params:xml:ns:yang:lispnet-ms-recovery"
SYS = "urn:ietf:params:xml:ns:yang:ietf-system"
NI = "urn:ietf:params:xml:ns:yang:ietf-network-instance"

# Prefixes used when rendering; any prefix is valid XML, these keep the
# documents short and readable.
NSMAP: dict[str | None, str] = {
    None: NC,
    "rt": RT,
    "lisp": LISP,
    "lisp-ms": MS,
    "lisp-etr": ETR,
    "laddr": LADDR,
    "lmr": LMR,
}

LISP_PROTOCOL_TYPE = "lisp:lisp"
# lisp-role-type values (identityref, with the prefixes of NSMAP).
MS_ROLE = "lisp-ms:ms"
ETR_ROLE = "lisp:etr"
DEFAULT_PROTOCOL_NAME = "lisp"


def q(ns: str, name: str) -> str:
    return f"{{{ns}}}{name}"


class T:
    """Clark names of every element the project renders or parses."""

    data = q(NC, "data")
    rpc = q(NC, "rpc")
    rpc_reply = q(NC, "rpc-reply")
    notification = q(NOTIF, "notification")
    event_time = q(NOTIF, "eventTime")

    routing = q(RT, "routing")
    cpps = q(RT, "control-plane-protocols")
    cpp = q(RT, "control-plane-protocol")
    rt_type = q(RT, "type")
    rt_name = q(RT, "name")
    lisp = q(LISP, "lisp")
    lisp_role = q(LISP, "lisp-role")
    lisp_vpns = q(LISP, "vpns")
    lisp_vpn = q(LISP, "vpn")
    lisp_instance_id = q(LISP, "instance-id")
    iid_name = q(LISP, "iid-name")
    lisp_role_type = q(LISP, "lisp-role-type")
    locator_sets = q(LISP, "locator-sets")
    locator_set = q(LISP, "locator-set")
    locator_set_name = q(LISP, "locator-set-name")
    l_locator = q(LISP, "locator")
    l_locator_id = q(LISP, "locator-id")
    l_locator_address = q(LISP, "locator-address")
    l_address_type = q(LISP, "address-type")
    l_ipv4 = q(LISP, "ipv4")
    l_ipv6 = q(LISP, "ipv6")
    l_priority = q(LISP, "priority")
    l_weight = q(LISP, "weight")
    l_m_priority = q(LISP, "multicast-priority")
    l_m_weight = q(LISP, "multicast-weight")

    # ietf-lisp-mapserver
    map_server = q(MS, "map-server")
    sites = q(MS, "sites")
    site = q(MS, "site")
    site_id = q(MS, "site-id")
    auth_keys = q(MS, "authentication-keys")
    auth_key = q(MS, "authentication-key")
    auth_key_id = q(MS, "auth-key-id")
    auth_algorithm_id = q(MS, "auth-algorithm-id")
    vpns = q(MS, "vpns")
    vpn = q(MS, "vpn")
    instance_id = q(MS, "instance-id")
    mappings = q(MS, "mappings")
    mapping = q(MS, "mapping")
    eid_id = q(MS, "eid-id")
    eid_address = q(MS, "eid-address")
    address_type = q(MS, "address-type")
    ipv4_prefix = q(MS, "ipv4-prefix")
    ipv6_prefix = q(MS, "ipv6-prefix")
    ipv4 = q(MS, "ipv4")
    ipv6 = q(MS, "ipv6")
    more_specifics = q(MS, "more-specifics-accepted")
    expiration = q(MS, "mapping-expiration-timeout")
    first_reg = q(MS, "first-registration-time")
    last_reg = q(MS, "last-registration-time")
    records = q(MS, "mapping-records")
    record = q(MS, "mapping-record")
    xtr_id = q(MS, "xtr-id")
    eid = q(MS, "eid")
    ttl = q(MS, "time-to-live")
    creation = q(MS, "creation-time")
    authoritative = q(MS, "authoritative")
    rlocs = q(MS, "rlocs")
    locator = q(MS, "locator")
    locator_id = q(MS, "locator-id")
    locator_address = q(MS, "locator-address")
    priority = q(MS, "priority")
    weight = q(MS, "weight")
    m_priority = q(MS, "multicast-priority")
    m_weight = q(MS, "multicast-weight")
    summary = q(MS, "summary")
    n_conf_sites = q(MS, "number-configured-sites")
    n_reg_sites = q(MS, "number-registered-sites")
    af_datum = q(MS, "af-datum")
    af_data = q(MS, "af-data")
    n_conf_eids = q(MS, "number-configured-eids")
    n_reg_eids = q(MS, "number-registered-eids")
    ms_counters = q(MS, "counters")
    discontinuity = q(MS, "discontinuity-time")

    # lispnet-ms-recovery on the map-server
    site_name = q(LMR, "site-name")
    dynamic = q(LMR, "dynamic")
    rec_last_reg = q(LMR, "last-registration-time")
    source = q(LMR, "registration-source")
    source_port = q(LMR, "registration-source-port")
    proxy_reply = q(LMR, "proxy-reply")
    want_notify = q(LMR, "want-map-notify")
    last_nonce = q(LMR, "last-nonce")
    ms_recovery = q(LMR, "ms-recovery")
    unit_name = q(LMR, "unit-name")
    ha_role = q(LMR, "ha-role")
    service_address = q(LMR, "service-address")
    boot_time = q(LMR, "boot-time")
    reboot_count = q(LMR, "reboot-count")
    expected_eids = q(LMR, "expected-eids")
    registered_eids = q(LMR, "registered-eids")
    stored_sites = q(LMR, "stored-sites")
    s_site = q(LMR, "site")
    s_name = q(LMR, "name")
    s_site_id = q(LMR, "site-id")
    s_key_id = q(LMR, "auth-key-id")
    s_algorithm = q(LMR, "auth-algorithm")
    s_etrs = q(LMR, "etrs")
    s_etr = q(LMR, "etr")
    s_rloc = q(LMR, "rloc")
    s_notify_result = q(LMR, "last-notify-result")
    s_eids = q(LMR, "eids")
    s_eid = q(LMR, "eid")
    s_eid_id = q(LMR, "eid-id")
    s_instance_id = q(LMR, "instance-id")
    s_prefix = q(LMR, "prefix")
    counters = q(LMR, "counters")

    # ietf-lisp-etr
    etr = q(ETR, "etr")
    map_servers = q(ETR, "map-servers")
    e_map_server = q(ETR, "map-server")
    ms_address = q(ETR, "ms-address")
    e_auth_keys = q(ETR, "authentication-keys")
    e_auth_key = q(ETR, "authentication-key")
    e_key_id = q(ETR, "auth-key-id")
    e_algorithm = q(ETR, "auth-algorithm-id")
    local_eids = q(ETR, "local-eids")
    e_vpn = q(ETR, "vpn")
    e_instance_id = q(ETR, "instance-id")
    e_eids = q(ETR, "eids")
    local_eid = q(ETR, "local-eid")
    e_eid_id = q(ETR, "eid-id")
    e_eid_address = q(ETR, "eid-address")
    e_address_type = q(ETR, "address-type")
    e_ipv4_prefix = q(ETR, "ipv4-prefix")
    e_ipv6_prefix = q(ETR, "ipv6-prefix")
    e_rlocs = q(ETR, "rlocs")
    record_ttl = q(ETR, "record-ttl")
    e_want_notify = q(ETR, "want-map-notify")
    e_proxy_reply = q(ETR, "proxy-reply")
    registration_interval = q(ETR, "registration-interval")
    etr_name = q(LMR, "etr-name")
    last_register_time = q(LMR, "last-register-time")
