package compare_test

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/tools/internal/compare"
	"github.com/patternlab/patternlab/tools/internal/repo"
	"github.com/patternlab/patternlab/tools/internal/testrepo"
)

const (
	toolsYAML    = "compare/tools/queues.yaml"
	systemYAML   = "compare/systems/store.yaml"
	frontierYAML = "compare/frontier/topic.yaml"
	page         = "docs/compare/queues.md"
	example      = "compare/examples/queue/example_test.go"
)

// fixture is a checkout whose Compare section follows every rule: one tool
// table, one system, one frontier topic, each rendered by a page, an example
// in a go.work module shown whole, a measurement in a committed run.
func fixture(t *testing.T) *repo.Repo {
	t.Helper()
	r := testrepo.New(t)
	w := func(rel, content string) { testrepo.Write(t, r.Root, rel, content) }
	w("go.work", "go 1.26.8\n\nuse (\n\t./compare/examples\n\t./patterns/queue\n)\n")
	w("compare/examples/go.mod", "module example\n")
	w(example, "package queue_test\n")
	w("patterns/queue/go.mod", "module queue\n")
	w("benchmarks/results/queue.txt", "goos: linux\npkg: queue\nBenchmarkDrain/fast-2   \t 100\t 2000 ns/op\t 512.5 msgs/s\t 3.2 p99-ms\nPASS\n")
	w(toolsYAML, `title: Queues
tools:
  - name: Queue
    project: example/queue
    model: a log
    guarantees: at least once
    ordering: per key
    scaling: partitions
    operations: one binary
    go_client: official
    licence: MIT
    licence_source: LICENSE at v1
    pick: when it fits
    avoid: when it does not
    lab: [patterns/queue]
    example: [`+example+`]
    measured:
      - {module: queue, benchmark: Drain/fast, unit: msgs/s}
`)
	w(systemYAML, `name: Store
summary: a store
mechanisms:
  - name: Log
    patterns: [queue]
    where:
      - {repository: example/store, release: v1.0.0, commit: 0123456789abcdef0123456789abcdef01234567, path: log.go, symbol: "(*log).append", read_in: snapshot}
    how: appends
    lab_differs: it does less
`)
	w(frontierYAML, `topic: Topic
projects:
  - {name: P, where: example/p, language: Go, state: alive, last_release: v1 (2026-01), source: list}
attach:
  - {pattern: queue, how: through the queue}
see_also:
  - {chapter: patterns/topic, planned: true}
`)
	w(page, "# Queues\n\n<!-- compare: tools/queues -->\n\n```go\n--8<-- \""+example+"\"\n```\n")
	w("docs/compare/systems.md", "# Systems\n\n<!-- compare: systems/store -->\n")
	w("docs/compare/frontier.md", "# Frontier\n\n<!-- compare: frontier/topic -->\n")
	return r
}

func edit(t *testing.T, r *repo.Repo, rel, old, new string) {
	t.Helper()
	data, err := r.Read(rel)
	require.NoError(t, err)
	require.Contains(t, string(data), old, "fixture %s", rel)
	testrepo.Write(t, r.Root, rel, strings.Replace(string(data), old, new, 1))
}

func TestFixtureFollowsEveryRule(t *testing.T) {
	problems, err := compare.Check(fixture(t))
	require.NoError(t, err)
	assert.Empty(t, problems)
}

