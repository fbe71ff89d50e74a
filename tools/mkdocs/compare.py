"""MkDocs hook of patternlab's Compare section: tables from data files.

A page under docs/compare/ holds markers such as <!-- compare: tools/messaging -->;
each is replaced by the rendering of compare/tools/messaging.yaml (tools side
by side), compare/systems/<name>.yaml (an open-source system read from its
source) or compare/frontier/<topic>.yaml (a frontier topic's feasibility). A row
is one place to edit. Measured cells print the number from the committed run
(benchmarks/results/<module>.txt) they name, so no number is typed in.
`make check` (tools/internal/compare) validates the same files.
"""
import os
import re
import statistics

import yaml
from mkdocs.exceptions import PluginError

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MARKER = re.compile(r"<!--\s*compare:\s*([a-z]+/[a-z0-9-]+)\s*-->")
PROCS = re.compile(r"-\d+$")


def _load(key):
    path = os.path.join(ROOT, "compare", key + ".yaml")
    if not os.path.exists(path):
        raise PluginError(f"compare: the marker names {key}, but compare/{key}.yaml does not exist")
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f) or {}


def _cell(text):
    """Prose for one table cell or paragraph: one line, pipes and angle
    brackets escaped (a "<path>" in the data is text, not HTML)."""
    one = " ".join(str(text or "").split())
    return one.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def _code(text):
    """A code span for a table cell: pipes escaped, nothing else (Markdown
    escapes the rest inside backticks)."""
    return "`" + " ".join(str(text or "").split()).replace("|", "\\|") + "`"


# The build's language: the Chinese counterpart of a chapter is a summary
# without the chapter's section anchors, so its links carry none.
_lang = {"code": "en"}


def _link(page, target, text, anchor=""):
    """A link from the page being rendered to a docs page (docs-relative)."""
    rel = os.path.relpath(target, os.path.dirname(page.file.src_path)).replace(os.sep, "/")
    if _lang["code"] != "en":
        anchor = ""
    return f"[{text}]({rel}{anchor})"


def _chapter_exists(chapter):
    return os.path.exists(os.path.join(ROOT, "docs", chapter + ".md"))


# --- measured cells: read the committed benchmark run -----------------------

_runs = {}


def _run(module):
    """benchmark name -> unit -> values, from benchmarks/results/<module>.txt;
    the same line format tools/internal/compare/bench.go reads."""
    if module in _runs:
        return _runs[module]
    path = os.path.join(ROOT, "benchmarks", "results", module + ".txt")
    if not os.path.exists(path):
        raise PluginError(f"compare: no committed benchmark run benchmarks/results/{module}.txt")
    lines = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            fields = line.split()
            if len(fields) < 4 or not fields[0].startswith("Benchmark") or len(fields) % 2:
                continue
            if not fields[1].isdigit():
                continue
            name = PROCS.sub("", fields[0][len("Benchmark"):])
            units = lines.setdefault(name, {})
            for value, unit in zip(fields[2::2], fields[3::2]):
                try:
                    units.setdefault(unit, []).append(float(value))
                except ValueError:
                    pass
    _runs[module] = lines
    return lines


def _number(v):
    if abs(v) >= 1000:
        return f"{round(v):,}"
    if abs(v) >= 100:
        return f"{v:.0f}"
    if abs(v) >= 10:
        return f"{v:.1f}"
    if abs(v) >= 1:
        return f"{v:.2f}"
    return f"{v:.3g}"


def _measured(page, m):
    module, bench, unit = m["module"], m["benchmark"], m["unit"]
    values = _run(module).get(bench, {}).get(unit)
    if not values:
        raise PluginError(f"compare: benchmarks/results/{module}.txt has no {unit} for {bench}")
    chapter = f"patterns/{module}"
    where = _link(page, chapter + ".md", f"{module} benchmarks", "#benchmarks") if _chapter_exists(chapter) else f"`benchmarks/results/{module}.txt`"
    note = f": {_cell(m['note'])}" if m.get("note") else ""
    return f"**{_number(statistics.median(values))} {unit}** `{bench}` ({where}){note}"


# --- tools -----------------------------------------------------------------

