# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Host keys pinned from a known_hosts file, parsed once per fan-out.

ncclient (through paramiko) reads and searches the whole known_hosts file on
every connect; with one line per router, reaching 10,000 ETRs costs 10,000 x
10,000 line parses. The ``netconf`` re-registration method looks each ETR's
key up here instead and passes it to ncclient as ``hostkey_b64``, which still
refuses any other key the server presents.

It is also the one place that says whether a host key is revoked: paramiko
(under ncclient, in the project's sessions and in Ansible's netconf
connection) does not know known_hosts' ``@revoked`` lines, so the project's paramiko
Transport (ssh_rsa_sha2.py) asks :func:`refuse_revoked_host_key` about the key
the server presents, before authentication, while a connect runs inside
:func:`refusing_revoked_keys`.
"""

from __future__ import annotations

import binascii
import contextvars
import functools
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

try:
    import paramiko
except ImportError:  # ncclient's SSH library; only the NETCONF paths that use ncclient need it
    HAS_PARAMIKO = False
else:
    HAS_PARAMIKO = True


def known_hosts_file(ssh_config: str | None, host: str) -> str | None:
    """The UserKnownHostsFile ``ssh_config`` names for ``host`` (None: none)."""
    if not ssh_config:
        return None
    path = os.path.expanduser(ssh_config)
    return _user_known_hosts(_config(path, os.stat(path).st_mtime_ns).lookup(host))


def _user_known_hosts(settings: paramiko.SSHConfigDict) -> str | None:
    found = settings.get("userknownhostsfile")
    if isinstance(found, list):  # paramiko splits multiple files
        found = found[0] if found else None
    return os.path.expanduser(found) if found else None


# SSH config settings that pinning the key (and so not handing the config to
# ncclient) loses nothing of; anything else (ProxyCommand, IdentityFile, ...)
# keeps the config-driven connect.
_PLAIN_SETTINGS = frozenset({"hostname", "userknownhostsfile", "stricthostkeychecking"})


def pinnable_known_hosts(ssh_config: str | None, host: str) -> str | None:
    """The known_hosts file to pin ``host``'s key from, when ``ssh_config``
    says nothing else about ``host`` than where its known hosts are."""
    if not ssh_config:
        return None
    path = os.path.expanduser(ssh_config)
    settings = _config(path, os.stat(path).st_mtime_ns).lookup(host)
    if set(settings) - _PLAIN_SETTINGS or settings.get("hostname", host) != host:
        return None
    return known_hosts_file(ssh_config, host)


@functools.lru_cache(maxsize=8)
def _config(path: str, _mtime_ns: int) -> paramiko.SSHConfig:
    return paramiko.SSHConfig.from_path(path)


if HAS_PARAMIKO:  # its base class needs paramiko

    class HostKeysWithMarkers(paramiko.HostKeys):
        """paramiko's HostKeys that skips marker lines (``@revoked``,
        ``@cert-authority``). paramiko reads their fields shifted by one, fails
        to decode the key type as base64 and gives up on the whole file
        (InvalidHostKey), so one @revoked line made every host in it unreachable.
        Revoked keys are refused by :func:`refuse_revoked_presented_key` instead."""

        def load(self, filename: int | str | bytes | os.PathLike[str] | os.PathLike[bytes]) -> None:
            with open(filename, encoding="utf-8") as handle:
                for number, line in enumerate(handle, start=1):
                    line = line.strip()
                    if not line or line.startswith(("#", "@")):
                        continue
                    try:
                        entry = paramiko.hostkeys.HostKeyEntry.from_line(line, number)
                    except paramiko.SSHException:
                        continue
                    if entry is not None:
                        self._entries.append(entry)  # type: ignore[attr-defined]


class RevokedHostKey(ValueError):
    """The host key known_hosts pins for a host is also marked ``@revoked``."""


@dataclass
class _KnownHosts:
    keys: dict[str, str] = field(default_factory=dict)  # plain name -> base64 key
    # (host patterns, base64 key, line number) of every @revoked line: OpenSSH
    # never accepts such a key for a matching host, whatever other line lists it.
    revoked: list[tuple[tuple[str, ...], str, int]] = field(default_factory=list)

    def revoked_at(self, name: str, key: str) -> int | None:
        """The line marking ``key`` @revoked for ``name`` (None: none)."""
        for patterns, revoked, line in self.revoked:
            if key == revoked and _matches(name, patterns):
                return line
        return None


def _pattern_matches(name: str, pattern: str) -> bool:
    if pattern.startswith("|1|"):  # a hashed name: HMAC-SHA1 of the name, salted
        try:
            return paramiko.HostKeys.hash_host(name, pattern) == pattern
        except (AssertionError, binascii.Error, IndexError):  # a malformed salt
            return False
    # Only * and ? are wildcards: "[127.0.0.5]:8830" is a name, not a character class.
    regex = re.escape(pattern).replace(r"\*", ".*").replace(r"\?", ".")
    return re.fullmatch(regex, name) is not None


def _matches(name: str, patterns: tuple[str, ...]) -> bool:
    """OpenSSH host patterns: ``*``/``?`` wildcards, ``!`` negates, ``|1|`` hashed."""
    hit = False
    for pattern in patterns:
        if pattern.startswith("!"):
            if _pattern_matches(name, pattern[1:]):
                return False
        elif _pattern_matches(name, pattern):
            hit = True
    return hit


@functools.lru_cache(maxsize=8)
def _parse(path: str, _mtime_ns: int) -> _KnownHosts:
    known = _KnownHosts()
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            fields = line.split()
            if len(fields) >= 4 and fields[0] == "@revoked":
                known.revoked.append((tuple(fields[1].split(",")), fields[3], number))
                continue
            # Plain entries only: hashed names (|1|...) and other markers are
            # left to paramiko, which the caller falls back on when nothing is pinned.
            if len(fields) < 3 or fields[0].startswith(("#", "|", "@")):
                continue
            for name in fields[0].split(","):
                known.keys.setdefault(name, fields[2])
    return known


def _name(host: str, port: int) -> str:
    """The name OpenSSH looks ``host``:``port``'s key up by."""
    return host if port == 22 else f"[{host}]:{port}"


