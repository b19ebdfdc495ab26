# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The HTML page's jinja2 template.

A Python string rather than a .j2 file: module_utils are shipped to the module
as Python files only, so a data file beside them would not travel with it.
Rendered with autoescape on; the only markup passed in is the generated SVG.
"""

from __future__ import annotations

REPORT_TEMPLATE = """\
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{{ title }}</title>
<style>
body { font-family: sans-serif; margin: 2em; color: #1f2328; max-width: 60em; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
th, td { border: 1px solid #d0d7de; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
.ok { color: #1a7f37; font-weight: bold; }
.fail { color: #cf222e; font-weight: bold; }
.skip { color: #656d76; }
.note { color: #656d76; font-size: 0.9em; }
.headline { font-size: 1.3em; }
code { font-size: 0.95em; }
</style>
</head>
<body>
<h1>{{ title }}</h1>
<p>
{%- if generated_at %}Generated {{ generated_at }}. {% endif -%}
Result: <span class="{{ 'ok' if ok else 'fail' }}">{{ 'OK' if ok else 'FAIL' }}</span>
</p>
<p class="headline {{ 'ok' if ok else 'fail' }}">{{ headline }}</p>
{%- if failed %}
<h2>Failed sites ({{ failed | length }})</h2>
<table class="failed">
<tr><th>Site</th><th>Reason</th></tr>
{%- for site in failed %}
<tr><td>{{ site.name }}</td><td>{{ site.reason or 'not recovered' }}</td></tr>
{%- endfor %}
</table>
{%- endif %}

<h2>Summary</h2>
<table class="summary">
{%- for label, value in facts %}
<tr><th>{{ label }}</th><td>{{ value }}</td></tr>
{%- endfor %}
</table>

<h2>Recovery curve</h2>
{{ svg }}
<p class="note">Registered EIDs over time. The dashed line is not measured: it is an
estimate of recovery without the tool, from the {{ register_interval }} s register interval
(ETR register timers spread uniformly over the interval, so a share t / interval of the
sites is back by time t). The shaded band left of zero is the Map-Server's down window as
far as the tool can bound it: from its last sighting of the MS serving (or "unknown") to the
MS's return; the "MS down" row above says where each bound comes from.</p>


<h2>Checks</h2>
<table class="checks">
<tr><th>Check</th><th>Result</th><th>Details</th></tr>
{%- for check in checks %}
<tr><td>{{ check.name }}</td>
<td class="{{ check.css }}">{{ check.verdict }}</td><td>{{ check.details }}</td></tr>
{%- endfor %}
</table>

{%- if problems %}
<h3>Table and Map-Request problems
{%- if problems_more %} (first {{ problems | length }}){% endif %}</h3>
<table class="problems">
<tr><th>Kind</th><th>Entry</th></tr>
{%- for kind, entry in problems %}
<tr><td>{{ kind }}</td><td><code>{{ entry }}</code></td></tr>
{%- endfor %}
</table>
{%- if problems_more %}<p class="note">{{ problems_more }} more in report.json.</p>{% endif %}
{%- endif %}

{%- if notes %}
<h2>Notes</h2>
<ul>
{%- for note in notes %}
<li>{{ note }}</li>
{%- endfor %}
</ul>
{%- endif %}

{%- if sites %}
<h2>Sites ({{ sites | length }})</h2>
<details{% if sites | length <= 50 %} open{% endif %}>
<summary>Per-site and per-ETR results</summary>
<table class="sites">
<tr><th>Site</th><th>Result</th><th>Method</th><th>Bridged</th><th>ETR confirmed</th>
<th>ETR</th><th>RLOC</th><th>Acked</th><th>Retries</th><th>Error</th></tr>
{%- for site in sites %}
{%- set rows = site.etrs or [none] %}
{%- for etr in rows %}
<tr>
{%- if loop.first %}
<td rowspan="{{ rows | length }}">{{ site.name }}</td>
<td rowspan="{{ rows | length }}" class="{{ 'ok' if site.recovered else 'fail' }}">
{{- 'recovered' if site.recovered else 'not recovered' }}</td>
<td rowspan="{{ rows | length }}">{{ site.served.method or '' }}</td>
<td rowspan="{{ rows | length }}">{{ site.served.bridged or '' }}</td>
<td rowspan="{{ rows | length }}">{{ site.served.etr_confirmed or '' }}
{{- ' (bridge withdrawn)' if site.served.bridge_withdrawn else '' }}</td>
{%- endif %}
{%- if etr %}
<td>{{ etr.etr }}</td><td>{{ etr.rloc or '' }}</td><td>{{ 'yes' if etr.acked else 'no' }}</td>
<td>{{ etr.retries }}</td><td>{{ etr.error or '' }}</td>
{%- else %}
<td colspan="5" class="skip">judged by {{ site.source }}</td>
{%- endif %}
</tr>
{%- endfor %}
{%- endfor %}
</table>
</details>
{%- endif %}
</body>
</html>
"""
