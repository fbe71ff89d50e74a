package history

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
)

// DirEnv names the directory where failed checks write their visualisation;
// CI sets it to a directory it keeps. Without it, Dir is used.
const DirEnv = "PATTERNLAB_HISTORIES"

// Dir is where visualisations go when DirEnv is unset: beside the logs make
// test keeps, outside t.TempDir (which is removed when the test ends, and the
// file with it).
func Dir() string {
	if d := os.Getenv(DirEnv); d != "" {
		return d
	}
	return filepath.Join(os.TempDir(), "patternlab-histories")
}

// DefaultTimeout bounds one check. Linearizability checking is NP-hard; a
// check that runs out of time reports porcupine.Unknown, which Require treats
// as a failure: a history nobody could check proves nothing.
const DefaultTimeout = time.Minute

// Verdict is the outcome of one check.
type Verdict struct {
	Result     porcupine.CheckResult
	Operations int
	Lost       int // operations whose outcome was unknown
	// Visualization is the path of porcupine's HTML page of the history,
	// written only when the result is not Ok, beside the operations as JSON
	// lines (the same path ending in .jsonl).
	Visualization string
}

// Check checks ops against model within timeout. When the history is not
// linearizable (or the check ran out of time) it writes porcupine's HTML
// visualisation to dir/<name>.html and says where in the verdict.
func Check(model porcupine.Model, ops []porcupine.Operation, timeout time.Duration, dir, name string) (Verdict, error) {
	v := Verdict{Operations: len(ops)}
	for _, op := range ops {
		if op.Return == Open {
			v.Lost++
		}
	}
	res, info := porcupine.CheckOperationsVerbose(model, ops, timeout)
	v.Result = res
	if res == porcupine.Ok {
		return v, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return v, fmt.Errorf("visualisation directory: %w", err)
	}
	base := filepath.Join(dir, fileName(name))
	if err := porcupine.VisualizePath(model, info, base+".html"); err != nil {
		return v, fmt.Errorf("write visualisation: %w", err)
	}
	v.Visualization = base + ".html"
	// The operations themselves, for a reader who wants to replay the check
	// or grep for an event: one JSON object a line.
	if err := writeOperations(base+".jsonl", ops); err != nil {
		return v, err
	}
	return v, nil
}

func writeOperations(path string, ops []porcupine.Operation) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("write operations: %w", err)
	}
	enc := json.NewEncoder(f)
	for _, op := range ops {
		if err := enc.Encode(struct {
			Client       int
			Call, Return int64
			Input        any
			Output       any
			Note         any `json:",omitempty"`
		}{op.ClientId, op.Call, op.Return, op.Input, op.Output, op.Metadata}); err != nil {
			_ = f.Close()
			return fmt.Errorf("write operations: %w", err)
		}
	}
	return f.Close()
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// fileName is name made safe for a file, stamped so reruns keep each page.
func fileName(name string) string {
	return strings.Trim(unsafeName.ReplaceAllString(name, "_"), "_") + "-" + time.Now().UTC().Format("20060102T150405.000000000")
}

// Require checks the recorded history against model and fails the test,
// naming the visualisation's path, unless it is linearizable.
func Require(t testing.TB, model porcupine.Model, r *Recorder) Verdict {
	t.Helper()
	return RequireOperations(t, model, r.Operations())
}

// RequireOperations is Require for a history already taken from its
// recorder (and perhaps resolved: see Resolve).
func RequireOperations(t testing.TB, model porcupine.Model, ops []porcupine.Operation) Verdict {
	t.Helper()
	v, err := Check(model, ops, DefaultTimeout, Dir(), t.Name())
	if err != nil {
		t.Fatalf("check history: %v", err)
	}
	switch v.Result {
	case porcupine.Ok:
		t.Logf("history of %d operations (%d with unknown outcome) is linearizable", v.Operations, v.Lost)
	case porcupine.Illegal:
		t.Fatalf("history of %d operations (%d with unknown outcome) is NOT linearizable; visualisation: %s", v.Operations, v.Lost, v.Visualization)
	default:
		t.Fatalf("history of %d operations: check ran out of time after %s (%s); visualisation: %s", v.Operations, DefaultTimeout, v.Result, v.Visualization)
	}
	return v
}
