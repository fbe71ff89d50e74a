"""MkDocs hooks of patternlab's two editions: English (mkdocs.yml, docs/, into
site/) and Chinese (mkdocs.zh.yml, docs-zh/, into site/zh/).

- The language switch (Material's `extra.alternate`) of every page goes to
  the same page in the other edition, or to that edition's home page when the
  page has no counterpart (every Chinese page mirrors an English path; not
  every English page has a Chinese one yet).
- The Chinese build serves the English docs/assets/ (Mermaid and its init
  script) as its own, so the site has one copy of them in the repository.
- The Chinese build's heading anchors keep the Chinese characters
  (#背压的来源, not #_1), so a link to a section says where it goes.

The build's language is the config's `theme.language` ("zh" for Chinese).
"""
import os
import posixpath
import re

from mkdocs.structure.files import File

EDITIONS = {"en": ("docs", ""), "zh": ("docs-zh", "zh/")}  # docs dir, URL prefix under site/
SHARED = "assets"  # a directory of docs/ that the Chinese build also serves

_SWITCH = re.compile(r'<a href="[^"]*" hreflang="(en|zh)" class="md-select__link">')


def language(config):
    """The edition a config builds: "zh" or "en"."""
    theme = config["theme"]
    lang = theme["language"] if "language" in theme else "en"
    return "zh" if str(lang).startswith("zh") else "en"


def _root(config):
    return os.path.dirname(os.path.abspath(config["config_file_path"]))


def on_config(config):
    if language(config) == "zh":
        from pymdownx.slugs import slugify

        config["mdx_configs"].setdefault("toc", {})["slugify"] = slugify(case="lower")
    return config


def on_files(files, config):
    if language(config) != "zh":
        return files
    en_docs = os.path.join(_root(config), EDITIONS["en"][0])
    shared = os.path.join(en_docs, SHARED)
    have = {f.src_path.replace(os.sep, "/") for f in files}
    for dirpath, _, names in os.walk(shared):
        for name in sorted(names):
            rel = os.path.relpath(os.path.join(dirpath, name), en_docs).replace(os.sep, "/")
            if rel not in have:
                files.append(File(rel, en_docs, config["site_dir"], config["use_directory_urls"]))
    return files


def counterpart(src_path, lang, root):
    """The other edition's page for a page's docs-relative source path, as
    (lang, src_path); its home page when no such page exists."""
    other = "en" if lang == "zh" else "zh"
    if os.path.exists(os.path.join(root, EDITIONS[other][0], src_path)):
        return other, src_path
    return other, "index.md"


def _url(src_path, use_directory_urls):
    """The site-relative URL MkDocs gives a docs page."""
    stem = src_path[:-3] if src_path.endswith(".md") else src_path
    if not use_directory_urls:
        return stem + ".html"
    if stem == "index":
        return ""
    if stem.endswith("/index"):
        return stem[: -len("index")]
    return stem + "/"


def switch_href(page_url, src_path, lang, target_lang, root, use_directory_urls=True):
    """The href, relative to the page, of the page's counterpart in
    target_lang (the page itself when target_lang is its own language)."""
    if target_lang == lang:
        return _relative(page_url, EDITIONS[lang][1] + page_url, lang)
    _, other_src = counterpart(src_path, lang, root)
    target = EDITIONS[target_lang][1] + _url(other_src, use_directory_urls)
    return _relative(page_url, target, lang)


def _relative(page_url, target, lang):
    """target (a URL under site/) relative to page_url (a URL of lang's
    edition, itself under site/ + that edition's prefix)."""
    here = EDITIONS[lang][1] + page_url
    base = here if here.endswith("/") or here == "" else posixpath.dirname(here) + "/"
    rel = posixpath.relpath(target or ".", base.rstrip("/") or ".")
    if target.endswith("/") or target == "":
        rel = rel.rstrip("/") + "/" if rel != "." else "./"
    return rel


def on_post_page(output, page, config):
    lang = language(config)
    root = _root(config)
    src = page.file.src_path.replace(os.sep, "/")

    def rewrite(m):
        href = switch_href(page.url, src, lang, m.group(1), root, config["use_directory_urls"])
        return f'<a href="{href}" hreflang="{m.group(1)}" class="md-select__link">'

    return _SWITCH.sub(rewrite, output)
