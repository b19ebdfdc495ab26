#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ansible module: make the sites' ETRs re-register with a Map-Server now."""

from __future__ import annotations

DOCUMENTATION = r"""
module: reregister
short_description: Make the ETRs of a Map-Server's sites re-register now
version_added: "0.1.0"
description:
  - After a reboot or an HA switchover a LISP Map-Server's registration table is empty, and it
    stays incomplete until every ETR's next periodic Map-Register (up to a minute). This module
    asks the ETRs of all (or selected) sites to re-register at once, then watches the table
    (cheap NETCONF reads on the task's connection) until every EID of the selected sites is
    registered again.
  - Real ETRs do not re-register when notified. O(method=register) therefore registers each
    targeted site to the Map-Server itself, a bridge until the site's ETR registers on its own
    timer; see O(method).
  - Ways to reach the ETRs (O(method)). C(ms) asks the active Map-Server over NETCONF to
    send the notifications itself from its stored basic routing info (RPC
    lmr:send-reregistration). C(lisp) sends the same authenticated unsolicited Map-Notify
    messages (RFC 9301 5.7) from the controller, built from the EID inventory (site keys, EIDs,
    ETR RLOCs), paced and retransmitted until acked. C(netconf) opens a NETCONF session to
    every ETR (endpoints from the EID inventory) and calls the RPC lmr:reregister-now, naming
    this Map-Server's LISP address so that an ETR registering to several (a site listed
    under C(map_servers) in the EID inventory) registers to this one alone.
  - C(register) (bridge registration) needs no help from the ETRs, only the site keys. For
    every targeted site the controller sends authenticated Map-Registers (the site's key id,
    algorithm and key from the EID inventory) carrying the site's stored EIDs, each with all
    the site's ETR RLOCs, M bit set and no xTR-ID (I bit clear, so the Map-Server's nonce
    state of the real ETRs is never touched), records packed into as few messages as fit
    1,400 bytes, paced (O(bridge_pace)) and retransmitted after 1, 1, 2, 2 and 4 s until the
    Map-Server confirms each with a Map-Notify. A bridge is an ordinary registration; unless
    refreshed it expires on the Map-Server like any other (RFC 9301 section 8.2, a
    registration not refreshed within three minutes is timed out). With O(handback_timeout)
    the task waits for each bridged site's ETRs to register on their own (C(etr_confirmed)
    in RV(sites)) and, with O(withdraw_bridges), then withdraws the bridge.
  - C(auto) chooses per site; C(ms) (or C(lisp) when the Map-Server cannot send the
    notifications) for sites whose ETRs are all marked in the EID inventory as acting on
    notifications (C(supports) C([notify])), C(register) for every other site. RV(site_methods)
    says which method served each site.
  - C(register) also works without any NETCONF session to the Map-Server (run the task with
    a C(local) connection); only its LISP address is used, every selected site is bridged and
    the Map-Server's Map-Notify confirmations are the proof; check resolution with
    M(lispnet.ms_recovery.map_request) afterwards.
  - With O(only_missing) (the default) the table is read first and only sites with at least
    one missing EID are targeted, so a healthy Map-Server gets nothing sent and the task
    reports C(changed=false).
  - An EID counts as registered when every ETR RLOC of its site is registered for it.
  - Run the task against the active unit of the Map-Server (ansible.netcommon.netconf
    connection). After a reboot or switchover, wait for its NETCONF port and reset the
    connection (C(meta) C(reset_connection)) first.
author: lispnet ms_recovery developers (@lispnet)
extends_documentation_fragment:
  - lispnet.ms_recovery.eid_inventory
options:
  map_server:
    description:
      - Name of the map-server in the EID inventory whose sites are re-registered.
      - Defaults to the only map-server of the inventory; required when it has several.
    type: str
  sites:
    description:
      - Names of the sites to re-register (all sites of O(map_server) when omitted).
      - Completeness (RV(complete), RV(missing)) is judged over these sites.
    type: list
    elements: str
  method:
    description:
      - How the ETRs are told to re-register; see the description.
    type: str
    choices: [auto, ms, lisp, netconf, register]
    default: auto
  only_missing:
    description:
      - Read the table first and target only sites with at least one missing EID.
      - When false every selected site is notified, whatever the table holds.
    type: bool
    default: true
  wait:
    description:
      - Poll the table until every EID of the selected sites is registered, or O(timeout).
      - When false the task returns once the notifications are sent (and acked, for
        C(ms) and C(lisp)), with the table as read right then.
    type: bool
    default: true
  timeout:
    description:
      - Seconds from the first notification until the task stops waiting for the table to be
        whole. Also bounds the retransmissions of O(method=lisp) and the time the Map-Server
        may hold the RPC of O(method=ms) open for acks.
    type: float
    default: 30
  fail_on_incomplete:
    description:
      - Fail the task, naming the sites not recovered and the ETRs that did not answer, when
        O(wait) is true and the table is not whole after O(timeout).
    type: bool
    default: true
  platform:
    description:
      - YANG models the Map-Server (and, for O(method=netconf), the ETRs) speak.
      - C(ietf) is the IETF LISP models (with the lispnet-ms-recovery augment
        when the server announces it), C(iosxe) Cisco IOS-XE's own models
        (docs/platforms.md). Unset, the platform of the host's
        C(ansible_network_os) (C(lispnet.ms_recovery.iosxe) means C(iosxe)), else C(ietf).
    type: str
    choices: [ietf, iosxe]
    default: ietf
  pace:
    description:
      - O(method=lisp) only. First transmissions per second, so that thousands of
        notifications do not overrun the ETRs' or the network's buffers.
    type: float
    default: 1000
  ack_timeout:
    description:
      - O(method=lisp) only. Seconds to wait for the Map-Notify-Ack before retransmitting.
        The first three retransmissions wait this long, later ones double it (RFC 9301 5.7,
        3 s, then doubling). Short values suit a lab.
    type: float
    default: 3
  retries:
    description:
      - O(method=lisp) only. Retransmissions of an unacknowledged Map-Notify (RFC 9301 gives 6,
        that is 7 transmissions over 54 s with the default O(ack_timeout)).
    type: int
    default: 6
  source_address:
    description:
      - O(method=lisp) and O(method=register). Local address of the controller's UDP socket
        (an ephemeral port is used; the ETRs ack, the Map-Server confirms, to that address and
        port). Defaults to the wildcard address of each address family the ETR RLOCs use
        (O(method=lisp)), or to the address the route to the Map-Server uses
        (O(method=register)).
    type: str
  nonce_file:
    description:
      - O(method=lisp) only. File holding the high-water mark of the controller's
        Map-Notify nonces. Receivers drop a notification whose nonce is not above the last
        one they accepted from this sender, so the nonces must grow across runs, restarts
        and clock steps; they come from this counter, never from the clock (the clock is
        read once, when the file is created). Controllers that share a source address
        must share this file. It holds one number, no key.
    type: path
    default: ~/.local/state/lispnet_ms_recovery/notify.nonce
  etr_username:
    description:
      - O(method=netconf) only. NETCONF user name on the ETRs.
    type: str
  etr_password:
    description:
      - O(method=netconf) only. NETCONF password on the ETRs.
    type: str
  etr_ssh_config:
    description:
      - O(method=netconf) only. An ssh_config file naming the known_hosts file
        (C(UserKnownHostsFile)) the ETRs' host keys are verified against. Host keys are always
        verified; without this option ~/.ssh/known_hosts is used.
    type: path
  etr_timeout:
    description:
      - O(method=netconf) only. Seconds for connecting to one ETR and for its RPC.
    type: float
    default: 10
  etr_concurrency:
    description:
      - O(method=netconf) only. ETR sessions open at the same time.
      - Each session costs the controller ~6-10 ms of CPU (the SSH handshake and
        NETCONF hello, in one Python process), so the method reaches at most ~100-170 ETRs
        a second whatever this is set to; more sessions only hide the routers' own
        handshake time. See docs/performance.md.
    type: int
    default: 32
  bridge_pace:
    description:
      - O(method=register) only. Bridge Map-Registers per second (first transmissions).
    type: float
    default: 20000
  handback_timeout:
    description:
      - O(method=register) only. Seconds to wait, once the table is whole, for every
        bridged site's own ETR registration to show on the Map-Server (C(etr_confirmed) in
        RV(sites)); with O(withdraw_bridges) each site's bridge is withdrawn as soon as it
        shows (C(bridge_withdrawn) in RV(sites)). 0 returns at once; bridges not withdrawn
        expire on the Map-Server.
      - Waiting needs NETCONF reads of the Map-Server's table.
    type: float
    default: 0
  withdraw_bridges:
    description:
      - O(method=register) only, with O(handback_timeout). Withdraw each bridge as soon as
        its site's own ETR registration shows, with a Map-Register from the bridge's address
        and port carrying the same records with TTL 0 and the T bit set.
      - RFC 9301 has no de-registration message. Its T bit (section 5.6) asks the
        Map-Server to time a registration out by the records' TTL rather than by its
        default timeout, and a TTL of 0 means remove at once (section 5.4). Enable this only
        for Map-Servers known to honour the T bit (the lab's virtual Map-Server does; for
        IOS-XE, lispers.net and OpenOverlayRouter it is unverified). A Map-Server that
        ignores it takes the withdrawal as one more refresh and keeps the bridge up to three
        minutes longer.
      - Off, every bridge expires on the Map-Server within three minutes of its
        confirmation (RFC 9301 section 8.2's default timeout).
    type: bool
    default: false
  force:
    description:
      - O(method=register) only. Bridge also the sites whose stored info may be stale
        (O(drift), O(max_inventory_age)). Without it those sites are not bridged and are
        listed in RV(stale_sites).
    type: bool
    default: false
  drift:
    description:
      - O(method=register) only. The RV(lispnet.ms_recovery.eid_snapshot#module:drift) of a
        recent M(lispnet.ms_recovery.eid_snapshot) run; sites whose EIDs, RLOCs or settings
        drifted, or that the Map-Server no longer has, are not bridged unless O(force).
    type: dict
  max_inventory_age:
    description:
      - O(method=register) only. When the EID inventory file is older than this many
        seconds, no site is bridged unless O(force). Unset, age is not checked.
    type: float
  lock_file:
    description:
      - Lock file on the controller that keeps two recoveries of the same Map-Server from
        running at once (two playbooks started together after a reboot would otherwise both
        find the table empty and both notify every site). The lock is held from the table
        read until the task ends; a second run waits for it, then reads the table again and
        targets only what is still missing.
      - Defaults to C(~/.cache/lispnet_ms_recovery/<map_server>-<lisp address>.reregister.lock).
      - The kernel releases the lock when the holder exits, also when it is killed.
      - Not taken in check mode.
    type: path
  lock_timeout:
    description:
      - Seconds to wait for another run's lock before failing the task (nothing is sent then).
      - Defaults to twice O(timeout) plus 30 s, enough for the other run to finish.
    type: float
attributes:
  check_mode:
    description: Reads the table and reports what would be sent; sends nothing.
    support: full
  diff_mode:
    description: Not supported.
    support: none
notes:
  - Check mode reads the table and reports the sites and ETRs that would be notified
    (RV(sites), RV(would_send)); nothing is sent.
  - O(method=lisp) and O(method=register) need the site keys, so the EID inventory is used in
    full on the controller; the keys never appear in results or logs.
seealso:
  - module: lispnet.ms_recovery.map_request
"""

