# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""NETCONF platform plugin: netcommon's default plugin, each request written at once."""

from __future__ import annotations

DOCUMENTATION = """
name: ietf
author: lispnet ms_recovery developers (@lispnet)
short_description: NETCONF platform plugin for LISP routers that follow the IETF YANG modules
description:
  - Use it as C(ansible_network_os=lispnet.ms_recovery.ietf) with
    C(ansible_connection=ansible.netcommon.netconf) for the Map-Server units and
    ETRs this collection manages. It is C(ansible.netcommon.default) (standard
    NETCONF operations as in RFC 6241), with one difference - every request is
    written to the device as soon as it is issued.
  - ncclient, which the netconf connection uses, queues each request and writes
    it only when its session thread next wakes up, every 0.1 s, so each
    request of C(ansible.netcommon.default) waits up to 100 ms before it
    leaves. The collection's modules poll the Map-Server while a table
    refills, and each poll paid that wait.
  - Routers with an RSA host key that accept only rsa-sha2-256/512 signatures
    (the default of IOS-XE and netopeer2) are verified against known_hosts
    like any other. ncclient 0.7.1 alone offers them only C(ssh-rsa) (SHA-1)
    and fails with "no acceptable host key"; this plugin makes the
    connection offer rsa-sha2 for the same key.
  - A failure to open the session (a router that hangs up mid-handshake, say)
    reaches the task as a sentence, not as a bare ncclient or paramiko
    exception.
  - The collection's modules also work with C(ansible.netcommon.default) or a
    vendor's platform plugin, only slower per request, and without the
    rsa-sha2 fix.
version_added: 0.1.0
options:
  ncclient_device_handler:
    type: str
    default: default
    description:
      - The ncclient device handler, as for C(ansible.netcommon.default).
"""

from typing import Any

from ansible_collections.ansible.netcommon.plugins.netconf.default import (
    Netconf as DefaultNetconf,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.ncclient_direct_send import (
    send_directly,
)
from ansible_collections.lispnet.ms_recovery.plugins.plugin_utils.netconf_connection import (
    prepare_connection,
)


class Netconf(DefaultNetconf):
    def __init__(self, connection: Any) -> None:
        super().__init__(connection)
        # The connection makes this plugin before it opens its ncclient session.
        prepare_connection(connection)
        self._sending_directly: Any = None  # the ncclient session already switched over

    @property
    def m(self) -> Any:
        # The connection opens its ncclient manager after this plugin is made,
        # and opens a new one after reset_connection: switch each session once.
        manager = self._connection.manager
        session = getattr(manager, "_session", None)
        if session is not None and session is not self._sending_directly:
            send_directly(session)
            self._sending_directly = session
        return manager
