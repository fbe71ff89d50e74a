package fuzzrun

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A throwaway module: one package with two targets (one in an external
// test file) and a method that is not one, one package whose only target
// needs a build tag, and one that crashes on "boom".
func writeModule(t *testing.T, crash bool) string {
	dir := t.TempDir()
	write := func(name, text string) {
		p := filepath.Join(dir, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(text), 0o644))
	}
	write("go.mod", "module example.com/m\n\ngo 1.26\n")
	write("a/a.go", "package a\n\nfunc Parse(s string) int { return len(s) }\n")
	body := "\tif a.Parse(s) < 0 {\n\t\tt.Fatal(\"negative\")\n\t}\n"
	if crash {
		body = "\tif s == \"boom\" {\n\t\tpanic(\"boom\")\n\t}\n\t_ = a.Parse(s)\n"
	}
	write("a/a_test.go", "package a\n\nimport \"testing\"\n\nfunc FuzzParse(f *testing.F) {\n\tf.Add(\"x\")\n\tf.Fuzz(func(t *testing.T, s string) { _ = Parse(s) })\n}\n\ntype h struct{}\n\nfunc (h) FuzzMethod(f *testing.F) {}\n")
	write("a/x_test.go", "package a_test\n\nimport (\n\t\"testing\"\n\n\t\"example.com/m/a\"\n)\n\nfunc FuzzOther(f *testing.F) {\n\tf.Fuzz(func(t *testing.T, s string) {\n"+body+"\t})\n}\n")
	write("b/b.go", "package b\n")
	write("b/b_test.go", "//go:build integration\n\npackage b\n\nimport \"testing\"\n\nfunc FuzzTagged(f *testing.F) { f.Fuzz(func(t *testing.T, s string) {}) }\n")
	if crash {
		write("a/testdata/fuzz/FuzzOther/seed", "go test fuzz v1\nstring(\"boom\")\n")
	}
	return dir
}

func TestFindListsTargetsThatBuildByDefault(t *testing.T) {
	dir := writeModule(t, false)
	pkgs, err := Find(context.Background(), dir, []string{"./..."})
	require.NoError(t, err)
	require.Len(t, pkgs, 1, "b's only target needs a build tag")
	assert.Equal(t, "example.com/m/a", pkgs[0].ImportPath)
	assert.Equal(t, []string{"FuzzOther", "FuzzParse"}, pkgs[0].Targets)
}

func TestRunFuzzesEachTargetFromOneBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and fuzzes")
	}
	dir := writeModule(t, false)
	pkgs, err := Find(context.Background(), dir, []string{"./..."})
	require.NoError(t, err)
	var out bytes.Buffer
	require.NoError(t, Run(context.Background(), dir, pkgs, 200*time.Millisecond, &out), out.String())
	assert.Contains(t, out.String(), ">> [1/2] FuzzOther in ./a")
	assert.Contains(t, out.String(), ">> [2/2] FuzzParse in ./a")
	assert.Contains(t, out.String(), "2 targets in 1 packages")
	assert.NotContains(t, out.String(), "not built with coverage instrumentation")
}

// A crashing input fails the run, naming the target and where its input is.
func TestRunFailsOnACrash(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and fuzzes")
	}
	dir := writeModule(t, true)
	pkgs, err := Find(context.Background(), dir, []string{"./..."})
	require.NoError(t, err)
	var out bytes.Buffer
	err = Run(context.Background(), dir, pkgs, 200*time.Millisecond, &out)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "FuzzOther in ./a failed")
	assert.Contains(t, err.Error(), filepath.Join("./a", "testdata", "fuzz", "FuzzOther"))
	assert.True(t, strings.Contains(out.String(), "boom"), out.String())
}

