"""report.html in a real browser (Debian's chromium, headless): it renders without a
console error, its title names the MS, and the measured curve and the MS's down window
have a visible width on the outage's time axis."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.report import build_report
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.report.files import (
    write_report,
)
from ansible_collections.lispnet.ms_recovery.tests.unit.module_utils.test_report_samples import (
    full_success,
)

CHROMIUM = shutil.which("chromium")
pytestmark = [
    pytest.mark.integration,
    pytest.mark.timeout(120),
    pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium (.ci/run installs it)"),
]

# The probe page loads the report in a frame (same file origin) and writes what the
# browser laid out into its own DOM, which --dump-dom prints.
PROBE = """<!DOCTYPE html><html><body>
<iframe id="f" src="report.html" width="1000" height="2000"></iframe><pre id="out">pending</pre>
<script>
document.getElementById('f').addEventListener('load', function () {
  var doc = this.contentDocument;
  function box(sel) {
    var e = doc.querySelector(sel); if (!e) return null;
    var r = e.getBoundingClientRect(); return {x: r.left, width: r.width};
  }
  document.getElementById('out').textContent = JSON.stringify({
    title: doc.title, svg: box('svg.recovery-curve'), tool: box('polyline.tool'),
    waiting: box('polyline.waiting'), down: box('rect.down-window'),
    headline: (doc.querySelector('.headline') || {}).textContent});
});
</script></body></html>
"""


def _render(directory: Path) -> tuple[dict[str, object], str]:
    (directory / "probe.html").write_text(PROBE)
    proc = subprocess.run(
        [
            str(CHROMIUM),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--allow-file-access-from-files",
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=5000",
            "--dump-dom",
            (directory / "probe.html").as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    found = re.search(r'<pre id="out">(.*?)</pre>', proc.stdout, re.S)
    assert found and found.group(1) != "pending", proc.stdout[-2000:] + proc.stderr[-2000:]
    return json.loads(found.group(1).replace("&quot;", '"')), proc.stderr


def test_the_report_renders_cleanly_with_a_visible_measured_curve(tmp_path: Path) -> None:
    results = full_success()
    results["ms_state"]["unit"]["boot_time"] = "2024-05-01T10:00:00Z"
    results["reregister"]["acted_at"] = "2024-05-01T10:00:12Z"
    results["ms_state"]["down_window"] = {
        "event": "reboot",
        "down_after": "2024-05-01T09:59:40Z",
        "down_after_source": "ms_state's last read of ms1-a up in its previous boot",
        "down_by": "2024-05-01T10:00:00Z",
        "back_at": "2024-05-01T10:00:00Z",
        "back_exact": True,
        "back_source": "ietf-system boot-datetime",
    }
    write_report(build_report(results), tmp_path)
    page, log = _render(tmp_path)
    assert [line for line in log.splitlines() if "CONSOLE" in line] == []
    assert page["title"] == "LISP Map-Server recovery: ms1 (ms1-a)"
    assert str(page["headline"]).startswith("Table whole 12.8 s after the MS came back")
    svg, tool, waiting = page["svg"], page["tool"], page["waiting"]
    assert isinstance(svg, dict) and isinstance(tool, dict) and isinstance(waiting, dict)
    assert svg["width"] >= 600
    assert tool["width"] >= 3  # the measured rise, not a vertical stroke
    # On the outage's axis: the wait before the tool acted starts at the y axis and
    # the measured curve starts where it ends.
    assert waiting["width"] >= 60
    assert abs(waiting["x"] + waiting["width"] - tool["x"]) <= 3
    # The MS's down window: a visible band left of zero, ending where the wait begins.
    down = page["down"]
    assert isinstance(down, dict) and down["width"] >= 60
    assert abs(down["x"] + down["width"] - waiting["x"]) <= 3


def test_a_console_error_is_seen(tmp_path: Path) -> None:
    """The check above can fail: a page that logs an error is caught."""
    write_report(build_report(full_success()), tmp_path)
    html = tmp_path / "report.html"
    html.write_text(
        html.read_text().replace("</body>", "<script>console.error('boom')</script></body>")
    )
    _unused, log = _render(tmp_path)
    assert any("CONSOLE" in line and "boom" in line for line in log.splitlines())
