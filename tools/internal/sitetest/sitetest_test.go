package sitetest_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/tools/internal/mermaid"
	"github.com/patternlab/patternlab/tools/internal/sitetest"
	"github.com/patternlab/patternlab/tools/internal/testrepo"
)

// The repository root, for the real hook, init script and Mermaid.
const root = "../../.."

// A fixture site in both editions, built by the real MkDocs with the lab's
// language-switch hook: one pattern page per edition with a diagram, links
// and an anchor. Each test breaks one thing in the sources.
var fixture = map[string]string{
	"mkdocs.yml": `site_name: fixture
use_directory_urls: true
theme:
  name: material
  font: false
hooks:
  - HOOK
plugins:
  - search
markdown_extensions:
  - attr_list
  - toc:
      permalink: true
  - pymdownx.superfences:
      custom_fences:
        - name: mermaid
          class: mermaid
          format: !!python/name:pymdownx.superfences.fence_div_format
extra_javascript:
  - assets/vendor/mermaid.min.js
  - assets/mermaid-init.js
extra:
  alternate:
    - {name: English, link: /, lang: en}
    - {name: 中文, link: /zh/, lang: zh}
nav:
  - Home: index.md
  - Alpha: patterns/alpha.md
`,
	"mkdocs.zh.yml": `INHERIT: mkdocs.yml
docs_dir: docs-zh
site_dir: site/zh
theme:
  language: zh
  custom_dir: OVERRIDES
nav:
  - 首页: index.md
  - 阿尔法: patterns/alpha.md
`,
	"docs/index.md":    "# Home\n\n## Start here\n\nRead [Alpha](patterns/alpha.md).\n",
	"docs-zh/index.md": "# 首页\n\n## 从这里开始\n\n先读[阿尔法](patterns/alpha.md)。\n",
	"docs/patterns/alpha.md": "# Alpha pattern\n\n" +
		"Back to [the start](../index.md#start-here).\n\n" +
		"```mermaid\nflowchart LR\n  producer --> consumer\n```\n",
	"docs-zh/patterns/alpha.md": "# 阿尔法模式\n\n" +
		"回到[起点](../index.md)。\n\n" +
		"```mermaid\nflowchart LR\n  生产者 --> 消费者\n```\n",
}

var queries = []sitetest.Query{
	{Lang: "en", Text: "Alpha pattern", Want: "patterns/alpha/"},
	{Lang: "zh", Text: "阿尔法模式", Want: "patterns/alpha/"},
}

// build writes the fixture with the edits applied (file -> old -> new) and
// builds both editions with mkdocs --strict; it returns the plan.
func build(t *testing.T, edits map[string][2]string) sitetest.Plan {
	t.Helper()
	_, err := mermaid.FindChromium()
	_, mkErr := exec.LookPath("mkdocs")
	js := filepath.Join(root, "node_modules/mermaid/dist/mermaid.min.js")
	_, jsErr := os.Stat(js)
	if err != nil || mkErr != nil || jsErr != nil {
		if os.Getenv("PATTERNLAB_CI") == "1" {
			t.Fatalf("CI must provide Chromium, mkdocs and node_modules: %v %v %v", err, mkErr, jsErr)
		}
		t.Skipf("needs Chromium, mkdocs and `npm ci` at the repository root: %v %v %v", err, mkErr, jsErr)
	}
	dir := t.TempDir()
	hook, err := filepath.Abs(filepath.Join(root, "tools/mkdocs/i18n.py"))
	require.NoError(t, err)
	overrides, err := filepath.Abs(filepath.Join(root, "tools/mkdocs/overrides-zh"))
	require.NoError(t, err)
	for name, text := range fixture {
		if e, ok := edits[name]; ok {
			require.Contains(t, text, e[0], "edit of %s", name)
			text = strings.Replace(text, e[0], e[1], 1)
		}
		testrepo.Write(t, dir, name, strings.NewReplacer("HOOK", hook, "OVERRIDES", overrides).Replace(text))
	}
	for src, dst := range map[string]string{
		js: "docs/assets/vendor/mermaid.min.js",
		filepath.Join(root, "docs/assets/mermaid-init.js"): "docs/assets/mermaid-init.js",
	} {
		data, err := os.ReadFile(src)
		require.NoError(t, err)
		testrepo.Write(t, dir, dst, string(data))
	}
	for _, cfg := range []string{"mkdocs.yml", "mkdocs.zh.yml"} {
		cmd := exec.Command("mkdocs", "build", "--strict", "--quiet", "-f", cfg)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "mkdocs build -f %s:\n%s", cfg, out)
	}
	return sitetest.Plan{
		Site: filepath.Join(dir, "site"),
		Out:  filepath.Join(dir, "out"),
		Editions: []sitetest.Edition{
			{Lang: "en", Prefix: "", Pages: []string{"", "patterns/alpha/"}},
			{Lang: "zh", Prefix: "zh/", Pages: []string{"", "patterns/alpha/"}},
		},
		Queries: queries,
	}
}