// fuzzOne adds a target FuzzFound, seeded with "x", whose body is body, to
// a throwaway module and fuzzes it alone for up to d with Run. Run returns
// at the first crash, so a generous d costs nothing when the crash comes;
// fuzzing only this target keeps a run that finds none from also fuzzing
// the module's other two for d each.
func fuzzOne(t *testing.T, body string, d time.Duration) (dir string, out string, err error) {
	dir = writeModule(t, false)
	p := filepath.Join(dir, "a", "y_test.go")
	require.NoError(t, os.WriteFile(p, []byte("package a\n\nimport \"testing\"\n\nfunc FuzzFound(f *testing.F) {\n\tf.Add(\"x\")\n\tf.Fuzz(func(t *testing.T, s string) {\n"+body+"\t})\n}\n"), 0o644))
	gocache, err := goEnv(context.Background(), dir, "GOCACHE")
	require.NoError(t, err)
	// what earlier runs found interesting would lead the way (and would be
	// run, and crash, in the baseline pass with the seeds)
	require.NoError(t, os.RemoveAll(filepath.Join(gocache, "fuzz", "example.com", "m", "a", "FuzzFound")))
	pkgs, err := Find(context.Background(), dir, []string{"./..."})
	require.NoError(t, err)
	require.Len(t, pkgs, 1)
	require.Contains(t, pkgs[0].Targets, "FuzzFound")
	pkgs[0].Targets = []string{"FuzzFound"}
	var buf bytes.Buffer
	err = Run(context.Background(), dir, pkgs, d, &buf)
	return dir, buf.String(), err
}

// An input the fuzzer generates (not a seed) is written to the target's
// corpus, and the error names that file. The target fails on every input
// but its one seed, so the seed run (the baseline coverage pass) passes and
// the first mutated input fails: how fast the mutator is does not matter.
// The budget only has to cover starting the workers and the baseline pass,
// which -fuzztime counts, on a loaded machine.
func TestRunNamesTheCrasherItFound(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and fuzzes")
	}
	dir, out, err := fuzzOne(t, "\t\tif s != \"x\" {\n\t\t\tt.Fatalf(\"not the seed: %q\", s)\n\t\t}\n", time.Minute)
	require.Error(t, err, out)
	assert.Contains(t, err.Error(), "FuzzFound in ./a failed")
	prefix := "the failing input is " + filepath.Join("./a", "testdata", "fuzz", "FuzzFound") + string(filepath.Separator)
	require.Contains(t, err.Error(), prefix)
	assert.NotContains(t, out, "running it again")
	assert.Contains(t, out, "not the seed")
	// the named file is the fuzzer's: a generated input, not the seed
	_, name, _ := strings.Cut(err.Error(), prefix)
	b, rerr := os.ReadFile(filepath.Join(dir, "a", "testdata", "fuzz", "FuzzFound", name))
	require.NoError(t, rerr, err.Error())
	assert.True(t, strings.HasPrefix(string(b), "go test fuzz v1\nstring("), string(b))
	assert.NotContains(t, string(b), "string(\"x\")")
}

// The fuzzing binary is built with coverage guidance: an input behind four
// nested byte comparisons is found. Guided, each comparison passed is new
// coverage and the input that passed it is kept and mutated further, so the
// four bytes are found one at a time: usually in about 1 s, but it is a
// random search whose speed follows the machine's load (under `make test`
// it once took longer than 5 s). Blind, the mutator must write all four
// bytes into a chain of at most five mutations of the seed "x", about one
// chance in 256^4 or less per input: hours at the tens of thousands of
// inputs a second two workers run (it did not find it in 20 s with the
// instrumentation flags removed). The minute of budget is far more than the
// guided search needs on a loaded machine and a small fraction of what a
// blind one would; it is spent only if guidance is off.
func TestRunFuzzesWithCoverageGuidance(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and fuzzes")
	}
	_, out, err := fuzzOne(t, "\t\tif len(s) > 3 && s[0] == 'F' {\n\t\t\tif s[1] == 'U' {\n\t\t\t\tif s[2] == 'Z' {\n\t\t\t\t\tif s[3] == 'Z' {\n\t\t\t\t\t\tt.Fatal(\"FUZZ\")\n\t\t\t\t\t}\n\t\t\t\t}\n\t\t\t}\n\t\t}\n", time.Minute)
	require.Error(t, err, out)
	assert.Contains(t, err.Error(), "FuzzFound in ./a failed")
	assert.Contains(t, err.Error(), "the failing input is "+filepath.Join("./a", "testdata", "fuzz", "FuzzFound")+string(filepath.Separator))
	assert.Contains(t, out, "FUZZ")
	assert.NotContains(t, out, "not built with coverage instrumentation")
}

