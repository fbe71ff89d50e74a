package lab

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/patternlab/patternlab/tools/internal/repo"
)

// RunsDir is where the recorded runs the chapters show are committed, one
// history file per module: docs/assets/runs/<name>.jsonl (both editions
// serve docs/assets/).
const RunsDir = "docs/assets/runs"

// MaxRecorded is the largest recorded run: a chapter's page downloads it.
const MaxRecorded = 1 << 20

// Recorded lists the modules that have a recorded run in RunsDir, sorted.
func Recorded(r *repo.Repo) ([]string, error) {
	files, err := filepath.Glob(r.Path(filepath.Join(RunsDir, "*.jsonl")))
	if err != nil {
		return nil, err
	}
	var names []string
	for _, f := range files {
		names = append(names, strings.TrimSuffix(filepath.Base(f), ".jsonl"))
	}
	sort.Strings(names)
	return names, nil
}

// Record runs the module's demo as the lab does and writes its history to
// RunsDir/<name>.jsonl. With no args it reuses the flags of the run already
// recorded there, so a refresh shows the same story. The narration goes to
// out as it comes. A refused or broken run, or one too large for a page,
// leaves the file as it was.
func Record(ctx context.Context, l *Lab, name string, args []string, out io.Writer) error {
	dest := l.Repo.Path(filepath.Join(RunsDir, name+".jsonl"))
	if args == nil {
		if e, err := readEntry(dest); err == nil {
			args = e.Args
		}
	}
	run, err := l.Start(name, args)
	if err != nil {
		return err
	}
	next := 0
	for {
		evs, changed, ended := run.Since(next)
		for _, e := range evs {
			if e.Text != "" {
				fmt.Fprintln(out, e.Text)
			}
		}
		next += len(evs)
		if ended {
			break
		}
		select {
		case <-changed:
		case <-ctx.Done():
			run.Stop()
		}
	}
	l.Wait()
	st := run.Status()
	switch {
	case ctx.Err() != nil:
		return ctx.Err()
	case st.Refused:
		return fmt.Errorf("the demo refused the flags %q: nothing recorded", args)
	case st.Exit != 0 && st.Exit != 1:
		return fmt.Errorf("the demo ended with status %d before its verdict: nothing recorded", st.Exit)
	}
	data, err := os.ReadFile(run.File)
	if err != nil {
		return err
	}
	if len(data) > MaxRecorded {
		return fmt.Errorf("the run is %d KiB (%d events), more than a page should download (%d KiB): record it with smaller flags (ARGS=...); nothing recorded",
			len(data)>>10, st.Events, MaxRecorded>>10)
	}
	if err := os.MkdirAll(filepath.Dir(dest), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(dest, data, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(out, ">> recorded %s: %d events, %d KiB, exit status %d\n", filepath.Join(RunsDir, name+".jsonl"), st.Events, len(data)>>10, st.Exit)
	return nil
}
