// Package argo is the fourth way to run the pipeline: as an Argo Workflows
// manifest (pipeline.yaml), a DAG of steps, each a container that runs one
// stage over files on a shared volume (RunStep, the program cmd/stage). A
// step writes its outputs to a temporary file and renames it, and the store
// upserts, so a step the engine retries, even one that had in fact
// succeeded, starts clean and cannot double-count.
package argo

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/patternlab/patternlab/kit/demoflag"
	"github.com/patternlab/patternlab/kit/narrate"
	"github.com/patternlab/patternlab/patterns/workflow/pipeline"
)

// Step is one step of the manifest: a stage and its files.
type Step struct {
	Stage      pipeline.Stage
	Source     string // collect: the gateway's export
	In         string // the previous stage's output (JSON lines)
	Out        string // this stage's output (JSON lines)
	Rejects    string // clean, analyze: rejections out; store: a glob of rejection files in
	Results    string // store: a glob of analyzed files
	Sink       string // store: the SQLite database
	Partition  int    // analyze: which partition of the input
	Partitions int    // analyze: how many partitions
	Attempts   int    // analyze: attempts per reading
}

// ParseStep reads a step's command line, `<stage> -flag value ...`, the way
// every demo of the lab reads its flags: each flag with its range, the
// files a stage needs required, nothing left over. A bad one is a
// *narrate.UsageError naming the flag.
//
//	stage collect -source input.csv -out lines.jsonl
//	stage clean   -in lines.jsonl -out clean.jsonl -rejects rejects-clean.jsonl
//	stage analyze -in clean.jsonl -partition 0 -partitions 4 -out analyzed-0.jsonl -rejects rejects-analyze-0.jsonl
//	stage store   -results 'analyzed-*.jsonl' -rejects 'rejects-*.jsonl' -sink store.db
func ParseStep(args []string) (Step, error) {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return Step{}, narrate.Usagef("name a stage first: one of %s", pipeline.StageList())
	}
	st := Step{Stage: pipeline.Stage(args[0]), Partitions: 1, Attempts: pipeline.DefaultMaxAttempts}
	if !slices.Contains(pipeline.Stages, st.Stage) {
		return Step{}, narrate.Usagef("unknown stage %q: want one of %s", args[0], pipeline.StageList())
	}
	fs := demoflag.New("stage " + args[0])
	fs.Text(&st.Source, "source", nil, "collect: the gateway's export")
	fs.Text(&st.In, "in", nil, "the previous stage's output (JSON lines)")
	fs.Text(&st.Out, "out", nil, "this stage's output (JSON lines)")
	fs.Text(&st.Rejects, "rejects", nil, "clean, analyze: rejections out; store: a glob of rejection files in")
	fs.Text(&st.Results, "results", nil, "store: a glob of analyzed files")
	fs.Text(&st.Sink, "sink", nil, "store: the SQLite database")
	fs.Int(&st.Partition, "partition", 0, 1023, "analyze: which partition of the input")
	fs.Int(&st.Partitions, "partitions", 1, 1024, "analyze: how many partitions")
	fs.Int(&st.Attempts, "attempts", 1, 10, "analyze: attempts per reading")
	fs.Check(st.needs)
	if err := fs.Parse(args[1:]); err != nil {
		return Step{}, err
	}
	return st, nil
}

// needs says which file flag a stage lacks, or a partition out of range.
func (st *Step) needs() error {
	required := map[pipeline.Stage][]string{
		pipeline.Collect: {"source", "out"},
		pipeline.Clean:   {"in", "out", "rejects"},
		pipeline.Analyze: {"in", "out", "rejects"},
		pipeline.Store:   {"results", "rejects", "sink"},
	}
	given := map[string]string{"source": st.Source, "in": st.In, "out": st.Out, "rejects": st.Rejects, "results": st.Results, "sink": st.Sink}
	for _, name := range required[st.Stage] {
		if given[name] == "" {
			return narrate.FlagError(name, "required by the %s stage", st.Stage)
		}
	}
	if st.Partition >= st.Partitions {
		return narrate.FlagError("partition", "%d is not below -partitions %d", st.Partition, st.Partitions)
	}
	return nil
}

// RunStep parses a step's command line and runs it.
func RunStep(ctx context.Context, args []string) error {
	st, err := ParseStep(args)
	if err != nil {
		return err
	}
	return st.Run(ctx)
}

// Run runs the step over its files.
func (st Step) Run(ctx context.Context) error {
	cfg := pipeline.StageConfig{MaxAttempts: st.Attempts}
	switch st.Stage {
	case pipeline.Collect:
		lines, err := pipeline.ReadSource(st.Source, 0, -1)
		if err != nil {
			return err
		}
		return writeJSONLines(st.Out, lines)
	case pipeline.Clean:
		lines, err := readJSONLines[pipeline.Line](st.In)
		if err != nil {
			return err
		}
		var ok []pipeline.Cleaned
		var rej []pipeline.Rejection
		for _, l := range lines {
			if c, r := pipeline.CleanLine(l); r != nil {
				rej = append(rej, *r)
			} else {
				ok = append(ok, c)
			}
		}
		return errors.Join(writeJSONLines(st.Out, ok), writeJSONLines(st.Rejects, rej))
	case pipeline.Analyze:
		readings, err := readJSONLines[pipeline.Cleaned](st.In)
		if err != nil {
			return err
		}
		var res []pipeline.Result
		var rej []pipeline.Rejection
		for i, c := range readings {
			if i%st.Partitions != st.Partition {
				continue
			}
			r, rj, err := cfg.AnalyzeWithRetry(ctx, c)
			if err != nil {
				return err
			}
			if rj != nil {
				rej = append(rej, *rj)
			} else {
				res = append(res, r)
			}
		}
		return errors.Join(writeJSONLines(st.Out, res), writeJSONLines(st.Rejects, rej))
	default: // pipeline.Store
		sink, err := pipeline.OpenSink(st.Sink, pipeline.SinkOptions{})
		if err != nil {
			return err
		}
		defer sink.Close()
		res, err := readGlob[pipeline.Result](st.Results)
		if err != nil {
			return err
		}
		rej, err := readGlob[pipeline.Rejection](st.Rejects)
		if err != nil {
			return err
		}
		return sink.Save(ctx, res, rej)
	}
}

// writeJSONLines writes vs to path atomically: a retried step never sees a
// half-written file.
func writeJSONLines[T any](path string, vs []T) error {
	if path == "" {
		return errors.New("no output file given")
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after the rename, there is nothing to remove
	w := bufio.NewWriter(tmp)
	enc := json.NewEncoder(w)
	for _, v := range vs {
		if err := enc.Encode(v); err != nil {
			tmp.Close()
			return err
		}
	}
	if err := errors.Join(w.Flush(), tmp.Close()); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return os.Rename(tmp.Name(), path)
}

func readJSONLines[T any](path string) ([]T, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []T
	dec := json.NewDecoder(bufio.NewReader(f))
	for {
		var v T
		if err := dec.Decode(&v); err == io.EOF {
			return out, nil
		} else if err != nil {
			return nil, fmt.Errorf("read %s: %w", path, err)
		}
		out = append(out, v)
	}
}

func readGlob[T any](pattern string) ([]T, error) {
	paths, err := filepath.Glob(pattern)
	if err != nil {
		return nil, err
	}
	sort.Strings(paths)
	var out []T
	for _, p := range paths {
		if strings.HasPrefix(filepath.Base(p), ".tmp-") {
			continue
		}
		vs, err := readJSONLines[T](p)
		if err != nil {
			return nil, err
		}
		out = append(out, vs...)
	}
	return out, nil
}
