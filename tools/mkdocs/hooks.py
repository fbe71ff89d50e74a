"""MkDocs hooks of patternlab: pages take their facts from pattern.yaml.

Each chapter (docs/patterns/<name>.md, docs/industries/<name>.md) gets its
tags and an "At a glance" box from its module's pattern.yaml, and the index
page of each section gets the catalog, so the site never restates a fact that
lives in the metadata. In the Chinese build (theme.language zh) they read
the Chinese text beside the English fields (pattern.yaml `zh:` title,
summary, invariant) and speak Chinese.
"""
import os

import yaml
from mkdocs.plugins import event_priority

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
KINDS = ("patterns", "industries")
CATALOG = "<!-- catalog -->"


FIELDS = ("name", "title", "summary", "level", "invariant")
ZH_FIELDS = ("title", "summary", "invariant")  # translated under `zh:`

# The words of the generated boxes and tables, by build language.
WORDS = {
    "en": {
        "glance": "At a glance", "level": "Level", "industries": "Industries", "needs": "Needs",
        "go_only": "Go only", "none": "none",
        "invariant": "Invariant** (stated by the demo's last line, attacked by the fault tests):",
        "prerequisites": "Prerequisites", "related": "Related", "run": "Run it", "code": "Code",
        "columns": "| pattern | level | summary | invariant | industries |",
        "levels": {},
    },
    "zh": {
        "glance": "速览", "level": "难度", "industries": "行业", "needs": "依赖",
        "go_only": "仅需 Go", "none": "无",
        "invariant": "不变式**（演示最后一行给出结论，故障注入测试专门攻击它）：",
        "prerequisites": "先修", "related": "相关", "run": "运行", "code": "代码",
        "columns": "| 模式 | 难度 | 简介 | 不变式 | 行业 |",
        "levels": {"beginner": "入门", "intermediate": "进阶", "advanced": "高阶"},
    },
}


def _lang(config):
    theme = config["theme"]
    return "zh" if "language" in theme and str(theme["language"]).startswith("zh") else "en"


def _load(kind, name, lang="en"):
    """The pattern.yaml of a module, with missing fields shown as such
    (`make check` names them; the site still builds so the report is read);
    in lang "zh" the translated fields replace the English ones."""
    path = os.path.join(ROOT, kind, name, "pattern.yaml")
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as f:
        meta = yaml.safe_load(f) or {}
    for field in FIELDS:
        meta.setdefault(field, f"(missing {field})")
    if lang == "zh":
        zh = meta.get("zh") or {}
        for field in ZH_FIELDS:
            meta[field] = zh.get(field) or f"(missing zh.{field})"
    for field in ("tags", "industries", "prerequisites", "related", "needs"):
        meta[field] = meta.get(field) or []
    meta["name"] = name
    return meta


def _all(kind, lang="en"):
    base = os.path.join(ROOT, kind)
    if not os.path.isdir(base):
        return []
    metas = [_load(kind, name, lang) for name in sorted(os.listdir(base))]
    return [m for m in metas if m]


def _links(names, w, base=""):
    return ", ".join(f"[{n}]({base}{n}.md)" for n in names) if names else w["none"]


def _glance(kind, meta, lang="en"):
    w = WORDS[lang]
    base = "" if kind == "patterns" else "../patterns/"  # prerequisites and related name pattern modules
    needs = ", ".join(meta["needs"]) or w["go_only"]
    level = w["levels"].get(meta["level"], meta["level"])
    return "\n".join([
        f'!!! abstract "{w["glance"]}"',
        "",
        f"    **{w['level']}:** {level} · **{w['industries']}:** {', '.join(meta['industries']) or w['none']} · **{w['needs']}:** {needs}",
        "",
        f"    **{w['invariant']} {meta['invariant']}",
        "",
        f"    **{w['prerequisites']}:** {_links(meta['prerequisites'], w, base)} · **{w['related']}:** {_links(meta['related'], w, base)}",
        "",
        f"    **{w['run']}:** `make demo P={meta['name']}` · **{w['code']}:** `{kind}/{meta['name']}/`",
        "",
    ])


def _catalog(kind, lang="en"):
    w = WORDS[lang]
    rows = [w["columns"], "|---|---|---|---|---|"]
    for m in _all(kind, lang):
        rows.append(
            f"| [{m['title']}]({m['name']}.md) | {w['levels'].get(m['level'], m['level'])} | {m['summary']} "
            f"| {m['invariant']} | {', '.join(m['industries'])} |"
        )
    return "\n".join(rows)


@event_priority(100)  # before Material's tags plugin reads page.meta
def on_page_markdown(markdown, page, config, files):
    parts = page.file.src_path.replace(os.sep, "/").split("/")
    if len(parts) != 2 or parts[0] not in KINDS:
        return markdown
    kind, page_name = parts
    lang = _lang(config)
    if page_name == "index.md":
        return markdown.replace(CATALOG, _catalog(kind, lang))
    meta = _load(kind, page_name[:-3], lang)
    if not meta:
        return markdown
    page.meta["tags"] = meta["tags"]
    lines = markdown.split("\n")
    for i, line in enumerate(lines):
        if line.startswith("# "):
            return "\n".join(lines[: i + 1] + ["", _glance(kind, meta, lang)] + lines[i + 1 :])
    return _glance(kind, meta, lang) + "\n" + markdown
