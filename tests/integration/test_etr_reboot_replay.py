"""An ETR's replay protection survives its reboot: `lisplab stop-etr` and
`start-etr` throw its memory away and keep what it persisted, so a notification
captured before the reboot and replayed after it is refused (RFC 9301 5.6: an
ETR persists its nonce state across a restart)."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from ansible_collections.lispnet.ms_recovery.lab.cli import lab_status
from ansible_collections.lispnet.ms_recovery.lab.cli import main as lisplab
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory import (
    load_inventory,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.codec import (
    encode_map_notify,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.nonce import (
    NonceCounter,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.recovery.notifier import (
    LISP_CONTROL_PORT,
    site_targets,
)
from ansible_collections.lispnet.ms_recovery.tests.support.lab import (
    NO_PASSIVE_REFILL,
    eventually,
    running_lab,
)

pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]


def test_a_capture_replayed_after_an_etr_reboot_is_refused(tmp_path: Path) -> None:
    with running_lab(
        tmp_path / "lab", sites=2, etr_behaviour="notify", register_interval=NO_PASSIVE_REFILL
    ) as lab:
        site = load_inventory(lab.eids).sites[0]
        etr = site.etrs[0]
        target = site_targets(
            site.name,
            key=site.key.reveal(),
            key_id=site.key_id,
            algorithm=site.algorithm,
            eids=site.eids,
            etrs=[(etr.name, etr.rloc)],
        )[0]
        nonces = NonceCounter(None)

        def notification() -> bytes:
            return encode_map_notify(
                target.records,
                key=target.key,
                key_id=target.key_id,
                algorithm=target.algorithm,
                nonce=nonces.next(),
            )

        def status() -> dict[str, int]:
            return dict(lab_status(lab.dir)["etrs"][etr.name])

        def acked(sock: socket.socket) -> bool:
            try:
                return sock.recv(2048)[0] >> 4 == 5
            except TimeoutError:
                return False

        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as controller:
            controller.bind((str(lab.spec.host(250, 9)), 0))
            controller.settimeout(2.0)
            destination = (str(etr.rloc), LISP_CONTROL_PORT)
            # The capture: two notifications the ETR acked and acted on.
            older, newest = notification(), notification()
            for message in (older, newest):
                controller.sendto(message, destination)
                assert acked(controller)
            assert eventually(lambda: status()["reregistrations"] == 2)

            args = ["--dir", str(lab.dir)]
            assert lisplab([*args, "stop-etr", etr.name]) == 0
            assert lisplab([*args, "start-etr", etr.name]) == 0
            after = status()
            assert after["running"] and after["reregistrations"] == 0  # memory is gone

            controller.sendto(older, destination)
            assert not acked(controller)  # older than what it persisted: a replay
            controller.sendto(newest, destination)
            assert acked(controller)  # the last one again: acked, not acted upon
            assert eventually(lambda: status()["notify_replays"] == 1)
            assert status()["notify_retransmissions"] == 1
            assert status()["reregistrations"] == 0

            # And still a working ETR: a fresh notification is acted upon.
            controller.sendto(notification(), destination)
            assert acked(controller)
            assert eventually(lambda: status()["reregistrations"] == 1)
