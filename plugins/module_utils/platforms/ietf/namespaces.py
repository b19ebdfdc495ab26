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
LMR = "urn:lispnet:params:xml:ns:yang:lispnet-ms-recovery"
SYS = "urn:ietf:params:xml:ns:yang:ietf-system"

# Prefixes used when rendering; any prefix is valid XML, these keep the
# documents short and readable.
NSMAP: dict[str | None, str] = {
    None: NC,
    "rt": RT,
    "lisp": LISP,
    "lisp-ms": MS,
    "lisp-etr": ETR,
    "lmr": LMR,
}

LISP_PROTOCOL_TYPE = "lisp:lisp"
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
    n_conf_eids = q(MS, "number-configured-eids")
    n_reg_eids = q(MS, "number-registered-eids")

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
    e_key_id = q(ETR, "auth-key-id")
    e_algorithm = q(ETR, "auth-algorithm-id")
    local_eids = q(ETR, "local-eids")
    e_vpn = q(ETR, "vpn")
    e_instance_id = q(ETR, "instance-id")
    e_eids = q(ETR, "eids")
    local_eid = q(ETR, "local-eid")
    e_id = q(ETR, "id")
    e_eid_address = q(ETR, "eid-address")
    e_address_type = q(ETR, "address-type")
    e_ipv4_prefix = q(ETR, "ipv4-prefix")
    e_ipv6_prefix = q(ETR, "ipv6-prefix")
    e_rlocs = q(ETR, "rlocs")
    e_locator = q(ETR, "locator")
    e_locator_id = q(ETR, "locator-id")
    e_locator_address = q(ETR, "locator-address")
    e_priority = q(ETR, "priority")
    e_weight = q(ETR, "weight")
    e_m_priority = q(ETR, "multicast-priority")
    e_m_weight = q(ETR, "multicast-weight")
    record_ttl = q(ETR, "record-ttl")
    e_want_notify = q(ETR, "want-map-notify")
    registration_interval = q(ETR, "registration-interval")
    etr_name = q(LMR, "etr-name")
    last_register_time = q(LMR, "last-register-time")
