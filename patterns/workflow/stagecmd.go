package workflow

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// RunStageCommand runs one stage over files, the way a step of a
// Kubernetes-native engine (the Argo Workflows manifest in argo/) runs it:
// each step a container that reads its input from a shared volume and writes
// its output there. Outputs are written to a temporary file and renamed, and
// the store upserts, so a step the engine retries starts clean and cannot
// double-count.
//
//	stage collect -source input.csv -out lines.jsonl
//	stage clean   -in lines.jsonl -out clean.jsonl -rejects rejects-clean.jsonl
//	stage analyze -in clean.jsonl -partition 0 -partitions 4 -out analyzed-0.jsonl -rejects rejects-analyze-0.jsonl
//	stage store   -results 'analyzed-*.jsonl' -rejects 'rejects-*.jsonl' -sink store.db
func RunStageCommand(ctx context.Context, args []string, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New("stage: name a stage: " + stageList())
	}
	stage := Stage(args[0])
	fs := flag.NewFlagSet("stage "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	source := fs.String("source", "", "collect: the gateway's export")
	in := fs.String("in", "", "the previous stage's output (JSON lines)")
	out := fs.String("out", "", "this stage's output (JSON lines)")
	rejects := fs.String("rejects", "", "clean, analyze: rejections out; store: a glob of rejection files in")
	results := fs.String("results", "", "store: a glob of analyzed files")
	sinkPath := fs.String("sink", "", "store: the SQLite database")
	partition := fs.Int("partition", 0, "analyze: which partition of the input")
	partitions := fs.Int("partitions", 1, "analyze: how many partitions")
	attempts := fs.Int("attempts", DefaultMaxAttempts, "analyze: attempts per reading")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	cfg := StageConfig{MaxAttempts: *attempts}
	switch stage {
	case Collect:
		lines, err := ReadSource(*source, 0, -1)
		if err != nil {
			return err
		}
		return writeJSONLines(*out, lines)
	case Clean:
		lines, err := readJSONLines[Line](*in)
		if err != nil {
			return err
		}
		var ok []Cleaned
		var rej []Rejection
		for _, l := range lines {
			if c, r := CleanLine(l); r != nil {
				rej = append(rej, *r)
			} else {
				ok = append(ok, c)
			}
		}
		return errors.Join(writeJSONLines(*out, ok), writeJSONLines(*rejects, rej))
	case Analyze:
		if *partitions < 1 || *partition < 0 || *partition >= *partitions {
			return fmt.Errorf("analyze: partition %d of %d", *partition, *partitions)
		}
		readings, err := readJSONLines[Cleaned](*in)
		if err != nil {
			return err
		}
		var res []Result
		var rej []Rejection
		for i, c := range readings {
			if i%*partitions != *partition {
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
		return errors.Join(writeJSONLines(*out, res), writeJSONLines(*rejects, rej))
	case Store:
		sink, err := OpenSink(*sinkPath, 0)
		if err != nil {
			return err
		}
		defer sink.Close()
		res, err := readGlob[Result](*results)
		if err != nil {
			return err
		}
		rej, err := readGlob[Rejection](*rejects)
		if err != nil {
			return err
		}
		return sink.Save(ctx, res, rej)
	}
	return fmt.Errorf("stage: unknown stage %q, want one of %s", args[0], stageList())
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
