"""What an operator reads when the NETCONF session to a device cannot be opened."""

from __future__ import annotations

import pytest

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.module_support import (
    connection_failure,
    failure_message,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.netconf_session import (
    NetconfFailure,
)

TARGET = "127.9.0.2:8830"


@pytest.mark.parametrize(
    ("raw", "start"),
    [
        (
            "get failed: b\"AuthenticationException('Authentication failed.')\"",
            f"{TARGET}: NETCONF authentication failed",
        ),
        ("127.9.0.2:8830: NETCONF authentication failed", f"{TARGET}: NETCONF authentication"),
        (
            "get failed: b'Unknown host key [e7:54:3c] for [127.9.0.2]'",
            f"{TARGET}: unknown or changed SSH host key (fingerprint e7:54:3c)",
        ),
        (
            "get failed: b'Could not open socket to 127.9.0.2:8830'",
            f"{TARGET}: cannot connect to the NETCONF port (connection refused)",
        ),
        (
            "get failed: b'Negotiation failed: Incompatible ssh peer (no acceptable host key)'",
            f"{TARGET}: no SSH host key algorithm in common with the device",
        ),
        (
            "get failed: b'command timeout triggered, timeout value is 5 secs.\\nSee ...'",
            f"{TARGET}: no NETCONF answer within 5 s (ansible_command_timeout)",
        ),
    ],
)
def test_connection_failures_say_what_to_check(raw: str, start: str) -> None:
    assert failure_message(NetconfFailure(raw), TARGET).startswith(start)


def test_other_failures_keep_their_text_without_the_bytes_repr() -> None:
    message = failure_message(NetconfFailure("rpc failed: b'Unexpected session close'"), TARGET)
    assert message.startswith(f"NETCONF {TARGET}: rpc failed: Unexpected session close (")
    assert "reset_connection" in message
    assert failure_message(NetconfFailure("get failed: boom")) == "NETCONF: get failed: boom"
    assert connection_failure("rpc-error: data-missing") is None
