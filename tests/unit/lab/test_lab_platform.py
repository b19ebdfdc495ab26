"""`lisplab up --platform`: the flag's choices, the face each one gets, and the
inventory's ansible_network_os naming a platform the modules know."""

from __future__ import annotations

from pathlib import Path

import pytest

from ansible_collections.lispnet.ms_recovery.lab.artifacts import ansible_inventory
from ansible_collections.lispnet.ms_recovery.lab.cli import build_parser
from ansible_collections.lispnet.ms_recovery.lab.faces import FACES, face_of
from ansible_collections.lispnet.ms_recovery.lab.topology import LAB_PLATFORMS, LabSpec
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms import (
    platform_for_network_os,
)


def test_the_flag_offers_every_lab_platform_and_defaults_to_lispnet() -> None:
    parser = build_parser()
    assert parser.parse_args(["up"]).platform == "lispnet"
    for name in LAB_PLATFORMS:
        assert parser.parse_args(["up", "--platform", name]).platform == name
    with pytest.raises(SystemExit):
        parser.parse_args(["up", "--platform", "junos"])


def test_spec_refuses_an_unknown_platform() -> None:
    with pytest.raises(ValueError, match="platform 'junos' is not one of lispnet, ietf, iosxe"):
        LabSpec(sites=1, subnet=203, password="unused", platform="junos")


@pytest.mark.parametrize("name", sorted(FACES))
def test_inventory_names_the_platform_the_modules_use(name: str, tmp_path: Path) -> None:
    spec = LabSpec(sites=1, subnet=203, password="unused", platform=name)
    inventory = ansible_inventory(spec, tmp_path)
    network_os = {
        group["vars"]["ansible_network_os"]
        for group in inventory["all"]["children"].values()
        if "ansible_network_os" in group.get("vars", {})
    }
    assert network_os == {face_of(name).network_os}
    expected = {"lispnet": "ietf", "ietf": "ietf"}.get(name, name)
    assert platform_for_network_os(face_of(name).network_os) == expected


def test_only_the_lispnet_face_serves_the_augment() -> None:
    assert face_of("lispnet").augment and not face_of("ietf").augment
    assert not any("lispnet-ms-recovery" in uri for uri in face_of("ietf").capabilities())
    if "iosxe" not in FACES:
        with pytest.raises(ValueError, match="lab platform 'iosxe' is not served yet"):
            face_of("iosxe")
