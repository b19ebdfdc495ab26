"""Widening ssh-rsa to rsa-sha2 in ncclient's host-key negotiation."""

from __future__ import annotations

import base64
import socket

import paramiko
import pytest
from ncclient.transport.errors import AuthenticationError, SSHError, SSHUnknownHostError

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.netconf_session import (
    connect_failure,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.ssh_rsa_sha2 import (
    RsaSha2Transport,
    host_key_algorithms,
    offer_rsa_sha2,
)


def test_ssh_rsa_is_widened_to_rsa_sha2_first() -> None:
    widened = host_key_algorithms(["ssh-rsa"])
    assert widened[:2] == ("rsa-sha2-512", "rsa-sha2-256")
    # SHA-1 stays offered only where paramiko still implements it.
    assert ("ssh-rsa" in widened) == ("ssh-rsa" in paramiko.Transport._key_info)


def test_other_key_types_are_left_alone() -> None:
    assert host_key_algorithms(["ssh-ed25519"]) == ("ssh-ed25519",)
    assert host_key_algorithms(["ecdsa-sha2-nistp256", "ssh-rsa", "rsa-sha2-256"])[:3] == (
        "ecdsa-sha2-nistp256",
        "rsa-sha2-512",
        "rsa-sha2-256",
    )


def test_transport_widens_whatever_sets_the_list() -> None:
    left, right = socket.socketpair()  # a Transport needs a socket; nothing is sent
    transport = RsaSha2Transport(left)
    assert transport._preferred_keys == paramiko.Transport._preferred_keys
    transport._preferred_keys = ["ssh-rsa"]  # what ncclient 0.7.1 sets for an RSA key
    assert "rsa-sha2-256" in transport.preferred_keys
    transport.close()
    right.close()


def test_ncclient_gets_the_widening_transport_once() -> None:
    from ncclient.transport import ssh

    assert offer_rsa_sha2() and offer_rsa_sha2()
    assert ssh.paramiko.Transport is RsaSha2Transport
    # Everything else is paramiko's own.
    assert ssh.paramiko.SSHException is paramiko.SSHException
    assert ssh.paramiko.RSAKey is paramiko.RSAKey


@pytest.mark.parametrize(
    ("exc", "words"),
    [
        (EOFError(), "closed the connection during the SSH handshake"),
        (
            AuthenticationError("Authentication failed: transport shut down or saw EOF"),
            "closed the connection during SSH authentication",
        ),
        (AuthenticationError("bad password"), "NETCONF authentication failed"),
        (SSHUnknownHostError("127.0.0.9", "aa:bb"), "host key not trusted"),
        (ConnectionRefusedError(111, "Connection refused"), "cannot connect: "),
        (SSHError("Negotiation failed: boom"), "SSHError: Negotiation failed: boom"),
        (paramiko.SSHException(), "cannot open a NETCONF session: SSHException"),
    ],
)
def test_connect_failures_are_sentences(exc: Exception, words: str) -> None:
    assert words in connect_failure(exc)


def test_rsa_key_pinned_by_base64_is_an_rsa_key() -> None:
    # ncclient decides the key type from the pinned base64; an RSA key must
    # come out as ssh-rsa, the name the widening acts on.
    key = paramiko.RSAKey.generate(1024)
    pinned = paramiko.RSAKey(data=base64.b64decode(key.get_base64()))
    assert pinned.get_name() == "ssh-rsa"
