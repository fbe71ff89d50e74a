package contract_test

import (
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/tools/internal/contract"
	"github.com/patternlab/patternlab/tools/internal/repo"
	"github.com/patternlab/patternlab/tools/internal/scaffold"
	"github.com/patternlab/patternlab/tools/internal/testrepo"
)

const (
	mod     = "patterns/sample-x/"
	yamlF   = mod + "pattern.yaml"
	chapter = "docs/patterns/sample-x.md"
)

func scaffolded(t *testing.T) *repo.Repo {
	t.Helper()
	r := testrepo.New(t)
	_, err := scaffold.Write(r, "sample-x")
	require.NoError(t, err)
	return r
}

func TestScaffoldPassesCheck(t *testing.T) {
	r := scaffolded(t)
	findings, err := contract.Check(r)
	require.NoError(t, err)
	assert.Empty(t, findings)
}

func edit(t *testing.T, r *repo.Repo, rel, old, new string) {
	t.Helper()
	data, err := r.Read(rel)
	require.NoError(t, err)
	require.Contains(t, string(data), old, "fixture %s", rel)
	testrepo.Write(t, r.Root, rel, strings.Replace(string(data), old, new, 1))
}

func remove(t *testing.T, r *repo.Repo, rel string) {
	t.Helper()
	require.NoError(t, os.Remove(r.Path(rel)))
}

