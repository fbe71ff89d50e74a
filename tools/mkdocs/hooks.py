"""MkDocs hooks of patternlab: pages take their facts from pattern.yaml.

Each chapter (docs/patterns/<name>.md, docs/industries/<name>.md) gets its
tags and an "At a glance" box from its module's pattern.yaml, and the index
page of each section gets the catalog, so the site never restates a fact that
lives in the metadata.
"""
import os

import yaml
from mkdocs.plugins import event_priority

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
KINDS = ("patterns", "industries")
CATALOG = "<!-- catalog -->"


FIELDS = ("name", "title", "summary", "level", "invariant")


def _load(kind, name):
    """The pattern.yaml of a module, with missing fields shown as such
    (`make check` names them; the site still builds so the report is read)."""
    path = os.path.join(ROOT, kind, name, "pattern.yaml")
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as f:
        meta = yaml.safe_load(f) or {}
    for field in FIELDS:
        meta.setdefault(field, f"(missing {field})")
    for field in ("tags", "industries", "prerequisites", "related", "needs"):
        meta[field] = meta.get(field) or []
    meta["name"] = name
    return meta


def _all(kind):
    base = os.path.join(ROOT, kind)
    if not os.path.isdir(base):
        return []
    metas = [_load(kind, name) for name in sorted(os.listdir(base))]
    return [m for m in metas if m]


def _links(names):
    return ", ".join(f"[{n}]({n}.md)" for n in names) if names else "none"


def _glance(kind, meta):
    needs = ", ".join(meta["needs"]) or "Go only"
    return "\n".join([
        '!!! abstract "At a glance"',
        "",
        f"    **Level:** {meta['level']} · **Industries:** {', '.join(meta['industries']) or 'none'} · **Needs:** {needs}",
        "",
        f"    **Invariant** (stated by the demo's last line, attacked by the fault tests): {meta['invariant']}",
        "",
        f"    **Prerequisites:** {_links(meta['prerequisites'])} · **Related:** {_links(meta['related'])}",
        "",
        f"    **Run it:** `make demo P={meta['name']}` · **Code:** `{kind}/{meta['name']}/`",
        "",
    ])


def _catalog(kind):
    rows = ["| pattern | level | summary | invariant | industries |", "|---|---|---|---|---|"]
    for m in _all(kind):
        rows.append(
            f"| [{m['title']}]({m['name']}.md) | {m['level']} | {m['summary']} "
            f"| {m['invariant']} | {', '.join(m['industries'])} |"
        )
    return "\n".join(rows)


@event_priority(100)  # before Material's tags plugin reads page.meta
def on_page_markdown(markdown, page, config, files):
    parts = page.file.src_path.replace(os.sep, "/").split("/")
    if len(parts) != 2 or parts[0] not in KINDS:
        return markdown
    kind, page_name = parts
    if page_name == "index.md":
        return markdown.replace(CATALOG, _catalog(kind))
    meta = _load(kind, page_name[:-3])
    if not meta:
        return markdown
    page.meta["tags"] = meta["tags"]
    lines = markdown.split("\n")
    for i, line in enumerate(lines):
        if line.startswith("# "):
            return "\n".join(lines[: i + 1] + ["", _glance(kind, meta)] + lines[i + 1 :])
    return _glance(kind, meta) + "\n" + markdown
