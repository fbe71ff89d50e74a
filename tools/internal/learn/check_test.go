package learn_test

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/tools/internal/learn"
	"github.com/patternlab/patternlab/tools/internal/repo"
	"github.com/patternlab/patternlab/tools/internal/testrepo"
)

func TestFixturePassesCheck(t *testing.T) {
	assert.Empty(t, check(t, fixture(t)))
}

// Each rule of the learning layer, broken once: the check must fail and
// name the file to fix.
func TestEveryRuleNamesTheFileToFix(t *testing.T) {
	tests := []struct {
		name    string
		breakIt func(t *testing.T, r *repo.Repo)
		want    string // a substring of one finding, file first
	}{
		{"path out of prerequisite order", func(t *testing.T, r *repo.Repo) {
			edit(t, r, learn.PathsFile, "      - pattern: sample-x\n", "      - pattern: sample-z\n")
			edit(t, r, learn.PathsFile, "      - pattern: sample-y\n        section: definition-and-formal-model", "      - pattern: sample-x\n        section: definition-and-formal-model")
			edit(t, r, learn.PathsFile, "      - pattern: sample-z\n", "      - pattern: sample-y\n")
		}, learn.PathsFile + `:2: path "beginner" step 1 (sample-y): reaches sample-y before its prerequisite sample-x`},
		{"industry path without the path it requires", func(t *testing.T, r *repo.Repo) {
			edit(t, r, learn.PathsFile, "    requires: [beginner]\n", "")
		}, `path "fintech" step 1 (sample-y): reaches sample-y before its prerequisite sample-x`},
		{"glossary link to a missing file", func(t *testing.T, r *repo.Repo) {
			edit(t, r, learn.GlossaryFile, "patterns/sample-x/samplex.go#Process", "patterns/sample-x/gone.go#Process")
		}, learn.GlossaryFile + `:2: term "process": code link patterns/sample-x/gone.go#Process: patterns/sample-x/gone.go does not exist`},
		{"glossary link to a missing symbol", func(t *testing.T, r *repo.Repo) {
			edit(t, r, learn.GlossaryFile, "samplex.go#Report.Handled", "samplex.go#Report.Jobs")
		}, `term "report-handled": code link patterns/sample-x/samplex.go#Report.Jobs: patterns/sample-x/samplex.go has no symbol Report.Jobs`},
		{"glossary link without a symbol", func(t *testing.T, r *repo.Repo) {
			edit(t, r, learn.GlossaryFile, "samplex.go#Process", "samplex.go")
		}, `names no symbol`},
		{"FAQ link to a missing anchor", func(t *testing.T, r *repo.Repo) {
			edit(t, r, learn.FAQFile, "#tests-and-fault-injection", "#tests")
		}, learn.FAQFile + `:2: entry "why-retry": link patterns/sample-x.md#tests: docs/patterns/sample-x.md has no section #tests`},
		{"FAQ link to a missing generated anchor", func(t *testing.T, r *repo.Repo) {
			edit(t, r, learn.FAQFile, "#lab-term-process", "#lab-term-gone")
		}, `docs/learn/glossary.md has no section #lab-term-gone`},
		{"FAQ link to a missing symbol", func(t *testing.T, r *repo.Repo) {
			edit(t, r, learn.FAQFile, "samplex.go#Handler", "samplex.go#Handle")
		}, `entry "why-retry": code link patterns/sample-x/samplex.go#Handle: patterns/sample-x/samplex.go has no symbol Handle`},
		{"interview link to a flag that does not exist", func(t *testing.T, r *repo.Repo) {
			edit(t, r, learn.BankFile, "demo: sample-x -jobs 3", "demo: sample-x -workers 3")
		}, learn.BankFile + `:2: question "x-retry": demo sample-x: flag -workers does not exist (the demo has -fail-job -jobs)`},
		{"interview link to a missing file", func(t *testing.T, r *repo.Repo) {
			edit(t, r, learn.BankFile, "code: [patterns/sample-x/samplex.go#Process]", "code: [patterns/sample-x/old.go#Process]")
		}, `question "x-retry": code link patterns/sample-x/old.go#Process: patterns/sample-x/old.go does not exist`},
		{"interview question with no link", func(t *testing.T, r *repo.Repo) {
			edit(t, r, learn.BankFile, "    code: [patterns/sample-x/samplex.go#Process]\n    demo: sample-x -jobs 3\n", "")
		}, `link the code (code:) or the demo flag (demo:)`},
		{"path flag with a value of the wrong type", func(t *testing.T, r *repo.Repo) {
			edit(t, r, learn.PathsFile, "-fail-job=4", "-fail-job=four")
		}, `path "beginner" step 1 (sample-x): demo sample-x: -fail-job four: not a int`},
		{"path flag without its value", func(t *testing.T, r *repo.Repo) {
			edit(t, r, learn.PathsFile, "try: -jobs 5", "try: -jobs")
		}, `-jobs needs a int value`},
		{"path section that does not exist", func(t *testing.T, r *repo.Repo) {
			edit(t, r, learn.PathsFile, "section: run-it", "section: run")
		}, `path "beginner" step 1 (sample-x): section: docs/patterns/sample-x.md has no section #run`},
		{"path step on a module that does not exist", func(t *testing.T, r *repo.Repo) {
			edit(t, r, learn.PathsFile, "      - pattern: sample-x\n", "      - pattern: sample-q\n")
		}, `pattern names "sample-q", which is not a module`},
		{"generated page without its marker", func(t *testing.T, r *repo.Repo) {
			testrepo.Write(t, r.Root, "docs-zh/learn/glossary.md", "# 术语表\n\n(hand-written)\n")
		}, `docs-zh/learn/glossary.md: does not hold <!-- learn:glossary -->`},
		{"generated page missing", func(t *testing.T, r *repo.Repo) {
			require.NoError(t, os.Remove(r.Path("docs/learn/faq.md")))
		}, `docs/learn/faq.md: missing`},
		{"composes a module that does not exist", func(t *testing.T, r *repo.Repo) {
			edit(t, r, "patterns/sample-y/pattern.yaml", "composes: []", "composes: [ledger]")
		}, `patterns/sample-y/pattern.yaml: composes names "ledger", which is not a module`},
		{"contrasts with itself", func(t *testing.T, r *repo.Repo) {
			edit(t, r, "patterns/sample-y/pattern.yaml", "contrasts: []", "contrasts: [sample-y]")
		}, `patterns/sample-y/pattern.yaml: contrasts names the module itself`},
		{"sentinel error with no explanation", func(t *testing.T, r *repo.Repo) {
			testrepo.Write(t, r.Root, "patterns/sample-y/errors.go", "package sampley\n\nimport \"errors\"\n\nvar ErrLate = errors.New(\"too late\")\n")
		}, `patterns/sample-y/errors.go:5: sentinel ErrLate ("too late") is a user-facing error with no explanation`},
		{"explanation of a message that is gone", func(t *testing.T, r *repo.Repo) {
			edit(t, r, "patterns/sample-x/errors.go", "the queue is jammed", "the queue is stuck")
		}, learn.TroubleshootingFile + `:9: error explanation "queue is jammed": matches no error message`},
		{"Chinese text that is not Chinese", func(t *testing.T, r *repo.Repo) {
			edit(t, r, learn.GlossaryFile, "zh: 处理\n", "zh: Process\n")
		}, `term "process": en/zh_zh "Process" has no Chinese in it`},
		{"follow-ups without their Chinese", func(t *testing.T, r *repo.Repo) {
			edit(t, r, learn.BankFile, "    followups_zh:\n      - 如果某个任务永远不成功呢？\n", "")
		}, `followups_zh has 0 entries for 1 followups`},
		{"unknown field", func(t *testing.T, r *repo.Repo) {
			edit(t, r, learn.FAQFile, "    q: Why retry?", "    question: Why retry?")
		}, learn.FAQFile + `: invalid`},
		{"id used twice", func(t *testing.T, r *repo.Repo) {
			edit(t, r, learn.GlossaryFile, "id: report-handled", "id: process")
		}, `id "process" is used twice`},
		{"two terms name one module", func(t *testing.T, r *repo.Repo) {
			edit(t, r, learn.GlossaryFile, "    patterns: [sample-x, sample-y]\n", "    patterns: [sample-x, sample-y]\n    names: sample-x\n")
		}, `names "sample-x", which term "process" already names`},
		{"bad level", func(t *testing.T, r *repo.Repo) {
			edit(t, r, learn.BankFile, "level: beginner", "level: expert")
		}, `level is "expert"`},
		{"path requires a path that does not exist", func(t *testing.T, r *repo.Repo) {
			edit(t, r, learn.PathsFile, "requires: [beginner]", "requires: [basics]")
		}, `requires "basics", which is not another path`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := fixture(t)
			tt.breakIt(t, r)
			got := check(t, r)
			for _, f := range got {
				if strings.Contains(f, tt.want) {
					return
				}
			}
			t.Errorf("want a finding containing %q, got:\n%s", tt.want, strings.Join(got, "\n"))
		})
	}
}

// A path that requires another is covered by the patterns that one teaches.
func TestRequiredPathCoversPrerequisites(t *testing.T) {
	r := fixture(t)
	for _, f := range check(t, r) {
		assert.NotContains(t, f, `path "fintech"`)
	}
}