EXAMPLES = r"""
- name: Wait for the rebooted Map-Server's NETCONF port
  ansible.builtin.wait_for:
    host: "{{ ansible_host }}"
    port: "{{ ansible_port }}"
    timeout: 300
  delegate_to: localhost

- name: Drop the NETCONF session the reboot broke
  ansible.builtin.meta: reset_connection

- name: Let the Map-Server notify the ETRs of the sites it lost
  lispnet.ms_recovery.reregister:
    eid_inventory: "{{ lisp_eid_inventory }}"
  register: recovery

- name: Notify from the controller, 200 notifications per second, lab timers
  lispnet.ms_recovery.reregister:
    eid_inventory: "{{ lisp_eid_inventory }}"
    method: lisp
    pace: 200
    ack_timeout: 0.5
    retries: 3

- name: Ask two sites' ETRs directly over NETCONF
  lispnet.ms_recovery.reregister:
    eid_inventory: "{{ lisp_eid_inventory }}"
    method: netconf
    sites: [site-00001, site-00002]
    etr_username: "{{ ansible_user }}"
    etr_password: "{{ ansible_password }}"
    etr_ssh_config: "{{ ansible_netconf_ssh_config }}"
"""

RETURN = r"""
method:
  description: The method used.
  returned: always
  type: str
map_server:
  description: The map-server whose sites were handled.
  returned: always
  type: str
targeted_sites:
  description: Sites whose ETRs were (or in check mode, would be) notified.
  returned: always
  type: list
  elements: str
sites:
  description:
    - One entry per targeted site; C(etrs) has one entry per ETR notified.
    - C(acked) means the ETR acknowledged (Map-Notify-Ack, or a successful RPC for
      O(method=netconf)); C(retries) counts retransmissions; C(error) says why it was not.
    - C(method) is the method that served the site. For C(register) C(etrs) has one entry
      per bridge Map-Register (C(acked) means the Map-Server confirmed it), C(bridged) is when
      the Map-Server confirmed the last of them, C(etr_confirmed) when the table first showed
      the site's own ETR registration and C(bridge_withdrawn) when the withdrawal was
      confirmed (O(withdraw_bridges)) (UTC, ISO 8601; null when it did not happen).
    - C(recovered) is true when every EID of the site is registered at the end of the task.
    - In check mode each entry also has C(missing_eids).
  returned: always
  type: list
  elements: dict
  sample:
    - site: site-00001
      etrs: [{etr: site-00001-etr1, rloc: 127.100.1.1, acked: true, retries: 0, error: null}]
      recovered: true
sent:
  description:
    - Notifications sent, retransmissions not counted; 0 in check mode.
    - For O(method=netconf), RPCs an ETR answered; a call that failed to connect, was
      refused or timed out is not counted, so a run whose every call failed reports
      C(changed=false) and C(sent=0).
  returned: always
  type: int
acked:
  description: Notifications acknowledged (RPCs that succeeded for O(method=netconf)).
  returned: always
  type: int
whole_sites:
  description:
    - Sites in scope that were not targeted because they were registered in full when the
      task started (for example, their ETRs' own timers had already brought them back).
  returned: always
  type: list
  elements: str
acted_at:
  description:
    - When the first notification went out (UTC, ISO 8601), the time zero of RV(elapsed) and
      RV(progress); the report places it on the outage's time axis.
  returned: when something was sent
  type: str
  sample: "2026-12-04T01:02:03.456789+00:00"
would_send:
  description: Notifications a real run would send.
  returned: in check mode or when nothing is targeted
  type: int
failed_sites:
  description: Targeted sites not whole at the end of the task.
  returned: always
  type: list
  elements: str
unreachable_etrs:
  description:
    - ETRs of sites not whole that did not acknowledge.
    - An acknowledgement counts only for the ETR it answers (its address and port, the
      nonce and key id of its notification, the site key's MAC); with O(method=ms) the
      Map-Server holds its RPC for at most half of O(timeout) (10 s at most), and an ETR
      it still retransmits to then is reported with that error.
  returned: always
  type: list
  elements: str
complete:
  description: Every EID of the selected sites is registered (null when the table was not read).
  returned: always
  type: bool
expected:
  description: EIDs of the selected sites.
  returned: always
  type: int
registered:
  description: Those registered at the end of the task.
  returned: always
  type: int
missing:
  description: EIDs still missing (C([iid]prefix), at most 100; RV(missing_count) has the total).
  returned: always
  type: list
  elements: str
missing_count:
  description: Number of EIDs still missing.
  returned: when the table was read
  type: int
elapsed:
  description: Seconds from the first notification until the table was whole (null if never).
  returned: always
  type: float
progress:
  description:
    - The recovery curve, C([seconds since the first notification, registered EIDs]) samples,
      starting with the table read before sending (at 0).
  returned: always
  type: list
  elements: list
  sample: [[0.0, 0], [0.12, 6], [0.31, 10]]
lock_waited:
  description: Seconds the task waited for another recovery of the same Map-Server to finish.
  returned: unless in check mode
  type: float
site_methods:
  description: The method that served each targeted site (O(method=auto) chooses per site).
  returned: always
  type: dict
  sample: {site-00001: register, site-00002: ms}
stale_sites:
  description: Sites not bridged because their stored info may be stale, with the reason.
  returned: always
  type: list
  elements: dict
would_register:
  description:
    - Per bridged site what the bridge registers (Map-Server address, Map-Registers, EIDs,
      RLOCs); never a key.
  returned: in check mode or when nothing is targeted
  type: list
  elements: dict
ms_fallback:
  description: Why O(method=auto) sent notifications from the controller instead of the MS.
  returned: when that happened
  type: str
sources:
  description: Address and port of the controller's UDP socket(s).
  returned: when O(method=lisp) or O(method=register) sent something
  type: list
  elements: str
"""

