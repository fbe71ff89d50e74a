// Package goworkflow is the Go column of the cross-language pipeline
// comparison: patterns/workflow's own generator (pipeline.Generate),
// in-process engine (goroutines.Pipeline: goroutines and bounded hand-offs),
// SQLite sink and tally (pipeline.Count), run on the export the Java and
// Rust programs read, with the summary they print.
package goworkflow

import (
	"context"
	"fmt"
	"hash/fnv"
	"path/filepath"

	"github.com/patternlab/patternlab/patterns/workflow/goroutines"
	"github.com/patternlab/patternlab/patterns/workflow/pipeline"
)

// Records is how many lines the demos' default export holds (the Go demo's default).
const Records = 1200

// WriteDataset writes the export pipeline.Generate makes from seed.
func WriteDataset(seed uint64, n int, path string) error {
	return pipeline.Generate(seed, n).WriteFile(path)
}

// Summary runs the Go module's in-process pipeline on the export at source
// (into a SQLite sink in dir) and returns the deterministic summary.
func Summary(ctx context.Context, source, dir string, poison int) ([]string, error) {
	lines, err := pipeline.ReadSource(source, 0, -1)
	if err != nil {
		return nil, err
	}
	keys := pipeline.Dataset{Lines: lines}.PoisonKeys(poison)
	sink, err := pipeline.OpenSink(filepath.Join(dir, "sink.db"), pipeline.SinkOptions{})
	if err != nil {
		return nil, err
	}
	defer sink.Close()
	p := goroutines.Pipeline{Stage: pipeline.StageConfig{MaxAttempts: pipeline.DefaultMaxAttempts, PoisonKeys: keys}}
	if _, err := p.Run(ctx, source, sink); err != nil {
		return nil, err
	}
	snap, err := sink.Snapshot(ctx)
	if err != nil {
		return nil, err
	}
	t := pipeline.Count(lines, snap)
	out := []string{fmt.Sprintf("workflow lines=%d poison=%d attempts=%d upsert=true", len(lines), poison, pipeline.DefaultMaxAttempts)}
	for _, k := range keys {
		out = append(out, "poison "+k)
	}
	levels := map[pipeline.Level]int{}
	h := fnv.New64a()
	for _, r := range snap.Results {
		levels[r.Level]++
		fmt.Fprintf(h, "reading %s %s %s\n", r.Key, r.LineID, r.Level)
	}
	for _, r := range snap.Rejects {
		fmt.Fprintf(h, "reject %s %s %s\n", r.LineID, r.Stage, r.Kind)
	}
	out = append(out, "tally "+t.String(), "reasons "+t.Reasons(),
		fmt.Sprintf("levels ok=%d warn=%d trip=%d", levels[pipeline.LevelOK], levels[pipeline.LevelWarn], levels[pipeline.LevelTrip]),
		fmt.Sprintf("store rows=%d writes=%d fnv1a=%016x", len(snap.Results)+len(snap.Rejects), snap.Writes, h.Sum64()))
	var violations []string
	if v := pipeline.Audit(lines, snap); len(v) > 0 {
		violations = append(violations, v...)
	}
	for _, v := range violations {
		out = append(out, "violation "+v)
	}
	verdict := "HELD"
	if len(violations) > 0 {
		verdict = "VIOLATED"
	}
	return append(out, "invariant "+verdict), nil
}
