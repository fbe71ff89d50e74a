"""MkDocs hook of patternlab's recorded runs, in both editions.

A module whose run is recorded (docs/assets/runs/<name>.jsonl, written by
`make record P=<name>`: the history file of a `make lab` run, committed) gets
that run at the end of its chapter's "Run it" section (the Chinese summary's
"运行"): a static summary written here (the flags, how long it ran, the faults
and the verdict, readable without JavaScript and found by the search), and
the same timeline the lab draws, with its time slider, drawn in the browser
by the lab's own script (tools/internal/lab/ui/timeline.js, served here as
assets/lab/) with uPlot from node_modules. One renderer for the lab and the
docs, so a recorded run looks as it did live.
"""
import html
import json
import os
import posixpath
import re
from datetime import datetime

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RUNS = "assets/runs"  # under docs/, shared with the Chinese edition by i18n.py
SERVED = [  # (file in the repository, where the site serves it)
    ("tools/internal/lab/ui/timeline.js", "assets/lab/timeline.js"),
    ("tools/internal/lab/ui/timeline.css", "assets/lab/timeline.css"),
    ("node_modules/uplot/dist/uPlot.iife.min.js", "assets/vendor/uPlot.iife.min.js"),
    ("node_modules/uplot/dist/uPlot.min.css", "assets/vendor/uPlot.min.css"),
]
KINDS = ("patterns", "industries")
SECTION = {"en": "Run it", "zh": "运行"}
WORDS = {
    "en": {
        "title": "Recorded run", "flags": "flags", "defaults": "the defaults", "took": "ran for",
        "events": "events", "faults": "faults injected", "messages": "message events", "verdict": "verdict",
        "refresh": "The timeline of a real run, recorded with `{cmd}` and committed ({file}); "
                   "refresh it with `make record P={name}`, or watch the demo live and press its fault buttons "
                   "with `make lab`. Drag the slider or press Play to replay it.",
    },
    "zh": {
        "title": "录制的运行", "flags": "参数", "defaults": "默认值", "took": "运行时长",
        "events": "个事件", "faults": "注入的故障", "messages": "条消息事件", "verdict": "结论",
        "refresh": "这是一次真实运行的时间线，用 `{cmd}` 录制并提交到仓库（{file}）；"
                   "用 `make record P={name}` 刷新，或用 `make lab` 在浏览器里实时观看演示并按下故障按钮。"
                   "拖动滑块或点击播放即可回放。",
    },
}
_HEADING = re.compile(r"^## (.+?)\s*$", re.M)
MARKER = re.compile(r"<!-- lab-run:([a-z0-9-]+) -->")  # a recorded run on any other page


def _lang(config):
    theme = config["theme"]
    return "zh" if "language" in theme and str(theme["language"]).startswith("zh") else "en"


def on_files(files, config):
    have = {f.src_path.replace(os.sep, "/") for f in files}
    for src, dest in SERVED:
        if dest in have:
            continue
        path = os.path.join(ROOT, src)
        if not os.path.exists(path):
            raise PluginError(f"labruns.py: {src} is missing" + (": run `npm ci` (make docs does)" if "node_modules" in src else ""))
        f = File(dest, os.path.dirname(path), config["site_dir"], config["use_directory_urls"])
        f.abs_src_path = path
        files.append(f)
    return files


def _module(src):
    """(kind, name) of a chapter's docs-relative path, or None."""
    parts = src.split("/")
    if len(parts) == 2 and parts[0] in KINDS and parts[1].endswith(".md") and parts[1] != "index.md":
        return parts[0], parts[1][:-3]
    return None


def read_run(path):
    """The events of a history file."""
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def _time(s):
    # Go writes RFC 3339 with nanoseconds; Python's fromisoformat takes microseconds
    s = re.sub(r"(\.\d{6})\d+", r"\1", s.replace("Z", "+00:00"))
    return datetime.fromisoformat(s)