from typing import Any

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory import (
    EidInventory,
    InventoryError,
    UnknownNameError,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.libraries import (
    require_libraries,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.nonce import (
    DEFAULT_NONCE_FILE,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.registered import (
    registered_table,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.module_support import (
    EID_INVENTORY_ARGS,
    EID_INVENTORY_OPTION,
    TaskError,
    fail_with,
    inventory_from_module,
    session_from_module,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.netconf_session import (
    NetconfFailure,
    NetconfSession,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms import (
    DEFAULT_PLATFORM,
    PLATFORMS,
    Platform,
    get_platform,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.recovery.controller_notify import (  # noqa: E501
    NotifySettings,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.recovery.etr_rpc import (
    EtrCredentials,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.recovery.reregister_plan import (
    default_map_server,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.recovery.reregister_run import (
    METHODS,
    BridgeSettings,
    Routers,
    RunOptions,
    run_reregister,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.recovery.run_lock import (
    RunLockTimeout,
    default_lock_file,
    run_lock,
)

ARGUMENT_SPEC = {
    **EID_INVENTORY_ARGS,
    "map_server": {"type": "str"},
    "sites": {"type": "list", "elements": "str"},
    "method": {"type": "str", "choices": list(METHODS), "default": "auto"},
    "only_missing": {"type": "bool", "default": True},
    "wait": {"type": "bool", "default": True},
    "timeout": {"type": "float", "default": 30.0},
    "fail_on_incomplete": {"type": "bool", "default": True},
    "platform": {"type": "str", "choices": list(PLATFORMS), "default": DEFAULT_PLATFORM},
    "pace": {"type": "float", "default": 1000.0},
    "ack_timeout": {"type": "float", "default": 3.0},
    "retries": {"type": "int", "default": 6},
    "source_address": {"type": "str"},
    "nonce_file": {"type": "path", "default": DEFAULT_NONCE_FILE},
    "etr_username": {"type": "str"},
    "etr_password": {"type": "str", "no_log": True},
    "etr_ssh_config": {"type": "path"},
    "etr_timeout": {"type": "float", "default": 10.0},
    "etr_concurrency": {"type": "int", "default": 32},
    "bridge_pace": {"type": "float", "default": 20000.0},
    "handback_timeout": {"type": "float", "default": 0.0},
    "withdraw_bridges": {"type": "bool", "default": False},
    "force": {"type": "bool", "default": False},
    "drift": {"type": "dict"},
    "max_inventory_age": {"type": "float"},
    "lock_file": {"type": "path"},
    "lock_timeout": {"type": "float"},
}


def _options(module: AnsibleModule) -> RunOptions:
    p = module.params
    for name in ("timeout", "pace", "ack_timeout", "etr_timeout", "bridge_pace"):
        if p[name] <= 0:
            module.fail_json(msg=f"{name} must be positive, got {p[name]}")
    if p["lock_timeout"] is not None and p["lock_timeout"] < 0:
        module.fail_json(msg=f"lock_timeout must be 0 or more, got {p['lock_timeout']}")
    if p["retries"] < 0 or p["etr_concurrency"] < 1:
        module.fail_json(msg="retries must be 0 or more and etr_concurrency 1 or more")
    credentials = None
    if p["method"] == "netconf":
        if not p["etr_username"] or p["etr_password"] is None:
            module.fail_json(msg="method netconf needs etr_username and etr_password")
        credentials = EtrCredentials(
            username=p["etr_username"],
            password=p["etr_password"],
            ssh_config=p["etr_ssh_config"],
            timeout=p["etr_timeout"],
        )
    return RunOptions(
        method=p["method"],
        map_server=p["map_server"],
        sites=tuple(p["sites"]) if p["sites"] else None,
        only_missing=p["only_missing"],
        wait=p["wait"],
        timeout=p["timeout"],
        fail_on_incomplete=p["fail_on_incomplete"],
        check_mode=module.check_mode,
        notify=NotifySettings(
            ack_timeout=p["ack_timeout"],
            retries=p["retries"],
            pace=p["pace"],
            source_address=p["source_address"],
            nonce_file=p["nonce_file"],
        ),
        etr_credentials=credentials,
        etr_workers=p["etr_concurrency"],
        bridge=BridgeSettings(
            pace=p["bridge_pace"],
            source_address=p["source_address"],
            handback_timeout=max(0.0, p["handback_timeout"]),
            withdraw=p["withdraw_bridges"],
            force=p["force"],
            drift=p["drift"],
            inventory_path=p.get(EID_INVENTORY_OPTION),
            max_inventory_age=p["max_inventory_age"],
        ),
    )


def _registered_count(platform: Platform, session: NetconfSession) -> int | None:
    summary = platform.read_ms_unit_summary(session)[1]
    return None if summary is None else summary.registered_eids


def _run_locked(
    module: AnsibleModule, inventory: EidInventory, options: RunOptions, routers: Routers
) -> dict[str, Any]:
    """run_reregister under the Map-Server's run lock (check mode sends nothing: no lock)."""
    if options.check_mode:
        return run_reregister(inventory, options, routers)
    name = default_map_server(inventory, options.map_server)
    path = module.params["lock_file"] or default_lock_file(
        name, str(inventory.map_server(name).lisp_address)
    )
    timeout = module.params["lock_timeout"]
    if timeout is None:
        timeout = 2 * options.timeout + 30
    try:
        with run_lock(path, timeout) as waited:
            result = run_reregister(inventory, options, routers)
    except RunLockTimeout as exc:
        raise TaskError(str(exc)) from None
    result["lock_waited"] = round(waited, 3)
    return result


def main() -> None:
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    require_libraries(module)
    options = _options(module)
    try:
        inventory = inventory_from_module(module)
        platform = get_platform(module.params["platform"])
        if not getattr(module, "_socket_path", None) and options.method in ("auto", "register"):
            routers = _lisp_only()
        else:
            routers = _over_netconf(module, platform, inventory, options.method)
        result = _run_locked(module, inventory, options, routers)
    except (
        InventoryError,
        UnknownNameError,
        NetconfFailure,
        TaskError,
        ValueError,
        OSError,
    ) as exc:
        fail_with(module, exc, changed=False)
    if result.get("failed"):
        module.fail_json(**result)
    module.exit_json(**result)


def _lisp_only() -> Routers:
    """A Map-Server without NETCONF: bridges only, confirmed by its Map-Notify."""

    def no_netconf(*_args: Any) -> Any:
        raise NetconfFailure("no NETCONF session to the Map-Server")

    return Routers(
        read_table=no_netconf,
        ms_reregister=no_netconf,
        etr_reregister=no_netconf,
        netconf=False,
        ms_native=False,
    )


def _over_netconf(
    module: AnsibleModule, platform: Platform, inventory: EidInventory, method: str
) -> Routers:
    session = session_from_module(module)
    # Before anything is read or sent: a method the server cannot serve fails
    # here naming what it lacks, not late with a protocol error.
    offered = platform.capabilities(session)
    offered.require(method)
    return Routers(
        ms_native="ms" in offered.methods,
        read_table=lambda: registered_table(
            platform.read_registered(session, inventory.eid_owner())
        ),
        ms_reregister=lambda sites, wait, timeout: platform.send_reregistration(
            session, sites, wait, timeout
        ),
        etr_reregister=platform.etr_reregister_now,
        # The summary's count is a cheap poll; the whole table is read once it
        # says every EID is back (at 50,000 EIDs a full read takes seconds).
        read_count=lambda: _registered_count(platform, session),
        read_briefs=lambda: platform.read_registered(session, inventory.eid_owner()),
    )


if __name__ == "__main__":
    main()
