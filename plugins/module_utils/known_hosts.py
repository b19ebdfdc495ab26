# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Host keys pinned from a known_hosts file, parsed once per fan-out.

ncclient (through paramiko) reads and searches the whole known_hosts file on
every connect; with one line per router, reaching 10,000 ETRs costs 10,000 x
10,000 line parses. The ``netconf`` re-registration method looks each ETR's
key up here instead and passes it to ncclient as ``hostkey_b64``, which still
refuses any other key the server presents.
"""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass, field

import paramiko


def known_hosts_file(ssh_config: str | None, host: str) -> str | None:
    """The UserKnownHostsFile ``ssh_config`` names for ``host`` (None: none)."""
    if not ssh_config:
        return None
    path = os.path.expanduser(ssh_config)
    found = _config(path, os.stat(path).st_mtime_ns).lookup(host).get("userknownhostsfile")
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


class RevokedHostKey(ValueError):
    """The host key known_hosts pins for a host is also marked ``@revoked``."""


@dataclass
class _KnownHosts:
    keys: dict[str, str] = field(default_factory=dict)  # plain name -> base64 key
    # (host patterns, base64 key) of every @revoked line: OpenSSH never accepts
    # such a key for a matching host, whatever other line lists it.
    revoked: list[tuple[tuple[str, ...], str]] = field(default_factory=list)

    def is_revoked(self, name: str, key: str) -> bool:
        return any(
            key == revoked and _matches(name, patterns) for patterns, revoked in self.revoked
        )


def _pattern_matches(name: str, pattern: str) -> bool:
    # Only * and ? are wildcards: "[127.0.0.5]:8830" is a name, not a character class.
    regex = re.escape(pattern).replace(r"\*", ".*").replace(r"\?", ".")
    return re.fullmatch(regex, name) is not None


def _matches(name: str, patterns: tuple[str, ...]) -> bool:
    """OpenSSH host patterns: ``*``/``?`` wildcards, ``!`` negates."""
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
        for line in handle:
            fields = line.split()
            if len(fields) >= 4 and fields[0] == "@revoked":
                known.revoked.append((tuple(fields[1].split(",")), fields[3]))
                continue
            # Plain entries only: hashed names (|1|...) and other markers are
            # left to paramiko, which the caller falls back on when nothing is pinned.
            if len(fields) < 3 or fields[0].startswith(("#", "|", "@")):
                continue
            for name in fields[0].split(","):
                known.keys.setdefault(name, fields[2])
    return known


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
    name = host if port == 22 else f"[{host}]:{port}"
    key = known.keys.get(name)
    if key is not None and known.is_revoked(name, key):
        raise RevokedHostKey(f"{name}: the host key {path} lists is marked @revoked there")
    return key
