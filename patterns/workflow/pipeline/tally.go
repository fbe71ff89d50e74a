package pipeline

import (
	"fmt"
	"sort"
	"strings"
)

// Tally is what a run did with its input: what the source holds, counted
// from the source, and what the run stored, counted from the store it left.
// Neither is derived from the other, so a broken store cannot make the
// source look different.
type Tally struct {
	In         int // lines in the source
	Cleaned    int // lines of the source that pass cleaning
	Malformed  int // lines of the source that cleaning rejects
	Duplicates int // cleaned lines that repeat the key of an earlier one
	// Merged is how many of those the store merged: their key has one row.
	Merged int

	Stored   int            // distinct reading keys in the store
	Rejected int            // rejections in the store, at any stage
	ByKind   map[string]int // the store's rejections by kind
}

// Count tallies a snapshot against the lines it came from.
func Count(lines []Line, snap Snapshot) Tally {
	t := Tally{In: len(lines), Rejected: len(snap.Rejects), ByKind: map[string]int{}}
	rows := map[string]int{}
	for _, r := range snap.Results {
		rows[r.Key]++
	}
	t.Stored = len(rows)
	seen := map[string]bool{}
	for _, l := range lines {
		r, err := ParseReading(l.Raw)
		if err != nil {
			t.Malformed++
			continue
		}
		t.Cleaned++
		if seen[r.Key] {
			t.Duplicates++
			if rows[r.Key] == 1 {
				t.Merged++
			}
		}
		seen[r.Key] = true
	}
	for _, r := range snap.Rejects {
		t.ByKind[r.Kind]++
	}
	return t
}

// String is the one-line summary the demo prints for every engine.
func (t Tally) String() string {
	merged := fmt.Sprintf("%d duplicate lines merged by key", t.Duplicates)
	if t.Merged != t.Duplicates {
		merged = fmt.Sprintf("%d duplicate lines, %d of them merged by key", t.Duplicates, t.Merged)
	}
	return fmt.Sprintf("in %d, cleaned %d, rejected %d, stored %d readings (%s)",
		t.In, t.Cleaned, t.Rejected, t.Stored, merged)
}

// Reasons lists the rejections by kind, most frequent first.
func (t Tally) Reasons() string {
	if len(t.ByKind) == 0 {
		return "none"
	}
	kinds := make([]string, 0, len(t.ByKind))
	for k := range t.ByKind {
		kinds = append(kinds, k)
	}
	sort.Slice(kinds, func(i, j int) bool {
		if t.ByKind[kinds[i]] != t.ByKind[kinds[j]] {
			return t.ByKind[kinds[i]] > t.ByKind[kinds[j]]
		}
		return kinds[i] < kinds[j]
	})
	parts := make([]string, len(kinds))
	for i, k := range kinds {
		parts[i] = fmt.Sprintf("%d %s", t.ByKind[k], k)
	}
	return strings.Join(parts, ", ")
}
