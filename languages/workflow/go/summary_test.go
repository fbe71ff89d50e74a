package goworkflow

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite languages/workflow/testdata/readings.csv")

// The export the Java and Rust demos read by default is pipeline.Generate's,
// byte for byte: regenerate it with `go test ./languages/workflow/go -update`.
func TestDefaultExportIsGenerated(t *testing.T) {
	path := filepath.Join("..", "testdata", "readings.csv")
	tmp := filepath.Join(t.TempDir(), "readings.csv")
	if err := WriteDataset(1, Records, tmp); err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(tmp)
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile(path, want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s is not pipeline.Generate(1, %d): run go test ./languages/workflow/go -update", path, Records)
	}
}

func TestSummary(t *testing.T) {
	lines, err := Summary(context.Background(), filepath.Join("..", "testdata", "readings.csv"), t.TempDir(), 1)
	if err != nil {
		t.Fatal(err)
	}
	all := strings.Join(lines, "\n")
	if lines[len(lines)-1] != "invariant HELD" || !strings.Contains(all, "poison ") || !strings.Contains(all, "duplicate lines merged") {
		t.Fatalf("unexpected summary:\n%s", all)
	}
}
