"""Persistent SSH host keys for virtual routers.

A router keeps its key across restarts (the file is reused), so clients that
pinned it in known_hosts keep verifying it, like a real device after a reboot.
Keys are cached per path: many listeners of one router share one key object.

Most routers get ed25519 keys (cheap to make). Some get RSA keys served the
way IOS-XE and netopeer2 serve theirs by default: signed with rsa-sha2-512 or
rsa-sha2-256 only, never the SHA-1 ``ssh-rsa`` signature
(:func:`server_host_key`), so that clients are tested against what those
servers accept.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import asyncssh

ED25519 = "ssh-ed25519"
RSA = "ssh-rsa"
RSA_KEY_BITS = 2048
# What IOS-XE and netopeer2 sign with, by default, for an RSA host key.
RSA_SHA2_SIGNATURES = (b"rsa-sha2-512", b"rsa-sha2-256")

_cache: dict[Path, asyncssh.SSHKey] = {}
_cache_lock = threading.Lock()


def load_or_create_host_key(
    path: str | os.PathLike[str], algorithm: str = ED25519
) -> asyncssh.SSHKey:
    """Load the OpenSSH private key at ``path``, creating one of ``algorithm``
    (ED25519 or RSA) if missing; an existing key is kept whatever its type.

    A new file gets mode 0600, and two processes racing on the same router end
    up with the same key.
    """
    if algorithm not in (ED25519, RSA):
        raise ValueError(f"host key algorithm {algorithm!r}: use {ED25519} or {RSA}")
    p = Path(path).resolve()
    with _cache_lock:
        key = _cache.get(p)
        if key is None:
            key = _load_or_create(p, algorithm)
            _cache[p] = key
        return key


def server_host_key(key: asyncssh.SSHKey) -> asyncssh.SSHKey | asyncssh.SSHKeyPair:
    """What an SSH listener serves ``key`` as: an RSA key restricted to the
    rsa-sha2 signatures (a client that offers only ``ssh-rsa`` finds no host
    key algorithm in common), any other key as it is."""
    if key.algorithm != RSA.encode():
        return key
    (pair,) = asyncssh.load_keypairs([key])
    pair.host_key_algorithms = RSA_SHA2_SIGNATURES
    pair.sig_algorithms = RSA_SHA2_SIGNATURES
    return pair


def _load_or_create(p: Path, algorithm: str) -> asyncssh.SSHKey:
    if not p.exists():
        p.parent.mkdir(parents=True, exist_ok=True)
        if algorithm == RSA:
            key = asyncssh.generate_private_key(RSA, key_size=RSA_KEY_BITS)
        else:
            key = asyncssh.generate_private_key(ED25519)
        # Written aside then hard-linked: the key file appears complete or not
        # at all, and link() fails if another process created it first.
        tmp = p.with_name(f".{p.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(key.export_private_key("openssh"))
            os.link(tmp, p)
        except FileExistsError:
            pass  # another process won the race; use its key
        else:
            return key
        finally:
            tmp.unlink(missing_ok=True)
    return asyncssh.read_private_key(str(p))


def known_hosts_line(host: str, port: int, key: asyncssh.SSHKey) -> str:
    """One OpenSSH known_hosts line, e.g. ``[127.0.0.5]:8830 ssh-ed25519 AAAA...``.

    Port 22 uses the bare host, as OpenSSH does.
    """
    pub = key.export_public_key("openssh").decode().split()
    name = host if port == 22 else f"[{host}]:{port}"
    return f"{name} {pub[0]} {pub[1]}"