// Only the coordinator's own error, alone, is the race in Go's fuzzing
// coordinator; these outputs are taken from real runs.
func TestCoordinatorRace(t *testing.T) {
	race := "fuzz: elapsed: 3s, execs: 13010 (4337/sec), new interesting: 12 (total: 37)\n" +
		"fuzz: elapsed: 4s, execs: 13010 (0/sec), new interesting: 12 (total: 37)\n" +
		"--- FAIL: FuzzServeControl (4.08s)\n    context deadline exceeded\nFAIL\n"
	assert.True(t, coordinatorRace(race))
	assert.True(t, coordinatorRace(race+"exit status 1\n"))
	for name, output := range map[string]string{
		"a failing input": "--- FAIL: FuzzX (0.20s)\n    --- FAIL: FuzzX (0.00s)\n        x_test.go:9: not x\n\n" +
			"    Failing input written to testdata/fuzz/FuzzX/3f1c\n    To re-run:\n    go test -run=FuzzX/3f1c\nFAIL\n",
		"a seed input":                    "--- FAIL: FuzzX (0.00s)\n    --- FAIL: FuzzX/seed (0.00s)\n        x_test.go:9: boom\nFAIL\n",
		"a deadline in the target":        "--- FAIL: FuzzX (3.1s)\n    x_test.go:12: context deadline exceeded\nFAIL\n",
		"a panic":                         "--- FAIL: FuzzX (0.1s)\n    panic: boom\n    context deadline exceeded\nFAIL\n",
		"nothing failed":                  "PASS\n",
		"the deadline before the failure": "context deadline exceeded\n--- FAIL: FuzzX (3s)\n    x_test.go:1: bad\nFAIL\n",
	} {
		assert.False(t, coordinatorRace(output), name)
	}
}

// A run that ends in the coordinator's race is run again; one that keeps
// ending in it fails after raceRetries more runs. The fuzzing binary is a
// script that fails that way the first `fails` times it runs.
func TestRunTargetRunsAgainAfterTheCoordinatorRace(t *testing.T) {
	for _, fails := range []int{1, raceRetries + 1} {
		dir := t.TempDir()
		bin := filepath.Join(dir, "fuzz.test")
		script := "#!/bin/sh\nn=$(cat runs 2>/dev/null || echo 0); n=$((n+1)); echo $n > runs\n" +
			"if [ $n -le " + strconv.Itoa(fails) + " ]; then\n" +
			"  printf -- '--- FAIL: FuzzX (3.01s)\\n    context deadline exceeded\\nFAIL\\n'; exit 1\nfi\necho PASS\n"
		require.NoError(t, os.WriteFile(bin, []byte(script), 0o755))
		var out bytes.Buffer
		err := runTarget(context.Background(), dir, bin, dir, Package{ImportPath: "example.com/m/a", Dir: dir}, "FuzzX", time.Second, &out)
		runs, _ := os.ReadFile(filepath.Join(dir, "runs"))
		if fails <= raceRetries {
			require.NoError(t, err, out.String())
			assert.Equal(t, strconv.Itoa(fails+1), strings.TrimSpace(string(runs)))
			assert.Contains(t, out.String(), "go.dev/issue/75804")
		} else {
			require.Error(t, err)
			assert.Contains(t, err.Error(), "wrote no new input")
			assert.Equal(t, strconv.Itoa(raceRetries+1), strings.TrimSpace(string(runs)))
		}
	}
}
