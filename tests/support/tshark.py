# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run Wireshark's tshark over a pcap: the independent check of what we put on the wire."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

TSHARK = shutil.which("tshark")
requires_tshark = pytest.mark.skipif(
    TSHARK is None, reason="tshark not found on PATH (Debian: apt-get install tshark)"
)
tshark_test = [pytest.mark.tshark, requires_tshark]
"""Use as ``pytestmark = tshark_test`` in a module that needs tshark."""

_TIMEOUT = 60
# Expert severities as tshark prints them (epan/proto.h PI_WARN, PI_ERROR).
_SEVERITY_NAMES = {"6291456": "warning", "8388608": "error"}


def _run(*args: str) -> str:
    if TSHARK is None:
        raise RuntimeError("tshark is not installed")
    result = subprocess.run(
        [TSHARK, "-n", *args],
        capture_output=True,
        text=True,
        timeout=_TIMEOUT,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"tshark failed ({result.returncode}): {result.stderr.strip()}")
    return result.stdout


def _json_frames(pcap_path: str | Path, fields: list[str], display_filter: str) -> list[dict]:
    args = ["-r", str(pcap_path), "-T", "json"]
    for field in ["frame.number", *fields]:
        args += ["-e", field]
    if display_filter:
        args += ["-Y", display_filter]
    output = _run(*args).strip()
    return json.loads(output) if output else []


def tshark_fields(pcap_path: str | Path, fields: list[str]) -> list[dict[str, list[str]]]:
    """One dict per frame: each field to all its occurrences in that frame (maybe none)."""
    frames = _json_frames(pcap_path, fields, "")
    result = []
    for frame in frames:
        layers = frame.get("_source", {}).get("layers", {})
        row = {field: list(layers.get(field, [])) for field in fields}
        row["frame.number"] = list(layers.get("frame.number", []))
        result.append(row)
    return result


def tshark_problems(pcap_path: str | Path) -> list[str]:
    """Every malformed-packet mark and expert warning or error, as 'frame N: ...'."""
    fields = ["_ws.malformed", "_ws.expert.severity", "_ws.expert.message", "_ws.expert"]
    frames = _json_frames(pcap_path, fields, "_ws.malformed || _ws.expert.severity >= 6291456")
    problems = []
    for frame in frames:
        layers = frame.get("_source", {}).get("layers", {})
        number = (layers.get("frame.number") or ["?"])[0]
        if "_ws.malformed" in layers:
            problems.append(f"frame {number}: malformed packet")
        severities = layers.get("_ws.expert.severity", [])
        messages = layers.get("_ws.expert.message", [])
        for severity, message in zip(severities, messages, strict=False):
            name = _SEVERITY_NAMES.get(severity)
            if name:
                problems.append(f"frame {number}: {name}: {message}")
    return problems
