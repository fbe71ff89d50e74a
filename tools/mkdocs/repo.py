"""MkDocs hook: the header's repository link makes no request.

mkdocs.yml names the repository (repo_url), so Material shows a link to it
in the header, marked data-md-component="source"; Material's JavaScript
then fetches the repository's stars and forks from the hosting service's
API, a request off the machine that the site must not make (make
site-test). This hook drops the mark from every page: the link stays, the
fetch goes.
"""
SOURCE_MARK = ' data-md-component="source"'


def on_post_page(output, page, config):
    return output.replace(SOURCE_MARK, "")
