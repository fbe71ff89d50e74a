package fuzzrun

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
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
