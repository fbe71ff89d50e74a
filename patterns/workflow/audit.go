package workflow

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

// Audit checks the invariant on one store: every input line is stored exactly
// once (its reading key has its one row) or rejected with a reason, and
// nothing else is in the store. It returns the violations, at most a few of
// each kind.
func Audit(lines []Line, snap Snapshot) []string {
	stored := map[string]bool{}
	for _, r := range snap.Results {
		stored[r.Key] = true
	}
	rejected := map[string]Rejection{}
	for _, r := range snap.Rejects {
		rejected[r.LineID] = r
	}
	var v violations
	seenKey := map[string]bool{}
	seenLine := map[string]bool{}
	for _, l := range lines {
		seenLine[l.ID] = true
		rej, isRejected := rejected[l.ID]
		r, err := ParseReading(l.Raw)
		if err == nil {
			seenKey[r.Key] = true
		}
		switch {
		case isRejected && strings.TrimSpace(rej.Reason) == "":
			v.add("rejected without a reason", l.ID)
		case isRejected && err == nil && stored[r.Key]:
			v.add("both stored and rejected", l.ID)
		case !isRejected && err != nil:
			v.add("malformed but neither rejected nor stored", l.ID)
		case !isRejected && !stored[r.Key]:
			v.add("lost: neither stored nor rejected", l.ID)
		}
	}
	for _, r := range snap.Results {
		if !seenKey[r.Key] {
			v.add("stored but not in the input", r.Key)
		}
	}
	for _, r := range snap.Rejects {
		if !seenLine[r.LineID] {
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
		out = append(out, fmt.Sprintf("%d %s (e.g. %s)", v.n[k], k, strings.Join(v.ex[k], ", ")))
	}
	return out
}