func run(t *testing.T, plan sitetest.Plan) *sitetest.Report {
	t.Helper()
	chromium, err := mermaid.FindChromium()
	require.NoError(t, err)
	rep, err := sitetest.Run(context.Background(), chromium, plan)
	require.NoError(t, err)
	return rep
}

// failuresOn returns the reasons reported for a page.
func failuresOn(rep *sitetest.Report, page string) []string {
	var out []string
	for _, f := range rep.Failures {
		if f.Page == page {
			out = append(out, f.Reason)
		}
	}
	return out
}

func TestGoodSitePassesEveryCheck(t *testing.T) {
	rep := run(t, build(t, nil))
	assert.Empty(t, rep.Failures)
	assert.Equal(t, 4, rep.Pages)
	assert.Equal(t, 2, rep.Diagrams)
	assert.Equal(t, 2, rep.Queries)
	assert.Positive(t, rep.Links)
	log, err := os.ReadFile(rep.Log)
	require.NoError(t, err)
	assert.Contains(t, string(log), "no failures")
}

// A link to a page that is not there and an anchor that is not there: MkDocs
// --strict builds both (raw HTML, and anchors it does not check); the
// browser test names the page, the link and takes a screenshot. A page that
// loads an image from another host: refused, and reported.
func TestBrokenInternalLinkFailsNamingThePage(t *testing.T) {
	plan := build(t, map[string][2]string{
		"docs/patterns/alpha.md": {"../index.md#start-here", "../index.md#no-such-section"},
		"docs/index.md":          {"Read [Alpha]", `<a href="gone/">Gone</a>. Read [Alpha]`},
		"docs-zh/index.md":       {"先读", `<img src="http://example.invalid/pixel.png" alt="x"> 先读`},
	})
	rep := run(t, plan)
	alpha := failuresOn(rep, "patterns/alpha/")
	require.Len(t, alpha, 1, "%v", rep.Failures)
	assert.Contains(t, alpha[0], "broken anchor")
	assert.Contains(t, alpha[0], "no-such-section")
	home := failuresOn(rep, "")
	require.Len(t, home, 1, "%v", rep.Failures)
	assert.Contains(t, home[0], "broken link")
	assert.Contains(t, home[0], "/gone/")
	zh := strings.Join(failuresOn(rep, "zh/"), "\n")
	assert.Contains(t, zh, "request leaves 127.0.0.1")
	assert.Contains(t, zh, "example.invalid")
	for _, f := range rep.Failures {
		require.NotEmpty(t, f.Screenshot, "failure on /%s has no screenshot", f.Page)
		assert.FileExists(t, f.Screenshot)
		assert.NotEqual(t, "zh/patterns/alpha/", f.Page, "only the broken pages fail: %v", rep.Failures)
	}
}

// A diagram Mermaid cannot parse on the Chinese page: the page is named and
// the English one still passes.
func TestBrokenDiagramOnAChinesePageFailsNamingThePage(t *testing.T) {
	rep := run(t, build(t, map[string][2]string{
		"docs-zh/patterns/alpha.md": {"生产者 --> 消费者", "生产者 --> "},
	}))
	zh := failuresOn(rep, "zh/patterns/alpha/")
	require.NotEmpty(t, zh, "%v", rep.Failures)
	assert.Contains(t, strings.Join(zh, "\n"), "Mermaid")
	assert.Empty(t, failuresOn(rep, "patterns/alpha/"))
}

// The switch must go to the counterpart: a page whose switch goes to the
// other edition's home page instead fails. A search that does not find its
// page fails with the results it did get.
func TestSwitchToTheHomePageAndAMissedSearchFail(t *testing.T) {
	plan := build(t, nil)
	page := filepath.Join(plan.Site, "patterns/alpha/index.html")
	html, err := os.ReadFile(page)
	require.NoError(t, err)
	broken := strings.Replace(string(html), `href="../../zh/patterns/alpha/" hreflang="zh"`, `href="../../zh/" hreflang="zh"`, 1)
	require.NotEqual(t, string(html), broken, "the fixture's switch link")
	require.NoError(t, os.WriteFile(page, []byte(broken), 0o644))
	plan.Queries = []sitetest.Query{{Lang: "zh", Text: "不存在的模式", Want: "patterns/alpha/"}}
	rep := run(t, plan)
	alpha := strings.Join(failuresOn(rep, "patterns/alpha/"), "\n")
	assert.Contains(t, alpha, "the language switch goes to")
	assert.Contains(t, alpha, "want the counterpart")
	zh := failuresOn(rep, "zh/")
	require.Len(t, zh, 1, "%v", rep.Failures)
	assert.Contains(t, zh[0], `search for "不存在的模式" does not return`)
}
