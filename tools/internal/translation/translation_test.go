package translation_test

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/tools/internal/contract"
	"github.com/patternlab/patternlab/tools/internal/repo"
	"github.com/patternlab/patternlab/tools/internal/scaffold"
	"github.com/patternlab/patternlab/tools/internal/testrepo"
	"github.com/patternlab/patternlab/tools/internal/translation"
)

const english = "# Saga\n\n## Problem and context\n\nOne order across three services.\n\n## Run it\n\n```sh\nmake demo P=saga\n```\n"

const chinese = "# Saga 模式\n\n## 问题与背景\n\n一个订单跨越三个服务。\n\n## 形式化模型\n\n## 运行\n\n" +
	"## 不变式与故障注入\n\n## 图示\n\n## 演示展示了什么\n\n## 代码与英文章节\n"

const zhConfig = "INHERIT: mkdocs.yml\ndocs_dir: docs-zh\nnav:\n  - 首页: index.md\n  - Saga 模式: patterns/saga.md\n"

const patternYAML = "name: saga\ntitle: Saga\nsummary: One order, three services.\ninvariant: every saga completed or compensated\n" +
	"zh:\n  title: Saga 模式\n  summary: 一个订单跨越三个服务\n  invariant: >-\n    每个 Saga 要么完成要么完全补偿\nlevel: intermediate\n"

// checkout is a lab with one module, its English chapter and a Chinese
// summary translated (refreshed) from it.
func checkout(t *testing.T) *repo.Repo {
	t.Helper()
	r := testrepo.New(t)
	testrepo.Write(t, r.Root, "patterns/saga/go.mod", "module github.com/patternlab/patternlab/patterns/saga\n")
	testrepo.Write(t, r.Root, "patterns/saga/pattern.yaml", patternYAML)
	testrepo.Write(t, r.Root, "docs/patterns/saga.md", english)
	testrepo.Write(t, r.Root, "mkdocs.zh.yml", zhConfig)
	testrepo.Write(t, r.Root, "docs-zh/index.md", "# 首页\n")
	testrepo.Write(t, r.Root, "docs-zh/patterns/saga.md", chinese)
	done, err := translation.Refresh(r, []string{"docs-zh/index.md", "docs-zh/patterns/saga.md", "patterns/saga/pattern.yaml"})
	require.NoError(t, err)
	require.Len(t, done, 3)
	return r
}

func check(t *testing.T, r *repo.Repo) []translation.Finding {
	t.Helper()
	f, err := translation.Check(r)
	require.NoError(t, err)
	return f
}

func TestFreshTranslationPasses(t *testing.T) {
	r := checkout(t)
	assert.Empty(t, check(t, r))
	page, err := r.Read("docs-zh/patterns/saga.md")
	require.NoError(t, err)
	rec, err := translation.ReadRecord(page)
	require.NoError(t, err)
	require.NotNil(t, rec)
	assert.Equal(t, "docs/patterns/saga.md", rec.Source)
	assert.Equal(t, translation.Hash([]byte(english)), rec.Hash)
	assert.True(t, strings.HasSuffix(string(page), chinese), "the page itself is kept:\n%s", page)
}

// Editing one line of the English page makes its translation stale: the
// report names the page and the source and shows the line that changed.
func TestEditingOneEnglishLineMakesTheTranslationStale(t *testing.T) {
	r := checkout(t)
	testrepo.Write(t, r.Root, "docs/patterns/saga.md", strings.Replace(english, "three services", "four services", 1))
	f := check(t, r)
	require.Len(t, f, 1, "%v", f)
	assert.Equal(t, "docs-zh/patterns/saga.md", f[0].File)
	assert.Contains(t, f[0].Msg, "stale translation of docs/patterns/saga.md")
	assert.Contains(t, f[0].Msg, "2 lines changed")
	assert.Contains(t, f[0].Msg, "make translations-refresh FILE=docs-zh/patterns/saga.md")
	assert.Contains(t, f[0].Diff, "-One order across three services.")
	assert.Contains(t, f[0].Diff, "+One order across four services.")
	assert.NotContains(t, f[0].Diff, "make demo", "only the changed lines and their context")
	assert.Contains(t, f[0].String(), "\n    +One order across four services.")

	// The translator updates the page and records the review: fresh again,
	// and the old snapshot is gone.
	old := translation.Hash([]byte(english))
	_, err := translation.Refresh(r, []string{"docs-zh/patterns/saga.md"})
	require.NoError(t, err)
	assert.Empty(t, check(t, r))
	assert.NoFileExists(t, r.Path(translation.SnapshotDir+"/"+old+".txt"))
}

