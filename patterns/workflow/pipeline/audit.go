package pipeline

import (
	"context"
	"fmt"
	"sort"
	"strings"
)

// Expected is what any correct run over lines must store, computed the
// plainest way: one loop, one line at a time.
func Expected(lines []Line, cfg StageConfig) Snapshot {
	cfg.AnalyzeLatency = 0
	byKey := map[string]Result{}
	var snap Snapshot
	for _, l := range lines {
		c, rej := CleanLine(l)
		if rej != nil {
			snap.Rejects = append(snap.Rejects, *rej)
			continue
		}
		res, rej, _ := cfg.AnalyzeWithRetry(context.Background(), c)
		if rej != nil {
			snap.Rejects = append(snap.Rejects, *rej)
			continue
		}
		if prev, ok := byKey[res.Key]; !ok || res.LineID < prev.LineID {
			byKey[res.Key] = res
		}
	}
	for _, r := range byKey {
		snap.Results = append(snap.Results, r)
	}
	sort.Slice(snap.Results, func(i, j int) bool { return snap.Results[i].Key < snap.Results[j].Key })
	sort.Slice(snap.Rejects, func(i, j int) bool { return snap.Rejects[i].LineID < snap.Rejects[j].LineID })
	return snap
}

// Audit checks the invariant on one store, from the store and the source
// alone: every input line is stored exactly once (its reading key has one
// row) or rejected with a reason, and nothing else is in the store. It
// returns the violations, each kind with its count and a few examples
// ("stored more than once: 2 (e.g. press-01-000007, ...)").
func Audit(lines []Line, snap Snapshot) []string {
	source := make([]SourceRecord, len(lines))
	for i, l := range lines {
		source[i] = SourceRecord{ID: l.ID}
		if r, err := ParseReading(l.Raw); err == nil {
			source[i].Key = r.Key
		}
	}
	keys := make([]string, len(snap.Results))
	for i, r := range snap.Results {
		keys[i] = r.Key
	}
	return Reconcile(source, keys, snap.Rejects)
}

// SourceRecord is one record of a source as an audit sees it: its ID there
// and, when it is valid, the key of the row it must end up in. Records that
// share a key (a duplicate, a re-sent event) merge into that one row.
type SourceRecord struct {
	ID  string
	Key string // "" when the record is invalid and must be rejected
}

// Reconcile compares a sink with the source it was fed from: every record
// is accounted for exactly once, its key stored in one row or its ID
// rejected with a reason (not both, not neither), and the sink holds no
// key and no rejection the source did not send. stored lists the key of
// every row, so a key stored twice shows. It returns the violations, each
// kind with its count and a few examples. Any pipeline of stages over
// records can be audited with it; Audit is this pipeline's.
func Reconcile(source []SourceRecord, stored []string, rejects []Rejection) []string {
	var v violations
	inSink := map[string]bool{}
	for _, k := range stored {
		if inSink[k] {
			v.add("stored more than once", k)
		}
		inSink[k] = true
	}
	rejected := map[string]Rejection{}
	for _, r := range rejects {
		if _, twice := rejected[r.LineID]; twice {
			v.add("rejected more than once", r.LineID)
		}
		rejected[r.LineID] = r
	}
	seenKey := map[string]bool{}
	seenID := map[string]bool{}
	for _, rec := range source {
		seenID[rec.ID] = true
		if rec.Key != "" {
			seenKey[rec.Key] = true
		}
		rej, isRejected := rejected[rec.ID]
		switch {
		case isRejected && strings.TrimSpace(rej.Reason) == "":
			v.add("rejected without a reason", rec.ID)
		case isRejected && rec.Key != "" && inSink[rec.Key]:
			v.add("both stored and rejected", rec.ID)
		case !isRejected && rec.Key == "":
			v.add("malformed but neither rejected nor stored", rec.ID)
		case !isRejected && !inSink[rec.Key]:
			v.add("lost: neither stored nor rejected", rec.ID)
		}
	}
	for _, k := range stored {
		if !seenKey[k] {
			v.add("stored but not in the input", k)
		}
	}
	for _, r := range rejects {
		if !seenID[r.LineID] {
			v.add("rejected but not in the input", r.LineID)
		}
	}
	return v.list()
}

// Diff names the first difference between two snapshots, or "" when equal.
func Diff(want, got Snapshot) string {
	w, g := strings.Split(want.Dump(), "\n"), strings.Split(got.Dump(), "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			return fmt.Sprintf("row %d: want %q, got %q", i+1, wl, gl)
		}
	}
	return ""
}

// violations groups what went wrong by kind, keeping a few examples of each.
type violations struct {
	order []string
	ex    map[string][]string
	n     map[string]int
}

func (v *violations) add(kind, example string) {
	if v.n == nil {
		v.ex, v.n = map[string][]string{}, map[string]int{}
	}
	if v.n[kind] == 0 {
		v.order = append(v.order, kind)
	}
	v.n[kind]++
	if len(v.ex[kind]) < 3 {
		v.ex[kind] = append(v.ex[kind], example)
	}
}

func (v *violations) list() []string {
	var out []string
	for _, k := range v.order {
		out = append(out, fmt.Sprintf("%s: %d (e.g. %s)", k, v.n[k], strings.Join(v.ex[k], ", ")))
	}
	return out
}