def refuse_revoked_host_key(path: str, host: str, port: int, key: str) -> None:
    """Raise :class:`RevokedHostKey` when ``path`` marks the base64 host key
    ``key`` @revoked for ``host``:``port``. An unreadable file revokes nothing
    (whoever reads it for the keys themselves reports it)."""
    try:
        known = _parse(path, os.stat(path).st_mtime_ns)
    except OSError:
        return
    name = _name(host, port)
    line = known.revoked_at(name, key)
    if line is not None:
        raise RevokedHostKey(
            f"{name}: the host key is marked @revoked at {path}:{line}; nothing was sent"
        )


def pinned_key(path: str | None, host: str, port: int) -> str | None:
    """The base64 host key ``path`` lists for ``host``:``port``, or None.

    Raises :class:`RevokedHostKey` when that key is marked ``@revoked``: the
    connection must be refused before any credential is sent.
    """
    if not path:
        return None
    try:
        known = _parse(path, os.stat(path).st_mtime_ns)
    except OSError:
        return None
    key = known.keys.get(_name(host, port))
    if key is not None:
        refuse_revoked_host_key(path, host, port, key)
    return key


# The known_hosts file, host and port of the connect this context runs (None:
# none armed). A context variable: the fan-out connects from many threads.
_in_use: contextvars.ContextVar[tuple[str, str, int] | None] = contextvars.ContextVar(
    "known_hosts_in_use", default=None
)


@contextmanager
def refusing_revoked_keys(path: str | None, host: str, port: int) -> Iterator[None]:
    """While inside, the project's paramiko Transport refuses a host key that
    ``path`` marks @revoked for ``host``:``port`` (nothing armed without a path)."""
    token = _in_use.set((path, host, port) if path else None)
    try:
        yield
    finally:
        _in_use.reset(token)


def refuse_revoked_presented_key(key: paramiko.PKey) -> None:
    """:func:`refuse_revoked_host_key` for the key a server just presented,
    against the known_hosts file of the connect in progress."""
    armed = _in_use.get()
    if armed is not None:
        refuse_revoked_host_key(*armed, key.get_base64())


def known_hosts_in_use(ssh_config: str | bool | None, host: str) -> tuple[str, str]:
    """The known_hosts file ncclient checks ``host``'s key against for this
    ``ssh_config`` (a path, True for ~/.ssh/config, None for none), and the
    name it checks (the config's HostName for ``host``)."""
    default = os.path.expanduser("~/.ssh/known_hosts")
    if not ssh_config:
        return default, host
    path = os.path.expanduser("~/.ssh/config" if ssh_config is True else ssh_config)
    try:
        settings = _config(path, os.stat(path).st_mtime_ns).lookup(host)
    except OSError:
        return default, host  # ncclient reports the missing config itself
    return _user_known_hosts(settings) or default, settings.get("hostname", host)
