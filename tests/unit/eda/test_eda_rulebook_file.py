"""The shipped rulebook is valid for ansible-rulebook and matches our events."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[3]
RULEBOOK = REPO / "extensions/eda/rulebooks/ms_recovery.yml"
VARS = {
    "lisp_eid_inventory": "/x/eids.yml",
    "lisp_ms_username": "admin",
    "lisp_ms_password": "pw",
    "lisp_ms_ssh_config": "/x/ssh_config",
}


def test_rulebook_is_valid_and_acts_on_every_event_kind(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("ansible_rulebook", reason="ansible-rulebook is not installed")
    from ansible_rulebook.collection import find_collection
    from ansible_rulebook.conf import settings
    from ansible_rulebook.rules_parser import parse_rule_sets
    from ansible_rulebook.validators import Validate

    # The parser looks the source up with ansible-galaxy (the venv's).
    galaxy = Path(sys.executable).parent / "ansible-galaxy"
    monkeypatch.setattr(settings, "ansible_galaxy_path", str(galaxy))
    find_collection.cache_clear()
    data = yaml.safe_load(RULEBOOK.read_text())
    Validate.rulebook(data)
    [ruleset] = parse_rule_sets(data, VARS)
    assert ruleset.sources[0].source_name == "lispnet.ms_recovery.ms_watch"
    conditions = " ".join(str(rule.condition) for rule in ruleset.rules)
    for kind in ("reboot", "switchover", "registration_deficit"):
        assert f'"{kind}"' in RULEBOOK.read_text() and kind in conditions
    for rule in ruleset.rules:
        assert rule.throttle is not None and rule.throttle.once_within
        assert [a.action for a in rule.actions] == ["run_playbook"]
        assert rule.actions[0].action_args["name"] == "lispnet.ms_recovery.recover"