// Each rule, broken once: the check fails and names the file to fix.
func TestEveryRuleNamesTheFileToFix(t *testing.T) {
	tests := []struct {
		name     string
		breakIt  func(t *testing.T, r *repo.Repo)
		wantFile string
		wantMsg  string
	}{
		{"example missing", func(t *testing.T, r *repo.Repo) { require.NoError(t, os.Remove(r.Path(example))) },
			toolsYAML, "example " + example + " does not exist"},
		{"example is a directory", func(t *testing.T, r *repo.Repo) { edit(t, r, toolsYAML, example, "compare/examples/queue") },
			toolsYAML, "does not exist"},
		{"example is part of a file", func(t *testing.T, r *repo.Repo) { edit(t, r, toolsYAML, example, example+":3:9") },
			toolsYAML, "names part of a file"},
		{"example outside the repository", func(t *testing.T, r *repo.Repo) { edit(t, r, toolsYAML, example, "../elsewhere.go") },
			toolsYAML, "not a path inside the repository"},
		{"example in no go.work module", func(t *testing.T, r *repo.Repo) {
			testrepo.Write(t, r.Root, "stray/example_test.go", "package stray\n")
			edit(t, r, toolsYAML, example, "stray/example_test.go")
			edit(t, r, page, example, "stray/example_test.go")
		}, toolsYAML, "in no module of go.work"},
		{"example not shown by the page", func(t *testing.T, r *repo.Repo) { edit(t, r, page, "--8<-- \""+example+"\"", "see the file") },
			page, "does not show example " + example},
		{"lab runs it but no example", func(t *testing.T, r *repo.Repo) { edit(t, r, toolsYAML, "    example: ["+example+"]\n", "") },
			toolsYAML, "needs an example"},
		{"measured module has no run", func(t *testing.T, r *repo.Repo) { edit(t, r, toolsYAML, "module: queue", "module: nope") },
			toolsYAML, "benchmarks/results/nope.txt does not exist"},
		{"measured benchmark not in the run", func(t *testing.T, r *repo.Repo) { edit(t, r, toolsYAML, "Drain/fast", "Drain/slow") },
			toolsYAML, "benchmark Drain/slow, which benchmarks/results/queue.txt does not hold"},
		{"measured unit not on the line", func(t *testing.T, r *repo.Repo) { edit(t, r, toolsYAML, "unit: msgs/s", "unit: events/s") },
			toolsYAML, `no "events/s" value`},
		{"measurement incomplete", func(t *testing.T, r *repo.Repo) { edit(t, r, toolsYAML, ", unit: msgs/s", "") },
			toolsYAML, "needs module, benchmark and unit"},
		{"unknown field", func(t *testing.T, r *repo.Repo) { edit(t, r, toolsYAML, "    licence: MIT", "    license: MIT") },
			toolsYAML, "does not decode"},
		{"required cell empty", func(t *testing.T, r *repo.Repo) { edit(t, r, toolsYAML, "ordering: per key", "ordering: \"\"") },
			toolsYAML, "ordering is required"},
		{"lab names no module", func(t *testing.T, r *repo.Repo) {
			edit(t, r, toolsYAML, "lab: [patterns/queue]", "lab: [patterns/nope]")
		},
			toolsYAML, "lab names patterns/nope, which is not a module"},
		{"data file rendered by no page", func(t *testing.T, r *repo.Repo) { require.NoError(t, os.Remove(r.Path("docs/compare/systems.md"))) },
			systemYAML, "no page renders it"},
		{"marker names no data file", func(t *testing.T, r *repo.Repo) {
			edit(t, r, "docs/compare/systems.md", "systems/store", "systems/nope")
		},
			"docs/compare/systems.md", "there is no compare/systems/nope.yaml"},
		{"data file rendered twice", func(t *testing.T, r *repo.Repo) {
			edit(t, r, "docs/compare/systems.md", "<!-- compare: systems/store -->", "<!-- compare: systems/store -->\n<!-- compare: tools/queues -->")
		}, "docs/compare/systems.md", "already rendered by"},
		{"pointer without symbol", func(t *testing.T, r *repo.Repo) { edit(t, r, systemYAML, `symbol: "(*log).append", `, "") },
			systemYAML, "symbol is required"},
		{"pointer without release", func(t *testing.T, r *repo.Repo) { edit(t, r, systemYAML, "release: v1.0.0, ", "") },
			systemYAML, "release is required"},
		{"pointer with a bad commit", func(t *testing.T, r *repo.Repo) {
			edit(t, r, systemYAML, "0123456789abcdef0123456789abcdef01234567", "main")
		}, systemYAML, `commit "main" is not a commit hash`},
		{"pointer without commit", func(t *testing.T, r *repo.Repo) {
			edit(t, r, systemYAML, "commit: 0123456789abcdef0123456789abcdef01234567, ", "")
		}, systemYAML, "commit is required"},
		{"mechanism names no lab pattern", func(t *testing.T, r *repo.Repo) { edit(t, r, systemYAML, "patterns: [queue]", "patterns: [raft]") },
			systemYAML, `patterns names "raft"`},
		{"mechanism without lab_differs", func(t *testing.T, r *repo.Repo) { edit(t, r, systemYAML, "    lab_differs: it does less\n", "") },
			systemYAML, "lab_differs are required"},
		{"frontier project without release", func(t *testing.T, r *repo.Repo) { edit(t, r, frontierYAML, "last_release: v1 (2026-01), ", "") },
			frontierYAML, "last_release and source are required"},
		{"frontier attaches to no pattern", func(t *testing.T, r *repo.Repo) { edit(t, r, frontierYAML, "pattern: queue", "pattern: nope") },
			frontierYAML, `pattern "nope" is not in patterns/`},
		{"see also a chapter that is not there", func(t *testing.T, r *repo.Repo) { edit(t, r, frontierYAML, ", planned: true", "") },
			frontierYAML, "docs/patterns/topic.md does not exist"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := fixture(t)
			tt.breakIt(t, r)
			problems, err := compare.Check(r)
			require.NoError(t, err)
			var got []string
			for _, p := range problems {
				got = append(got, p.String())
			}
			require.NotEmpty(t, problems, "breaking %q must be a problem", tt.name)
			found := false
			for _, p := range problems {
				if p.File == tt.wantFile && strings.Contains(p.Msg, tt.wantMsg) {
					found = true
				}
			}
			assert.True(t, found, "want a problem in %s containing %q; got:\n%s", tt.wantFile, tt.wantMsg, strings.Join(got, "\n"))
		})
	}
}

