"""A real virtual lab for integration tests: processes, sockets, NETCONF."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from lxml import etree

from ansible_collections.lispnet.ms_recovery.lab import paths
from ansible_collections.lispnet.ms_recovery.lab.control import call
from ansible_collections.lispnet.ms_recovery.lab.processes import start_lab, stop_lab
from ansible_collections.lispnet.ms_recovery.lab.topology import LabSpec, free_subnet
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.types import (
    Eid,
    IPAddress,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.ms import (
    MsSnapshot,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.reregistration import (
    ReregistrationResult,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.netconf_session import (
    NcclientSession,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.ietf import (
    filters,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.ietf.ms_parse import (
    parse_ms,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.ietf.rpcs import (
    parse_send_reregistration_reply,
    send_reregistration_rpc,
)

# ETRs register periodically with a random first phase within their interval. A
# day-long interval keeps that passive refill out of a test's few seconds with
# near certainty (10 minutes still let a few percent of runs race the recovery).
NO_PASSIVE_REFILL = 86400.0


@dataclass
class Lab:
    spec: LabSpec
    dir: Path

    @property
    def inventory(self) -> Path:
        return paths.ansible_inventory(self.dir)

    @property
    def eids(self) -> Path:
        return paths.eid_inventory(self.dir)

    def control(self, command: str, process: str = "ms", **args: Any) -> dict[str, Any]:
        return call(paths.control_socket(self.dir, process), command, **args)

    def etr_process_of(self, etr_index: int) -> str:
        return f"etrs-{etr_index // self.spec.shard_size * self.spec.shard_size}"

    def ms_session(self, unit: int = 0, ms: int = 0) -> NcclientSession:
        return NcclientSession.connect(
            host=str(self.spec.unit_address(unit, ms)),
            port=self.spec.netconf_port,
            username=self.spec.username,
            password=self.spec.password,
            ssh_config=str(paths.ssh_config(self.dir)),
        )

    def etr_session(self, etr_index: int) -> NcclientSession:
        return NcclientSession.connect(
            host=str(self.spec.etr_address(etr_index)),
            port=self.spec.netconf_port,
            username=self.spec.username,
            password=self.spec.password,
            ssh_config=str(paths.ssh_config(self.dir)),
        )

    def read_ms(self, unit: int = 0, ms: int = 0) -> MsSnapshot:
        """An independent NETCONF read of one MS unit's whole state."""
        with self.ms_session(unit, ms) as session:
            return parse_ms(session.get(filters.ms_full_filter()))

    def registered(self, unit: int = 0, ms: int = 0) -> dict[Eid, frozenset[IPAddress]]:
        """The unit's table as EID -> RLOCs (all xTRs' records merged)."""
        table: dict[Eid, set[IPAddress]] = {}
        for record in self.read_ms(unit, ms).registrations:
            table.setdefault(record.eid, set()).update(r.address for r in record.rlocs)
        return {eid: frozenset(rlocs) for eid, rlocs in table.items()}

    def send_reregistration(
        self, unit: int = 0, wait: bool = True, timeout: int = 20
    ) -> ReregistrationResult:
        """The MS-native recovery RPC, over NETCONF."""
        request = etree.tostring(send_reregistration_rpc([], wait, timeout)).decode()
        with self.ms_session(unit) as session:
            return parse_send_reregistration_reply(session.rpc(request))

    def ansible_vars(self) -> dict[str, Any]:
        """The variables a map-server host gets from the lab inventory."""
        top = yaml.safe_load(self.inventory.read_text())["all"]
        return {**top["vars"], **top["children"]["map_servers"]["vars"]}


def eventually(check: Callable[[], bool], timeout: float = 15.0) -> bool:
    """Poll ``check`` until it holds or ``timeout`` passes (bounded)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return check()


@contextmanager
def running_lab(lab_dir: Path, **spec_args: Any) -> Iterator[Lab]:
    """A lab for one test. Its ETRs are ``notify`` ETRs unless the test asks
    for ``etr_behaviour="standard"``: the tests of the ms, lisp and netconf
    methods prove what those methods do on ETRs that act on notifications
    (real ETRs do not; tests of real behaviour ask for standard ETRs)."""
    spec_args.setdefault("subnet", free_subnet())
    spec_args.setdefault("sites", 5)
    spec_args.setdefault("etr_behaviour", "notify")
    spec = LabSpec(**spec_args)
    start_lab(spec, lab_dir)
    try:
        yield Lab(spec, lab_dir.resolve())
    finally:
        stop_lab(lab_dir)