def _tools(page, data):
    tools = data.get("tools") or []
    out = []
    # Two tables of four columns read better than one of eight.
    for heads, keys in ((("Model", "Delivery and durability", "Ordering"), ("model", "guarantees", "ordering")),
                        (("Scaling", "Operational cost", "Go client", "Licence"), ("scaling", "operations", "go_client", "licence"))):
        out += ["| | " + " | ".join(heads) + " |", "|---" * (len(heads) + 1) + "|"]
        for t in tools:
            out.append("| " + " | ".join([f"**{_cell(t['name'])}**"] + [_cell(t.get(k)) for k in keys]) + " |")
        out.append("")
    out += ["| | Pick it when | Not when |", "|---|---|---|"]
    for t in tools:
        out.append(f"| **{_cell(t['name'])}** | {_cell(t.get('pick'))} | {_cell(t.get('avoid'))} |")
    out += ["", "**In the lab.** A minimal example is compiled and tested code, shown whole below; a number is read from the committed benchmark run it names.", "",
            "| | Runs in | Minimal example | Measured here |", "|---|---|---|---|"]
    for t in tools:
        lab = ", ".join(_link(page, d + ".md", d.split("/")[-1]) if _chapter_exists(d) else f"`{d}`" for d in t.get("lab") or [])
        examples = "<br>".join(f"`{e}`" for e in t.get("example") or [])
        measured = "<br>".join(_measured(page, m) for m in t.get("measured") or [])
        out.append(f"| **{_cell(t['name'])}** | {lab or 'not run by the lab'} | {examples or '—'} | {measured or '—'} |")
    out += ["", '??? info "Where each licence was read"', ""]
    for t in tools:
        project = f" (`{t['project']}`)" if t.get("project") else ""
        out.append(f"    - **{_cell(t['name'])}**{project}: {_cell(t.get('licence'))}, {_cell(t.get('licence_source'))}")
    return "\n".join(out) + "\n"


# --- systems ---------------------------------------------------------------

def _pattern_links(page, names):
    return ", ".join(_link(page, f"patterns/{n}.md", n) if _chapter_exists(f"patterns/{n}") else f"`{n}`" for n in names)


def _system(page, data):
    out = [_cell(data.get("summary")), ""]
    for m in data.get("mechanisms") or []:
        out += [f"### {m['name']}", "", f"**Lab patterns:** {_pattern_links(page, m.get('patterns') or [])}", "",
                "| repository | release | path | symbol |", "|---|---|---|---|"]
        for w in m.get("where") or []:
            commit = _code(w["commit"][:12]) if w.get("commit") else "Go module"
            out.append(f"| {_code(w['repository'])} | {_cell(w['release'])} ({commit}) | {_code(w['path'])} | {_code(w['symbol'])} |")
        out += ["", _cell(m.get("how")), "", f"**What the lab does differently.** {_cell(m.get('lab_differs'))}", ""]
        reads = sorted({_cell(w.get("read_in")) for w in m.get("where") or []})
        out += [f"<small>Read in: {'; '.join(reads)}.</small>", ""]
    return "\n".join(out)


# --- frontier --------------------------------------------------------------

def _frontier(page, data):
    out = ["| project | where | language | state | last release | looked up in |", "|---|---|---|---|---|---|"]
    for p in data.get("projects") or []:
        where = f"`{p['where']}`" if p.get("where") else "—"
        out.append(f"| **{_cell(p['name'])}** | {where} | {_cell(p.get('language'))} | {_cell(p.get('state'))} "
                   f"| {_cell(p.get('last_release'))} | {_cell(p.get('source'))} |")
    attach = data.get("attach") or []
    if attach:
        out += ["", "**How it would attach to the lab:**", ""]
        out += [f"- {_pattern_links(page, [a['pattern']])}: {_cell(a['how'])}" for a in attach]
    see = data.get("see_also") or []
    if see:
        links = []
        for s in see:
            if _chapter_exists(s["chapter"]):
                links.append(_link(page, s["chapter"] + ".md", s["chapter"].split("/")[-1]))
            else:
                links.append(f"`{s['chapter']}` (a planned chapter, not written yet)")
        out += ["", "**See also:** " + ", ".join(links)]
    return "\n".join(out) + "\n"


def on_pre_build(config):
    _runs.clear()  # docs-serve rebuilds: read the committed runs again


RENDER = {"tools": _tools, "systems": _system, "frontier": _frontier}


def on_page_markdown(markdown, page, config, files):
    if not MARKER.search(markdown):
        return markdown
    _lang["code"] = config["theme"]["language"] or "en"

    def render(match):
        key = match.group(1)
        kind = key.split("/")[0]
        if kind not in RENDER:
            raise PluginError(f"compare: unknown kind in marker {key}")
        return RENDER[kind](page, _load(key))

    return MARKER.sub(render, markdown)
