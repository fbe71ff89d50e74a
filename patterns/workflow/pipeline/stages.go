package pipeline

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Stage names one step of the pipeline.
type Stage string

// The stages of the pipeline.
const (
	Collect Stage = "collect" // read the gateway's export
	Clean   Stage = "clean"   // parse, validate, convert to canonical units
	Analyze Stage = "analyze" // score each reading against its alert thresholds
	Store   Stage = "store"   // upsert into the sink by reading key
)

// Stages is the order of the stages: the one source of truth for it. The
// work-queue topology is derived from it, and tests check the Temporal
// workflow and the Argo manifest against it.
var Stages = []Stage{Collect, Clean, Analyze, Store}

// Next is the stage after s, or "" for the last one.
func (s Stage) Next() Stage {
	i := slices.Index(Stages, s)
	if i < 0 || i == len(Stages)-1 {
		return ""
	}
	return Stages[i+1]
}

// StageList is the stage order as people read it: "collect -> clean -> ...".
func StageList() string {
	names := make([]string, len(Stages))
	for i, s := range Stages {
		names[i] = string(s)
	}
	return strings.Join(names, " -> ")
}

// Level is the alert level analysis gives a reading.
type Level string

// Alert levels.
const (
	LevelOK   Level = "ok"
	LevelWarn Level = "warn"
	LevelTrip Level = "trip" // stop the machine
)

// Result is an analyzed reading, what the store holds.
type Result struct {
	LineID string `json:"line_id"`
	Reading
	Level Level   `json:"level"`
	Load  float64 `json:"load"` // value as a share of the trip threshold
}

// Rejection is a line that will not be stored, and why.
type Rejection struct {
	LineID string `json:"line_id"`
	Stage  Stage  `json:"stage"`
	Kind   string `json:"kind"`   // stable short name, e.g. "unknown-unit"
	Reason string `json:"reason"` // the full reason, for people
	Raw    string `json:"raw"`
}

// Cleaned is a line that passed cleaning, still carrying its line ID.
type Cleaned struct {
	LineID string `json:"line_id"`
	Reading
}

// CleanLine is the clean stage for one line: a reading, or a rejection saying
// why not.
func CleanLine(l Line) (Cleaned, *Rejection) {
	r, err := ParseReading(l.Raw)
	if err != nil {
		kind := "malformed"
		if pe, ok := errors.AsType[*ParseError](err); ok {
			kind = pe.Kind()
		}
		return Cleaned{}, &Rejection{LineID: l.ID, Stage: Clean, Kind: kind, Reason: "clean: " + err.Error(), Raw: l.Raw}
	}
	return Cleaned{LineID: l.ID, Reading: r}, nil
}

// StageConfig tunes the stages, and injects faults into them. It travels to
// worker processes as JSON, so every field is exported.
type StageConfig struct {
	// AnalyzeLatency is how long the scoring service takes per reading; zero
	// in benchmarks, which measure the pipeline's own cost.
	AnalyzeLatency time.Duration `json:"analyze_latency"`
	// MaxAttempts bounds how often one reading is tried by analyze before it
	// is rejected: a poison reading must not block the pipeline forever.
	MaxAttempts int `json:"max_attempts"`
	// PoisonKeys are readings the scoring service fails on every time.
	PoisonKeys []string `json:"poison_keys,omitempty"`
}

// DefaultMaxAttempts is how often analyze tries a reading by default.
const DefaultMaxAttempts = 3

// Attempts is MaxAttempts, or DefaultMaxAttempts when it is not set.
func (c StageConfig) Attempts() int {
	if c.MaxAttempts < 1 {
		return DefaultMaxAttempts
	}
	return c.MaxAttempts
}

// ErrScoring is the scoring service failing on a reading.
var ErrScoring = errors.New("scoring service failed")

// Score is one attempt of the analyze stage on one reading: it calls the
// scoring service (simulated by AnalyzeLatency, and failing on PoisonKeys)
// and sets the alert level.
func (c StageConfig) Score(ctx context.Context, in Cleaned) (Result, error) {
	if c.AnalyzeLatency > 0 {
		t := time.NewTimer(c.AnalyzeLatency) // the service's response time
		select {
		case <-ctx.Done():
			t.Stop()
			return Result{}, ctx.Err()
		case <-t.C:
		}
	}
	if slices.Contains(c.PoisonKeys, in.Key) {
		return Result{}, fmt.Errorf("%w on %s", ErrScoring, in.Key)
	}
	spec := metrics[in.Metric]
	level := LevelOK
	switch {
	case in.Value >= spec.trip:
		level = LevelTrip
	case in.Value >= spec.warn:
		level = LevelWarn
	}
	return Result{LineID: in.LineID, Reading: in.Reading, Level: level, Load: round3(in.Value / spec.trip)}, nil
}

// GiveUp is the rejection of a reading analyze failed on MaxAttempts times.
// Every implementation words it the same, so the stores compare equal; Raw is
// the reading in canonical form, since cleaning already replaced the line.
func (c StageConfig) GiveUp(in Cleaned, err error) Rejection {
	return Rejection{
		LineID: in.LineID, Stage: Analyze, Kind: "gave-up",
		Reason: fmt.Sprintf("analyze: gave up after %d attempts: %v", c.Attempts(), err),
		Raw:    Format(in.Reading),
	}
}

// firstBackoff is the pause after the first failed attempt of
// AnalyzeWithRetry; it doubles after each further one.
const firstBackoff = 2 * time.Millisecond

// WorstCase is the longest AnalyzeWithRetry can take for one reading: every
// attempt at the full latency, and every backoff between them. Deadlines
// and heartbeat timeouts are derived from it.
func (c StageConfig) WorstCase() time.Duration {
	n := c.Attempts()
	return time.Duration(n)*c.AnalyzeLatency + firstBackoff*time.Duration(1<<(n-1)-1)
}

// AnalyzeWithRetry is the analyze stage for one reading where the caller owns
// the retries (in-process and inside a Temporal activity): up to MaxAttempts
// tries with a short backoff, then a rejection. The work-queue pipeline
// retries by redelivery instead.
func (c StageConfig) AnalyzeWithRetry(ctx context.Context, in Cleaned) (Result, *Rejection, error) {
	backoff := firstBackoff
	var err error
	for attempt := 1; attempt <= c.Attempts(); attempt++ {
		var res Result
		if res, err = c.Score(ctx, in); err == nil {
			return res, nil, nil
		}
		if ctx.Err() != nil {
			return Result{}, nil, ctx.Err()
		}
		if attempt < c.Attempts() {
			t := time.NewTimer(backoff)
			select {
			case <-ctx.Done():
				t.Stop()
				return Result{}, nil, ctx.Err()
			case <-t.C:
			}
			backoff *= 2
		}
	}
	rej := c.GiveUp(in, err)
	return Result{}, &rej, nil
}