// A pointer into a Go module's published source names its version, not a
// commit.
func TestModuleSourcePointerNeedsNoCommit(t *testing.T) {
	r := fixture(t)
	edit(t, r, systemYAML, "commit: 0123456789abcdef0123456789abcdef01234567, ", "")
	edit(t, r, systemYAML, "read_in: snapshot", "read_in: "+compare.ModuleSource+" of example.com/store v1.0.0")
	problems, err := compare.Check(r)
	require.NoError(t, err)
	assert.Empty(t, problems)
}

// A planned chapter that now exists is fine: the hook links it.
func TestPlannedChapterThatExistsIsFine(t *testing.T) {
	r := fixture(t)
	testrepo.Write(t, r.Root, "docs/patterns/topic.md", "# Topic\n")
	problems, err := compare.Check(r)
	require.NoError(t, err)
	assert.Empty(t, problems)
}

// The units of the lab's own committed runs, as go test printed them.
func TestParseResultsKeepsPrintedUnits(t *testing.T) {
	res, err := compare.ParseResults([]byte("BenchmarkX/y-2 \t 10\t 138619190 ns/op\t 138.6 µs/record\t 3.467 payload-MB/s\t 7214 records/s\n"), "x.txt")
	require.NoError(t, err)
	units, ok := res.Units("X/y")
	require.True(t, ok)
	for _, u := range []string{"ns/op", "µs/record", "payload-MB/s", "records/s"} {
		assert.True(t, units[u], "unit %s in %v", u, units)
	}
	_, err = compare.ParseResults([]byte("PASS\n"), "empty.txt")
	assert.ErrorContains(t, err, "no benchmark results")
}

// The repository's own Compare section follows the rules (the same check
// make check runs, here so go test catches a broken row too).
func TestRepositoryFollowsTheRules(t *testing.T) {
	r, err := repo.Find(".")
	require.NoError(t, err)
	problems, err := compare.Check(r)
	require.NoError(t, err)
	var got []string
	for _, p := range problems {
		got = append(got, p.String())
	}
	assert.Empty(t, got)
}