def summary(events, name, lang):
    """The static part of a recorded run: what ran and how it ended."""
    w = WORDS[lang]
    header = events[0] if events and events[0].get("kind") == "run" else {"fields": {}}
    args = header.get("fields", {}).get("args") or []
    cmd = "make demo P=" + name + (" ARGS='" + " ".join(args) + "'" if args else "")
    took = (_time(events[-1]["time"]) - _time(events[0]["time"])).total_seconds() if len(events) > 1 else 0
    faults = [e["text"] for e in events if e.get("kind") == "fault" and e.get("text")]
    messages = sum(1 for e in events if e.get("kind") == "message")
    verdicts = [e["text"] for e in events if e.get("kind") == "invariant" and e.get("text")]
    lines = [
        f"- **{w['flags']}**: `{' '.join(args)}`" if args else f"- **{w['flags']}**: {w['defaults']}",
        f"- **{w['took']}**: {took:.1f} s, {len(events)} {w['events']}, {messages} {w['messages']}",
    ]
    if faults:
        lines.append(f"- **{w['faults']}**: " + "; ".join(f"`{f}`" for f in faults[:6]) + (" …" if len(faults) > 6 else ""))
    if verdicts:
        lines.append(f"- **{w['verdict']}**: `{verdicts[-1]}`")
    return cmd, "\n".join(lines)


def block(src, name, lang, heading=True):
    """The markdown that shows the recorded run on the page at src."""
    path = os.path.join(ROOT, "docs", RUNS, name + ".jsonl")
    events = read_run(path)
    w = WORDS[lang]
    cmd, facts = summary(events, name, lang)
    href = posixpath.relpath(f"{RUNS}/{name}.jsonl", posixpath.dirname(src[:-3] + "/index.md"))
    intro = w["refresh"].format(cmd=cmd, file=f"`docs/{RUNS}/{name}.jsonl`", name=name)
    return (
        (f"\n### {w['title']}\n\n{intro}\n\n" if heading else "\n") + f"{facts}\n\n"
        f'<div class="lab-run" data-src="{html.escape(href)}"><noscript>JavaScript draws the timeline here.</noscript></div>\n\n'
    )


def insert(markdown, section, text):
    """text at the end of the `## section` of markdown (before the next ##
    heading), or markdown unchanged when it has no such section."""
    heads = list(_HEADING.finditer(markdown))
    for i, m in enumerate(heads):
        if m.group(1) == section:
            end = heads[i + 1].start() if i + 1 < len(heads) else len(markdown)
            return markdown[:end].rstrip("\n") + "\n" + text + markdown[end:]
    return markdown


def _recorded(name):
    return os.path.exists(os.path.join(ROOT, "docs", RUNS, name + ".jsonl"))


def on_page_markdown(markdown, page, config, files):
    src = page.file.src_path.replace(os.sep, "/")
    lang = _lang(config)

    def marker(m):
        if not _recorded(m.group(1)):
            raise PluginError(f"labruns.py: {src} shows the recorded run of {m.group(1)}, "
                              f"but docs/{RUNS}/{m.group(1)}.jsonl does not exist: make record P={m.group(1)}")
        page.meta["lab_run"] = True
        return block(src, m.group(1), lang, heading=False)

    markdown = MARKER.sub(marker, markdown)
    mod = _module(src)
    if mod and _recorded(mod[1]):
        page.meta["lab_run"] = True
        markdown = insert(markdown, SECTION[lang], block(src, mod[1], lang))
    return markdown


def on_post_page(output, page, config):
    if not page.meta.get("lab_run"):
        return output
    base = posixpath.relpath("assets", posixpath.dirname(page.file.dest_uri))
    tags = (
        f'<link rel="stylesheet" href="{base}/vendor/uPlot.min.css">'
        f'<link rel="stylesheet" href="{base}/lab/timeline.css">'
        f'<script src="{base}/vendor/uPlot.iife.min.js"></script>'
        f'<script src="{base}/lab/timeline.js"></script>'
    )
    return output.replace("</body>", tags + "</body>", 1)
