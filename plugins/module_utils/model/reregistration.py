# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A Map-Server-native re-registration request and its per-ETR results."""

from __future__ import annotations

from dataclasses import dataclass

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.types import IPAddress

DEFAULT_TIMEOUT = 10


@dataclass(frozen=True)
class ReregistrationRequest:
    """``sites`` empty means every stored site."""

    sites: tuple[str, ...]
    wait_for_acks: bool = True
    timeout: int = DEFAULT_TIMEOUT


@dataclass(frozen=True)
class EtrResult:
    etr: str
    rloc: IPAddress | None
    acked: bool
    retries: int = 0
    error: str | None = None


@dataclass(frozen=True)
class SiteResult:
    site: str
    etrs: tuple[EtrResult, ...]


@dataclass(frozen=True)
class ReregistrationResult:
    notifications_sent: int
    acked: int
    sites: tuple[SiteResult, ...]
