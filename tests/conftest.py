"""Shared fixtures. `lab` is a real virtual lab (processes, UDP, NETCONF over SSH)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ansible_collections.lispnet.ms_recovery.tests.support.lab import (
    NO_PASSIVE_REFILL,
    Lab,
    running_lab,
)


def pytest_configure(config: pytest.Config) -> None:
    # Also registered in pyproject.toml; ansible-test units runs pytest with its own
    # configuration file (and --strict-markers), so the markers are declared here too.
    config.addinivalue_line("markers", "integration: runs real processes and sockets on loopback")
    config.addinivalue_line("markers", "tshark: needs Wireshark's tshark")


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[Lab]:
    """Five sites and fast notification retransmits. The ETRs' periodic
    Map-Registers are a day apart, so nothing but the recovery under test
    refills a table within a test (a passive refill would make results racy)."""
    with running_lab(
        tmp_path / "lab",
        sites=5,
        register_interval=NO_PASSIVE_REFILL,
        notify_schedule=(0.5, 0.5, 1.0),
    ) as running:
        yield running
