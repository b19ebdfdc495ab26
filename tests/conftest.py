"""Shared fixtures. `lab` is a real virtual lab (processes, UDP, NETCONF over SSH)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ansible_collections.lispnet.ms_recovery.tests.support.lab import Lab, running_lab


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[Lab]:
    """Five sites, short register interval, fast notification retransmits."""
    with running_lab(
        tmp_path / "lab", sites=5, register_interval=30.0, notify_schedule=(0.5, 0.5, 1.0)
    ) as running:
        yield running