// Without the snapshot (a page recorded by hand) the report still names the
// page and says where to read the change.
func TestStaleWithoutSnapshotSaysWhereToLook(t *testing.T) {
	r := checkout(t)
	require.NoError(t, os.RemoveAll(r.Path(translation.SnapshotDir)))
	testrepo.Write(t, r.Root, "docs/patterns/saga.md", english+"\nOne more line.\n")
	f := check(t, r)
	require.Len(t, f, 1, "%v", f)
	assert.Contains(t, f[0].Msg, "git log -p docs/patterns/saga.md")
}

func TestMissingTranslations(t *testing.T) {
	r := checkout(t)
	// a second module with no Chinese summary, no zh facts, no nav entry
	testrepo.Write(t, r.Root, "industries/fintech/go.mod", "module github.com/patternlab/patternlab/industries/fintech\n")
	testrepo.Write(t, r.Root, "industries/fintech/pattern.yaml", "name: fintech\ntitle: Fintech\n")
	// a Chinese page with no record, and one whose source is gone
	testrepo.Write(t, r.Root, "docs/tags.md", "# Tags\n")
	testrepo.Write(t, r.Root, "docs-zh/tags.md", "# 标签\n")
	testrepo.Write(t, r.Root, "docs-zh/gone.md", "---\ntranslation:\n  source: docs/gone.md\n  source_hash: 0123456789abcdef\n---\n# 没了\n")
	var got []string
	for _, f := range check(t, r) {
		got = append(got, f.File+": "+f.Msg)
	}
	joined := strings.Join(got, "\n")
	for _, want := range []string{
		"docs-zh/industries/fintech.md: missing: the Chinese summary of industries/fintech",
		"mkdocs.zh.yml: nav does not list industries/fintech.md",
		"industries/fintech/pattern.yaml: zh.title is required",
		"industries/fintech/pattern.yaml: zh.summary is required",
		"industries/fintech/pattern.yaml: zh.invariant is required",
		"docs-zh/tags.md: no translation record",
		`docs-zh/gone.md: translates "docs/gone.md", which does not exist`,
	} {
		assert.Contains(t, joined, want)
	}
	// a page of the English nav with no Chinese counterpart
	testrepo.Write(t, r.Root, "docs/contributing.md", "# Contributing\n")
	got = nil
	for _, f := range check(t, r) {
		got = append(got, f.File+": "+f.Msg)
	}
	joined = strings.Join(got, "\n")
	assert.Contains(t, joined, "docs-zh/contributing.md: missing: docs/contributing.md is in the English nav")
	assert.Len(t, got, 8, joined)

	// refresh gives the unrecorded page a record for its counterpart
	_, err := translation.Refresh(r, []string{"docs-zh/tags.md"})
	require.NoError(t, err)
	page, err := r.Read("docs-zh/tags.md")
	require.NoError(t, err)
	assert.Equal(t, "---\ntranslation:\n  source: docs/tags.md\n  source_hash: "+translation.Hash([]byte("# Tags\n"))+"\n---\n# 标签\n", string(page))
}

func TestSummaryTitleIsTheChineseName(t *testing.T) {
	r := checkout(t)
	data, err := r.Read("patterns/saga/pattern.yaml")
	require.NoError(t, err)
	testrepo.Write(t, r.Root, "patterns/saga/pattern.yaml", strings.Replace(string(data), "title: Saga 模式", "title: 长事务", 1))
	f := check(t, r)
	require.Len(t, f, 1, "%v", f)
	assert.Contains(t, f[0].Msg, `title is "Saga 模式", want zh.title`)
}

