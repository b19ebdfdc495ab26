# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Facts of Cisco's published IOS-XE YANG models that this platform reads.

Written from the models in YangModels/yang vendor/cisco/xe (17.15.1 to 26.1.1);
none of Cisco's files is copied here. The revisions are those of 26.1.1
(vendor/cisco/xe/2611), as a server announces them in its hello.

Cisco-IOS-XE-lisp-oper (config false):
  /lisp-state/lisp-routers[top-id]/instances[iid]/af[iaftype]
      role/is-ms, ms-registered-eids (since 2021-11-01)
      ms-registrations[afi prefix]: site-name, is-registered, creation-time,
          last-registration-time, etr-registrations[source-address source-port]
          (last-registration-time, ttl in minutes, proxy-reply, wants-map-notify,
          ms-registration-rloc[afi address] with params/priority and weight)
  ``afi`` is Cisco's own enum (ipv4-afi 0, ipv6-afi 1, mac-afi 2), not IANA's;
  ``prefix`` is text such as 192.168.1.0/24.
Cisco-IOS-XE-device-hardware-oper:
  /device-hardware-data/device-hardware/device-system-data/boot-time
  (yang:date-and-time of the last restart), current-time, last-reboot-reason.
Cisco-IOS-XE-ha-oper: /ha-oper-data/ha-infra (presence) with ha-state and
  peer-state (rf-states), last-switchover-time (yang:date-and-time) with
  has-switchover-occured (sic), switchover-count (2024-11-01).
Cisco-IOS-XE-native /native/hostname; Cisco-IOS-XE-lisp augments
  /native/router with lisp/site[sname]: site-id, eid-record/prefixes[prefix]
  (instance-id 0) and eid-record/instance-id-cfg[id prefix] (1..16777214),
  authentication-key (never read here).
"""

from __future__ import annotations

OPER = "http://cisco.com/ns/yang/Cisco-IOS-XE-lisp-oper"
HARDWARE = "http://cisco.com/ns/yang/Cisco-IOS-XE-device-hardware-oper"
HA = "http://cisco.com/ns/yang/Cisco-IOS-XE-ha-oper"
NATIVE = "http://cisco.com/ns/yang/Cisco-IOS-XE-native"
LISP = "http://cisco.com/ns/yang/Cisco-IOS-XE-lisp"

# module name, namespace, revision: what an IOS-XE 26.1.1 hello announces.
MODULES: tuple[tuple[str, str, str], ...] = (
    ("Cisco-IOS-XE-lisp-oper", OPER, "2024-07-01"),
    ("Cisco-IOS-XE-device-hardware-oper", HARDWARE, "2025-03-01"),
    ("Cisco-IOS-XE-ha-oper", HA, "2024-11-01"),
    ("Cisco-IOS-XE-native", NATIVE, "2026-02-01"),
    ("Cisco-IOS-XE-lisp", LISP, "2026-02-01"),
)

# lisp-address-family-type: Cisco's enum, whatever IANA numbers say.
AFI_IPV4 = "ipv4-afi"
AFI_IPV6 = "ipv6-afi"
AFI_MAC = "mac-afi"
# lisp-iaftype-type: the af list's key.
IAF_IPV4 = "iaf-ipv4"
IAF_IPV6 = "iaf-ipv6"

# rf-states (Cisco-IOS-XE-ha-oper): the active states, and the standby ones.
RF_ACTIVE = frozenset(
    {
        "db-rf-active-fast",
        "db-rf-active-drain",
        "db-rf-active-preconfig",
        "db-rf-active-postconfig",
        "db-rf-active",
        "db-rf-active-extraload",
        "db-rf-active-handback",
    }
)
RF_STANDBY = frozenset(
    {
        "db-rf-standby-cold",
        "db-rf-standby-config",
        "db-rf-standby-filesys",
        "db-rf-standby-bulk",
        "db-rf-standby-hot",
        "db-rf-standby-warm",
    }
)
# A unit without HA (ha-enabled false, or no ha-infra at all) serves alone.
RF_ALONE = frozenset({"db-rf-disabled"})

# Instance-id 0 EIDs sit in eid-record/prefixes; instance-id-cfg starts at 1.
MIN_INSTANCE_ID_CFG = 1


def q(namespace: str, local: str) -> str:
    """Clark notation for lxml."""
    return f"{{{namespace}}}{local}"


def module_uri(name: str, namespace: str, revision: str) -> str:
    """The capability URI of a YANG 1.0/1.1 module in a NETCONF hello."""
    return f"{namespace}?module={name}&revision={revision}"
