"""Detection latency: from the MS's NETCONF port being back after a reboot to the
EDA event source (lispnet.ms_recovery.ms_watch) emitting the reboot event."""

from __future__ import annotations

from typing import Any

from ansible_collections.lispnet.ms_recovery.extensions.eda.watch.latency import (
    MeasureError,
    measure_detection_latency,
)
from ansible_collections.lispnet.ms_recovery.lab import paths
from ansible_collections.lispnet.ms_recovery.lab.control import call


def detection(lab: Any, down_for: float, poll_interval: float = 2.0) -> dict[str, Any]:
    """One reboot of the active unit, watched as the event source watches it."""
    args = {
        "eid_inventory": str(lab.dir / "eids.yml"),
        "username": lab.spec.username,
        "password": lab.spec.password,
        "ssh_config": str(paths.ssh_config(lab.dir)),
        "poll_interval": poll_interval,
    }
    status = call(lab.ms_sock, "status")
    active = next(u["name"] for u in status["units"] if u["role"] == "active")
    try:
        measured = measure_detection_latency(
            args,
            lambda: call(lab.ms_sock, "reboot", down_for=down_for),
            unit=active,
            event="reboot",
            timeout=60 + down_for,
        )
    except MeasureError as exc:
        return {"error": str(exc)}
    return {"poll_interval_s": poll_interval, **measured.as_dict()}
