"""The iosxe NETCONF platform plugin keeps host keys verified: ncclient's
handlers that accept any host key are refused; failures to connect are
sentences (plugin_utils/netconf_connection.py, shared with the ietf plugin)."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleConnectionFailure, AnsibleError

from ansible_collections.lispnet.ms_recovery.plugins.netconf.iosxe import (
    checked_device_handler,
)
from ansible_collections.lispnet.ms_recovery.plugins.plugin_utils.netconf_connection import (
    prepare_connection,
)


@pytest.mark.parametrize("handler", ["iosxe", "csr", "iosxr"])
def test_handlers_that_accept_any_host_key_are_refused(handler: str) -> None:
    with pytest.raises(AnsibleError, match="accepts any SSH host key"):
        checked_device_handler(handler)
    assert checked_device_handler("default") == "default"


class _Connection:
    """What prepare_connection touches of Ansible's netconf connection."""

    def __init__(self) -> None:
        self.calls = 0

    def get_option(self, name: str) -> object:
        # netcommon's defaults: host keys checked, no ssh_config (~/.ssh/known_hosts).
        return {"host_key_checking": True, "netconf_ssh_config": None}[name]

    def _connect(self) -> None:
        self.calls += 1
        raise EOFError()  # a peer hanging up mid-handshake


def test_a_bare_eoferror_becomes_a_sentence_once() -> None:
    connection = _Connection()
    prepare_connection(connection)
    prepare_connection(connection)  # a second plugin on the same connection: one wrap
    with pytest.raises(AnsibleConnectionFailure, match="closed the connection during the SSH"):
        connection._connect()
    assert connection.calls == 1
