package learn_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/tools/internal/learn"
)

func TestExportRendersEveryPageInBothLanguages(t *testing.T) {
	site, err := learn.NewSite(fixture(t))
	require.NoError(t, err)
	en, zh := site.Export("en"), site.Export("zh")
	for _, p := range learn.GeneratedPages {
		assert.NotEmpty(t, en.Pages[p.Name], "en %s", p.Name)
		assert.NotEmpty(t, zh.Pages[p.Name], "zh %s", p.Name)
		assert.NotEqual(t, en.Pages[p.Name], zh.Pages[p.Name], "%s is rendered in each language", p.Name)
	}
	assert.Contains(t, en.Pages["glossary"], "## Process · 处理 {#lab-term-process}")
	assert.Contains(t, zh.Pages["glossary"], "## 处理 · Process {#lab-term-process}")
	assert.Contains(t, en.Pages["glossary"], "[`Process`](labcode:patterns/sample-x/samplex.go#L", "the symbol, linked to its line")
	assert.Contains(t, en.Pages["paths"], "`make demo P=sample-x ARGS='-jobs 20 -fail-job=4'`")
	assert.Contains(t, zh.Pages["paths"], "### 第 1 步：处理 {#lab-path-beginner-1}")
	assert.Contains(t, en.Pages["interview"], `<div class="lab-q" data-patterns="sample-x" data-level="beginner" markdown>`)
	assert.Contains(t, zh.Pages["faq"], "## 为什么要重试？ {#lab-faq-why-retry}")
	assert.Contains(t, en.Pages["troubleshooting"], "`the queue is jammed`", "the message collected from the code")
	assert.Contains(t, en.Pages["troubleshooting"], "The queue stopped; restart it.", "with its explanation")
	assert.Contains(t, en.Pages["graph"], `"url":"laburl:patterns/sample-x.md"`, "a node opens its chapter")
}

// Each chapter ends with its own terms, FAQ entries and questions, and its
// neighbours in the graph; in English it carries its Chinese name, so the
// search index has it.
func TestRelatedSectionBelongsToItsChapter(t *testing.T) {
	site, err := learn.NewSite(fixture(t))
	require.NoError(t, err)
	e := site.Export("en")
	x, y := e.Related["patterns/sample-x.md"], e.Related["patterns/sample-y.md"]
	assert.True(t, strings.HasPrefix(x, "## Related {#lab-related}"))
	assert.Contains(t, x, "**Chinese name:** 处理")
	assert.Contains(t, x, "| Learn next (it needs this) | [Sample Y](lab:patterns/sample-y.md) |")
	assert.Contains(t, x, "[Process](lab:learn/glossary.md#lab-term-process)")
	assert.Contains(t, x, `??? question "Why retry?"`)
	assert.Contains(t, x, `??? question "What bounds the retries? (beginner)"`)
	assert.Contains(t, x, "[Beginner Step 1](lab:learn/paths.md#lab-path-beginner-1)")
	assert.Contains(t, y, "| Learn first | [Sample X](lab:patterns/sample-x.md) |")
	assert.Contains(t, y, "[handled count]", "a term of two chapters is on both")
	assert.NotContains(t, y, "Why retry?", "an FAQ entry only on its own chapters")
	assert.Contains(t, site.Export("zh").Related["patterns/sample-x.md"], "## 相关内容 {#lab-related}")
}

func TestHoverTermsAreScopedToTheirChapters(t *testing.T) {
	site, err := learn.NewSite(fixture(t))
	require.NoError(t, err)
	for _, term := range site.Export("zh").Terms {
		if term.Href == "lab:learn/glossary.md#lab-term-report-handled" {
			assert.Equal(t, []string{"处理次数", "handled count"}, term.Match)
			assert.Equal(t, []string{"patterns/sample-x.md", "patterns/sample-y.md"}, term.Chapters)
			return
		}
	}
	t.Fatal("term report-handled not exported")
}

func TestDiagramsCoverEveryLanguage(t *testing.T) {
	site, err := learn.NewSite(fixture(t))
	require.NoError(t, err)
	langs := map[string]int{}
	for _, d := range site.Diagrams() {
		langs[d.Lang]++
		assert.True(t, strings.HasPrefix(d.Text, "flowchart LR\n"), d.Page)
	}
	assert.Equal(t, map[string]int{"en": 3, "zh": 3}, langs, "the graph and one diagram per path")
}