func TestWithRecordKeepsOtherFrontMatter(t *testing.T) {
	page := []byte("---\ntags: [a]\ntranslation:\n  source: docs/x.md\n  source_hash: old\nhide: [toc]\n---\n# X\n")
	got := string(translation.WithRecord(page, "docs/x.md", "new"))
	assert.Equal(t, "---\ntags: [a]\ntranslation:\n  source: docs/x.md\n  source_hash: new\nhide: [toc]\n---\n# X\n", got)
	rec, err := translation.ReadRecord([]byte(got))
	require.NoError(t, err)
	assert.Equal(t, &translation.Record{Source: "docs/x.md", Hash: "new"}, rec)

	bare := string(translation.WithRecord([]byte("---\ntitle: X\n---\n# X\n"), "CONTRIBUTING.md", "h"))
	assert.Equal(t, "---\ntranslation:\n  source: CONTRIBUTING.md\n  source_hash: h\ntitle: X\n---\n# X\n", bare)
}

func TestRefreshRefusesPagesOutsideTheChineseEdition(t *testing.T) {
	r := checkout(t)
	_, err := translation.Refresh(r, []string{"docs/patterns/saga.md"})
	assert.ErrorContains(t, err, "not a page of docs-zh/")
}

func TestSummaryHasEverySection(t *testing.T) {
	r := checkout(t)
	page, err := r.Read("docs-zh/patterns/saga.md")
	require.NoError(t, err)
	testrepo.Write(t, r.Root, "docs-zh/patterns/saga.md", strings.Replace(string(page), "## 运行\n", "", 1))
	f := check(t, r)
	require.Len(t, f, 1, "%v", f)
	assert.Equal(t, "missing summary section: ## 运行", f[0].Msg)
}

// make new-pattern in a lab with a Chinese edition writes the summary page,
// its nav entry and its record: the translation check passes at once, and
// so does the contract.
func TestScaffoldPassesTheTranslationCheck(t *testing.T) {
	r := testrepo.New(t)
	testrepo.Write(t, r.Root, "docs-zh/index.md", "---\ntranslation:\n  source: docs/index.md\n  source_hash: "+translation.Hash([]byte("# Home\n"))+"\n---\n# 首页\n")
	testrepo.Write(t, r.Root, "mkdocs.zh.yml", "INHERIT: mkdocs.yml\nnav:\n  - 首页: index.md\n  - 模式:\n      - X: patterns/x.md\n  - 标签: tags.md\n")
	files, err := scaffold.Write(r, "sample-x")
	require.NoError(t, err)
	assert.Contains(t, files, "docs-zh/patterns/sample-x.md")
	assert.Empty(t, check(t, r))
	nav, err := r.Read("mkdocs.zh.yml")
	require.NoError(t, err)
	assert.Contains(t, string(nav), "      - X: patterns/x.md\n      - Sample X: patterns/sample-x.md\n  - 标签")
	findings, err := contract.Check(r)
	require.NoError(t, err)
	assert.Empty(t, findings)
}

// The zh: block of pattern.yaml translates the English fields beside it:
// changing the English invariant makes it stale, and refresh records the
// review in the block, keeping the rest of the file as it was.
func TestChangingAnEnglishFactMakesItsZhBlockStale(t *testing.T) {
	r := checkout(t)
	data, err := r.Read("patterns/saga/pattern.yaml")
	require.NoError(t, err)
	assert.Contains(t, string(data), "    每个 Saga 要么完成要么完全补偿\n  source_hash: ", "recorded inside the zh: block")
	assert.True(t, strings.HasSuffix(string(data), "\nlevel: intermediate\n"), "the rest stays:\n%s", data)

	testrepo.Write(t, r.Root, "patterns/saga/pattern.yaml", strings.Replace(string(data), "completed or compensated", "completed or fully compensated", 1))
	f := check(t, r)
	require.Len(t, f, 1, "%v", f)
	assert.Equal(t, "patterns/saga/pattern.yaml", f[0].File)
	assert.Contains(t, f[0].Msg, "stale translation in zh: of the English title, summary and invariant")
	assert.Contains(t, f[0].Diff, "+invariant: every saga completed or fully compensated")

	_, err = translation.Refresh(r, []string{"patterns/saga/pattern.yaml"})
	require.NoError(t, err)
	assert.Empty(t, check(t, r))
	data, err = r.Read("patterns/saga/pattern.yaml")
	require.NoError(t, err)
	assert.Equal(t, 1, strings.Count(string(data), "source_hash:"), "the record is replaced, not repeated:\n%s", data)
}
