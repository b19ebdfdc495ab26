# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Verify RSA host keys over rsa-sha2 signatures in ncclient's SSH sessions.

Before it negotiates, ncclient 0.7.1 narrows the host-key algorithms it offers
to the type of the key it will check (the pinned ``hostkey_b64``, or the
known_hosts entries of the host). For an RSA key that type is ``ssh-rsa``, the
SHA-1 signature that IOS-XE, netopeer2 and OpenSSH 8.8+ servers refuse and
paramiko 4+ no longer implements, so every router with an RSA host key fails
with "Incompatible ssh peer (no acceptable host key)" while host keys are
verified. The key itself is the same whatever the signature hash: offering
rsa-sha2-512 and rsa-sha2-256 for it changes nothing of what is verified.

``offer_rsa_sha2()`` gives ncclient's SSH transport a paramiko ``Transport``
that widens ``ssh-rsa`` that way (ssh-rsa itself stays offered, last, where
the installed paramiko still implements it). It touches only the name
``paramiko`` inside ``ncclient.transport.ssh``, once per process; the project's
own sessions (netconf_session.py) and its NETCONF platform plugins (which run
inside Ansible's netconf connection) call it before connecting.

Being the Transport of every ncclient session in the process, it is also
where a host key known_hosts marks ``@revoked`` is refused, once the server
has presented it and before any credential is sent (paramiko does not know
those lines: it gives up on a file holding one), and where ncclient's
HostKeys read such a file: see ``known_hosts.refusing_revoked_keys``.
"""

from __future__ import annotations

import threading
import types
from collections.abc import Iterable
from typing import Any

try:
    import paramiko
except ImportError:  # ncclient's SSH library; only the NETCONF paths that use ncclient need it
    HAS_PARAMIKO = False  # offer_rsa_sha2() then finds no ncclient
else:
    HAS_PARAMIKO = True

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.known_hosts import (
    refuse_revoked_presented_key,
)

RSA_SHA2 = ("rsa-sha2-512", "rsa-sha2-256")


def host_key_algorithms(names: Iterable[str]) -> tuple[str, ...]:
    """``names`` with ``ssh-rsa`` widened to the rsa-sha2 signatures, in
    order, without repeats; ssh-rsa kept only where paramiko implements it."""
    widened: list[str] = []
    for name in names:
        if name == "ssh-rsa":
            implemented = paramiko.Transport._key_info  # type: ignore[attr-defined]
            candidates = [alg for alg in (*RSA_SHA2, name) if alg in implemented]
        else:
            candidates = [name]
        widened.extend(alg for alg in candidates if alg not in widened)
    return tuple(widened)


if HAS_PARAMIKO:  # both classes build on paramiko's
    from ansible_collections.lispnet.ms_recovery.plugins.module_utils.known_hosts import (
        HostKeysWithMarkers,
    )

    class RsaSha2Transport(paramiko.Transport):
        """A paramiko Transport whose host-key algorithm list, whoever sets it,
        offers rsa-sha2 wherever it names ssh-rsa, and which refuses a revoked
        host key right after the key exchange."""

        def start_client(self, event: Any = None, timeout: float | None = None) -> None:
            super().start_client(event, timeout)
            if event is not None:  # ncclient waits; an event would defer the check
                return
            try:
                refuse_revoked_presented_key(self.get_remote_server_key())
            except BaseException:
                self.close()  # its reader thread too: no session is left half open
                raise

        @property
        def _preferred_keys(self) -> tuple[str, ...]:
            default: tuple[str, ...] = paramiko.Transport._preferred_keys  # type: ignore[attr-defined]
            return self.__dict__.get("_widened_preferred_keys", default)

        @_preferred_keys.setter
        def _preferred_keys(self, names: Iterable[str]) -> None:
            self.__dict__["_widened_preferred_keys"] = host_key_algorithms(names)

    class _ParamikoForNcclient(types.ModuleType):
        """paramiko as ncclient's SSH transport sees it: the same module, but
        with :class:`RsaSha2Transport` as its Transport and HostKeys that read a
        known_hosts file holding @revoked lines."""

        Transport = RsaSha2Transport
        HostKeys = HostKeysWithMarkers

        def __getattr__(self, name: str) -> Any:
            return getattr(paramiko, name)


_install_lock = threading.Lock()


def offer_rsa_sha2() -> bool:
    """Make ncclient's SSH sessions offer rsa-sha2 for RSA host keys (once
    per process). False when ncclient's SSH transport is not importable."""
    try:
        from ncclient.transport import ssh
    except ImportError:
        return False
    with _install_lock:
        if not isinstance(ssh.paramiko, _ParamikoForNcclient):
            ssh.paramiko = _ParamikoForNcclient("paramiko")
    return True
