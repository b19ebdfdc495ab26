"""What Galaxy and a packager read: the licence text, galaxy.yml's links, the
changelog."""

from __future__ import annotations

from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]


def test_copying_holds_the_gpl_v3_that_files_cite() -> None:
    text = (REPO / "COPYING").read_text()
    assert "GNU GENERAL PUBLIC LICENSE" in text and "Version 3, 29 June 2007" in text
    assert "END OF TERMS AND CONDITIONS" in text  # the whole text, not a stub
    galaxy = yaml.safe_load((REPO / "galaxy.yml").read_text())
    assert galaxy["license"] == ["GPL-3.0-or-later"]


def test_galaxy_links_are_real_https_urls() -> None:
    galaxy = yaml.safe_load((REPO / "galaxy.yml").read_text())
    for key in ("repository", "documentation", "issues", "homepage"):
        url = galaxy[key]
        assert url.startswith("https://"), key
        assert not any(word in url for word in ("example", "invalid", "localhost")), key
    assert 1 <= len(galaxy["tags"]) <= 20
    assert all(tag.isidentifier() and tag.islower() for tag in galaxy["tags"])


def test_changelog_knows_every_release_before_the_current_version() -> None:
    galaxy = yaml.safe_load((REPO / "galaxy.yml").read_text())
    changelog = yaml.safe_load((REPO / "changelogs/changelog.yaml").read_text())
    current = tuple(int(n) for n in galaxy["version"].split("."))
    released = [tuple(int(n) for n in v.split(".")) for v in changelog["releases"]]
    assert released and all(v <= current for v in released)
    assert "v" + ".".join(map(str, max(released))) in (REPO / "CHANGELOG.rst").read_text()
