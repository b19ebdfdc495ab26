"""The reregister and map_request module shells: options reach the logic, check mode
sends nothing, failures carry a message, no secret in the output."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.lispnet.ms_recovery.lab.yang.capabilities import capabilities
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory import (
    dump_inventory,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms import Capabilities
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.ietf.features import (
    ietf_capabilities,
)
from ansible_collections.lispnet.ms_recovery.plugins.modules import map_request, reregister
from ansible_collections.lispnet.ms_recovery.tests.unit.module_utils.test_reregister_plan import (
    KEY,
    make_inventory,
    make_site,
)

INVENTORY = make_inventory(
    make_site("site-a", 1, ["10.1.0.0/24"], ["127.10.1.1"]),
    make_site("site-b", 2, ["10.2.0.0/24"], ["127.10.2.1"]),
)


class FakePlatform:
    def __init__(self, announced: tuple[str, ...] = tuple(capabilities())) -> None:
        self.rpcs: list[Any] = []
        self.announced = announced

    def capabilities(self, session: object) -> Capabilities:
        return ietf_capabilities(self.announced)

    def read_registered(self, session: object, known: object = ()) -> tuple[()]:
        return ()  # just rebooted: empty

    def send_reregistration(self, session: object, sites: Any, wait: bool, timeout: int) -> Any:
        self.rpcs.append(list(sites))
        raise AssertionError("nothing may be sent here")

    def etr_reregister_now(self, session: object, map_server: object = None) -> int:
        raise AssertionError("nothing may be sent here")


def run(module: Any, monkeypatch: pytest.MonkeyPatch, capsys: Any, **args: Any) -> dict[str, Any]:
    with patch_module_args(args), pytest.raises(SystemExit):
        module.main()
    out = capsys.readouterr().out
    assert KEY not in out
    return json.loads(out)


@pytest.fixture
def eids_file(tmp_path: Path) -> str:
    path = tmp_path / "eids.yml"
    path.write_text(dump_inventory(INVENTORY, keys="plain"))
    return str(path)


@pytest.fixture
def platform(monkeypatch: pytest.MonkeyPatch) -> FakePlatform:
    fake = FakePlatform()
    monkeypatch.setattr(reregister, "session_from_module", lambda module: object())
    monkeypatch.setattr(reregister, "get_platform", lambda name: fake)
    return fake


def test_check_mode_plans_every_site_of_an_empty_table(
    monkeypatch: pytest.MonkeyPatch, capsys: Any, eids_file: str, platform: FakePlatform
) -> None:
    result = run(
        reregister,
        monkeypatch,
        capsys,
        eid_inventory=eids_file,
        method="lisp",
        _ansible_check_mode=True,
    )
    assert result["changed"] is True and result["sent"] == 0
    assert result["targeted_sites"] == ["site-a", "site-b"] and result["would_send"] == 2
    assert platform.rpcs == []


def test_netconf_method_needs_credentials_and_hides_the_password(
    monkeypatch: pytest.MonkeyPatch, capsys: Any, eids_file: str, platform: FakePlatform
) -> None:
    result = run(
        reregister, monkeypatch, capsys, eid_inventory=eids_file, method="netconf",
        etr_password="pw-" + KEY,
    )  # fmt: skip
    assert result["failed"] is True
    assert "etr_username" in result["msg"]


def test_an_unknown_site_fails_with_the_known_names(
    monkeypatch: pytest.MonkeyPatch, capsys: Any, eids_file: str, platform: FakePlatform
) -> None:
    result = run(reregister, monkeypatch, capsys, eid_inventory=eids_file, sites=["site-zz"])
    assert result["failed"] is True and "site-zz" in result["msg"]
    assert platform.rpcs == []


def test_map_request_rejects_a_bad_fail_on_key(
    monkeypatch: pytest.MonkeyPatch, capsys: Any, eids_file: str
) -> None:
    result = run(map_request, monkeypatch, capsys, eid_inventory=eids_file, fail_on={"missing": 0})
    assert result["failed"] is True and "fail_on takes" in result["msg"]
    assert result["changed"] is False


def test_method_ms_refused_up_front_without_the_augment(
    monkeypatch: pytest.MonkeyPatch, capsys: Any, eids_file: str, platform: FakePlatform
) -> None:
    platform.announced = tuple(uri for uri in capabilities() if "lispnet-ms-recovery" not in uri)
    result = run(reregister, monkeypatch, capsys, eid_inventory=eids_file, method="ms")
    assert result["failed"] is True
    assert "lispnet-ms-recovery module's send-reregistration" in result["msg"]
    assert platform.rpcs == []
