"""measure_detection_latency with fake NETCONF links and a fake port probe."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest

from ansible_collections.lispnet.ms_recovery.extensions.eda.watch.latency import (
    MeasureError,
    measure_detection_latency,
)
from ansible_collections.lispnet.ms_recovery.tests.unit.eda.test_eda_watcher import (
    T0,
    FakeUnit,
    fake_opener,
)

ARGS: dict[str, Any] = {
    "hosts": [
        {"name": "ms1-a", "host": "127.0.0.1", "port": 830, "map_server": "ms1"},
        {"name": "ms1-b", "host": "127.0.0.2", "port": 830, "map_server": "ms1"},
    ],
    "username": "u",
    "password": "p",
    "poll_interval": 0.1,
    "reconnect_max": 0.25,
}


def lab() -> dict[str, FakeUnit]:
    return {"ms1-a": FakeUnit("ms1-a", "active"), "ms1-b": FakeUnit("ms1-b", "standby")}


def test_a_reboot_is_timed_from_the_unit_back_to_the_event() -> None:
    units = lab()
    active = units["ms1-a"]

    def reboot() -> None:
        active.set_down(True)

        def come_back() -> None:
            active.reboot(T0 + timedelta(hours=1))
            active.set_down(False)

        threading.Timer(0.3, come_back).start()

    result = measure_detection_latency(
        ARGS,
        reboot,
        unit="ms1-a",
        timeout=5,
        open_link=fake_opener(units),
        probe=lambda host, port: active.up if host == "127.0.0.1" else True,
    )
    assert (result.event, result.unit, result.detected_by) == ("reboot", "ms1-a", "poll")
    assert result.back_after >= 0.25
    assert result.total == pytest.approx(result.back_after + result.latency, abs=0.05)
    assert set(result.as_dict()) == {
        "event",
        "unit",
        "detected_by",
        "back_after",
        "latency",
        "total",
    }


def test_no_event_is_an_error_not_a_hang() -> None:
    units = lab()
    with pytest.raises(MeasureError, match=r"no switchover event within 0\.5 s"):
        measure_detection_latency(
            ARGS,
            lambda: None,
            event="switchover",
            timeout=0.5,
            open_link=fake_opener(units),
            probe=lambda host, port: True,
        )


def test_an_unknown_unit_is_an_error() -> None:
    units = lab()
    with pytest.raises(MeasureError, match="unknown"):
        measure_detection_latency(ARGS, lambda: None, unit="unknown", open_link=fake_opener(units))


def test_a_unit_that_never_goes_down_is_an_error() -> None:
    units = lab()
    with pytest.raises(MeasureError, match="ms1-a did not go down"):
        measure_detection_latency(
            ARGS,
            lambda: None,
            timeout=0.5,
            open_link=fake_opener(units),
            probe=lambda host, port: True,
        )
