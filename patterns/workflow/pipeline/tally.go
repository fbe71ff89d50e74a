package pipeline

import (
	"fmt"
	"sort"
	"strings"
)

// Tally is what a run did with its input, counted from the store it left.
type Tally struct {
	In         int            // lines in the source
	Cleaned    int            // lines that passed cleaning
	Rejected   int            // lines rejected, at any stage
	Malformed  int            // lines rejected by cleaning
	ByKind     map[string]int // rejections by kind
	Stored     int            // distinct readings stored
	Duplicates int            // cleaned lines merged into an existing row by key
}

// Count tallies a snapshot against the lines it came from.
func Count(lines []Line, snap Snapshot) Tally {
	t := Tally{In: len(lines), Rejected: len(snap.Rejects), Stored: len(snap.Results), ByKind: map[string]int{}}
	gaveUp := 0
	for _, r := range snap.Rejects {
		t.ByKind[r.Kind]++
		if r.Stage != Clean {
			gaveUp++
		}
	}
	t.Malformed = t.Rejected - gaveUp
	t.Cleaned = t.In - t.Malformed
	t.Duplicates = t.Cleaned - gaveUp - t.Stored
	return t
}

// String is the one-line summary the demo prints for every implementation.
func (t Tally) String() string {
	return fmt.Sprintf("in %d, cleaned %d, rejected %d, stored %d readings (%d duplicate lines merged by key)",
		t.In, t.Cleaned, t.Rejected, t.Stored, t.Duplicates)
}

// Reasons lists the rejections by kind, most frequent first.
func (t Tally) Reasons() string {
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
