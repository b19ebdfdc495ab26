# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""NETCONF platform plugin for Cisco IOS-XE Map-Servers: lispnet.ms_recovery.ietf's
behaviour, with host keys always checked."""

from __future__ import annotations

DOCUMENTATION = """
name: iosxe
author: lispnet ms_recovery developers (@lispnet)
short_description: NETCONF platform plugin for Cisco IOS-XE LISP Map-Servers
description:
  - Use it as C(ansible_network_os=lispnet.ms_recovery.iosxe) with
    C(ansible_connection=ansible.netcommon.netconf) for IOS-XE Map-Server
    units; the collection's modules then read them through Cisco's published
    YANG models (Cisco-IOS-XE-lisp-oper, Cisco-IOS-XE-device-hardware-oper,
    Cisco-IOS-XE-ha-oper, Cisco-IOS-XE-lisp). docs/platforms.md says what is
    read and which recovery methods apply.
  - It is C(lispnet.ms_recovery.ietf) (standard NETCONF operations, each
    request written at once, RSA host keys verified over rsa-sha2 signatures,
    IOS-XE's default) and it keeps ncclient's C(default) device handler.
    ncclient's C(iosxe) handler accepts any host key the device presents,
    so it is not used; host keys are verified against known_hosts.
  - Every get sends its subtree filter inside a C(filter) element of the
    NETCONF base namespace, which IOS-XE 17.x requires.
version_added: 0.1.0
options:
  ncclient_device_handler:
    type: str
    default: default
    description:
      - The ncclient device handler. Keep C(default) - ncclient's C(iosxe)
        handler turns host-key checking off.
"""

from typing import Any

from ansible.errors import AnsibleError

from ansible_collections.lispnet.ms_recovery.plugins.netconf.ietf import (
    Netconf as IetfNetconf,
)

# ncclient handlers whose SSH connect accepts any host key (unknown_host_cb).
_ANY_HOST_KEY_HANDLERS = frozenset({"iosxe", "csr", "iosxr"})


def checked_device_handler(value: Any) -> Any:
    """``value`` unless it names a handler that accepts any host key."""
    if value in _ANY_HOST_KEY_HANDLERS:
        raise AnsibleError(
            f"ncclient_device_handler={value} accepts any SSH host key; the iosxe platform"
            " plugin verifies host keys, keep ncclient_device_handler=default"
        )
    return value


class Netconf(IetfNetconf):
    def get_option(self, option: str, hostvars: Any = None) -> Any:
        value = super().get_option(option, hostvars)
        return checked_device_handler(value) if option == "ncclient_device_handler" else value