// Each rule of the contract, broken once: check must fail and name the file.
func TestEveryRuleNamesTheFileToFix(t *testing.T) {
	tests := []struct {
		name     string
		breakIt  func(t *testing.T, r *repo.Repo)
		wantFile string
		wantMsg  string
	}{
		{"required file missing", func(t *testing.T, r *repo.Repo) { remove(t, r, mod+"fault_test.go") },
			mod + "fault_test.go", "missing"},
		{"example without Output", func(t *testing.T, r *repo.Repo) { edit(t, r, mod+"example_test.go", "// Output:", "// no output") },
			mod + "example_test.go", `"// Output:"`},
		{"wrong module path", func(t *testing.T, r *repo.Repo) { edit(t, r, mod+"go.mod", "patterns/sample-x", "patterns/other") },
			mod + "go.mod", "module path"},
		{"title missing", func(t *testing.T, r *repo.Repo) { edit(t, r, yamlF, "title: Sample X\n", "") },
			yamlF, "title is required"},
		{"invariant missing", func(t *testing.T, r *repo.Repo) {
			edit(t, r, yamlF, "invariant: every job is handled exactly once, even when a handler fails\n", "")
		}, yamlF, "invariant is required"},
		{"bad level", func(t *testing.T, r *repo.Repo) { edit(t, r, yamlF, "level: intermediate", "level: expert") },
			yamlF, `level is "expert"`},
		{"no tags", func(t *testing.T, r *repo.Repo) { edit(t, r, yamlF, "tags: [todo]", "tags: []") },
			yamlF, "tags"},
		{"unknown prerequisite", func(t *testing.T, r *repo.Repo) { edit(t, r, yamlF, "prerequisites: []", "prerequisites: [nope]") },
			yamlF, `prerequisites names "nope"`},
		{"unknown related", func(t *testing.T, r *repo.Repo) { edit(t, r, yamlF, "related: []", "related: [nope]") },
			yamlF, `related names "nope"`},
		{"bad industry", func(t *testing.T, r *repo.Repo) { edit(t, r, yamlF, "industries: [internet]", "industries: [retail]") },
			yamlF, `industries names "retail"`},
		{"no industry", func(t *testing.T, r *repo.Repo) { edit(t, r, yamlF, "industries: [internet]", "industries: []") },
			yamlF, "industries"},
		{"bad need", func(t *testing.T, r *repo.Repo) { edit(t, r, yamlF, "needs: []", "needs: [kafka]") },
			yamlF, `needs names "kafka"`},
		{"required view missing", func(t *testing.T, r *repo.Repo) {
			edit(t, r, yamlF, "diagrams: [architecture, flow, sequence]", "diagrams: [architecture, flow]")
		}, yamlF, `diagrams must list "sequence"`},
		{"diagram file missing", func(t *testing.T, r *repo.Repo) { remove(t, r, "diagrams/sample-x/flow.mmd") },
			yamlF, "diagrams/sample-x/flow.mmd does not exist"},
		{"unknown field", func(t *testing.T, r *repo.Repo) { edit(t, r, yamlF, "level:", "levle: x\nlevel:") },
			yamlF, "invalid"},
		{"chapter missing", func(t *testing.T, r *repo.Repo) { remove(t, r, chapter) },
			chapter, "missing"},
		{"template section missing", func(t *testing.T, r *repo.Repo) { edit(t, r, chapter, "## Industry cases\n", "") },
			chapter, "missing template section 9: ## Industry cases"},
		{"section out of order", func(t *testing.T, r *repo.Repo) {
			edit(t, r, chapter, "## References\n", "")
			edit(t, r, chapter, "## Problem and context\n", "## References\n\n## Problem and context\n")
		}, chapter, "References"},
		{"engineering reading missing", func(t *testing.T, r *repo.Repo) { edit(t, r, chapter, "### Engineering reading", "### Notes") },
			chapter, "Engineering reading"},
		{"walkthrough includes no code", func(t *testing.T, r *repo.Repo) {
			edit(t, r, chapter, `--8<-- "patterns/sample-x/samplex.go"`, "pasted code")
		}, chapter, "Implementation walkthrough"},
		{"run it without the example", func(t *testing.T, r *repo.Repo) {
			edit(t, r, chapter, `--8<-- "patterns/sample-x/example_test.go"`, "")
		}, chapter, "example_test.go"},
		{"benchmarks not included", func(t *testing.T, r *repo.Repo) {
			edit(t, r, chapter, `--8<-- "benchmarks/results/sample-x.md"`, "| typed | numbers |")
		}, chapter, "benchmarks/results/sample-x.md"},
		{"include of a missing file", func(t *testing.T, r *repo.Repo) {
			edit(t, r, chapter, "TODO: the forces.", `--8<-- "patterns/sample-x/gone.go"`)
		}, chapter, "gone.go, which does not exist"},
		{"diagram used by no page", func(t *testing.T, r *repo.Repo) {
			testrepo.Write(t, r.Root, "diagrams/sample-x/extra.mmd", "flowchart LR\n a-->b\n")
		}, "diagrams/sample-x/extra.mmd", "not used by any page"},
		{"module not in go.work", func(t *testing.T, r *repo.Repo) { testrepo.Write(t, r.Root, "go.work", "go 1.26.8\n") },
			"go.work", "not in the workspace"},
		{"chapter not in nav", func(t *testing.T, r *repo.Repo) {
			edit(t, r, "mkdocs.yml", "      - Sample X: patterns/sample-x.md\n", "")
		},
			"mkdocs.yml", "nav does not list patterns/sample-x.md"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := scaffolded(t)
			tt.breakIt(t, r)
			findings, err := contract.Check(r)
			require.NoError(t, err)
			var got []string
			for _, f := range findings {
				got = append(got, f.String())
				if f.File == tt.wantFile && strings.Contains(f.String(), tt.wantMsg) {
					return
				}
			}
			t.Errorf("want a finding in %s containing %q, got:\n%s", tt.wantFile, tt.wantMsg, strings.Join(got, "\n"))
		})
	}
}

// The template sections are one fact: the checker's list, and CONTRIBUTING.md
// shows the same list to contributors.
func TestContributingListsTheTemplateSections(t *testing.T) {
	data, err := os.ReadFile("../../../CONTRIBUTING.md")
	require.NoError(t, err)
	for i, s := range contract.Sections {
		assert.Contains(t, string(data), "\n"+strconv.Itoa(i+1)+". "+s, "CONTRIBUTING.md must list section %d", i+1)
	}
}
