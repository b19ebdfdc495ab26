"""Persistent SSH host keys for virtual routers.

A router keeps its key across restarts (the file is reused), so clients that
pinned it in known_hosts keep verifying it, like a real device after a reboot.
Keys are cached per path: many listeners of one router share one key object.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import asyncssh

_cache: dict[Path, asyncssh.SSHKey] = {}
_cache_lock = threading.Lock()


def load_or_create_host_key(path: str | os.PathLike[str]) -> asyncssh.SSHKey:
    """Load the OpenSSH private key at ``path``, creating an ed25519 key if missing.

    A new file gets mode 0600, and two processes racing on the same router end
    up with the same key.
    """
    p = Path(path).resolve()
    with _cache_lock:
        key = _cache.get(p)
        if key is None:
            key = _load_or_create(p)
            _cache[p] = key
        return key


def _load_or_create(p: Path) -> asyncssh.SSHKey:
    if not p.exists():
        p.parent.mkdir(parents=True, exist_ok=True)
        key = asyncssh.generate_private_key("ssh-ed25519")
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
