// Package oee computes Overall Equipment Effectiveness per line and shift
// from machines' raw readings:
//
//	availability = run time / planned production time
//	performance  = ideal cycle time × parts made / run time
//	quality      = good parts / parts made
//	OEE          = availability × performance × quality
//	             = ideal cycle time × good parts / planned production time
//
// Every term is kept as an exact integer sum (milliseconds and parts), so
// two computations over the same readings agree to the last part, and the
// ratios are derived only for display.
package oee

import (
	"fmt"
	"sort"

	"github.com/patternlab/patternlab/industries/manufacturing/plant"
)

// Key names one line in one shift.
type Key struct {
	Line  string
	Shift int
}

func (k Key) String() string { return fmt.Sprintf("%s shift %d", k.Line, k.Shift+1) }

// Totals are the exact sums OEE is made of, over a line's machines in one
// shift. Equal totals are equal OEE.
type Totals struct {
	Readings  int   // readings counted
	PlannedMS int64 // planned production time: every interval reported
	RunMS     int64 // time spent running
	IdealMS   int64 // ideal cycle time × parts made
	GoodMS    int64 // ideal cycle time × good parts
	Count     int64 // parts made
	Good      int64 // good parts
}

// Add counts one reading of a machine whose ideal cycle is ideal.
func (t *Totals) Add(r plant.Reading, idealMS int64) {
	t.Readings++
	t.PlannedMS += r.MS
	if r.State == plant.Running {
		t.RunMS += r.MS
	}
	t.Count += r.Count
	t.Good += r.Good
	t.IdealMS += r.Count * idealMS
	t.GoodMS += r.Good * idealMS
}

func ratio(a, b int64) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// Availability is run time over planned production time.
func (t Totals) Availability() float64 { return ratio(t.RunMS, t.PlannedMS) }

// Performance is ideal cycle time × parts made over run time.
func (t Totals) Performance() float64 { return ratio(t.IdealMS, t.RunMS) }

// Quality is good parts over parts made.
func (t Totals) Quality() float64 { return ratio(t.Good, t.Count) }

// OEE is availability × performance × quality, computed from the exact
// sums in one division.
func (t Totals) OEE() float64 { return ratio(t.GoodMS, t.PlannedMS) }

func (t Totals) String() string {
	return fmt.Sprintf("OEE %.1f%% (A %.1f%% × P %.1f%% × Q %.1f%%)",
		100*t.OEE(), 100*t.Availability(), 100*t.Performance(), 100*t.Quality())
}

// Book accumulates OEE as readings arrive, per line and shift. With
// dedupe it counts each reading ID once, however often it is delivered;
// without, every copy counts (the hub's switch -dedupe=false). A Book is
// not safe for concurrent use.
type Book struct {
	floor  plant.Floor
	dedupe bool
	totals map[Key]*Totals
	seen   map[string]struct{}
	copies int
}

// NewBook starts an empty book for floor.
func NewBook(floor plant.Floor, dedupe bool) *Book {
	return &Book{floor: floor, dedupe: dedupe, totals: map[Key]*Totals{}, seen: map[string]struct{}{}}
}

// Add counts r and reports whether it did: a copy of a reading already
// counted is not, with dedupe. A reading of a machine the floor does not
// have, or from before the first shift, is an error.
func (b *Book) Add(r plant.Reading) (bool, error) {
	_, line, m, ok := b.floor.Where(r.Machine)
	if !ok {
		return false, fmt.Errorf("oee: machine %q is not on the floor", r.Machine)
	}
	shift := b.floor.ShiftOf(r.TS)
	if shift < 0 {
		return false, fmt.Errorf("oee: reading %s from before the first shift", r.ID())
	}
	if _, dup := b.seen[r.ID()]; dup {
		b.copies++
		if b.dedupe {
			return false, nil
		}
	}
	b.seen[r.ID()] = struct{}{}
	k := Key{Line: line.ID, Shift: shift}
	t := b.totals[k]
	if t == nil {
		t = &Totals{}
		b.totals[k] = t
	}
	t.Add(r, m.IdealCycle.Milliseconds())
	return true, nil
}

// Counted reports whether a reading with this ID was counted.
func (b *Book) Counted(id string) bool {
	_, ok := b.seen[id]
	return ok
}

// Copies counts the readings added that were copies of one already seen,
// counted or not.
func (b *Book) Copies() int { return b.copies }

// Totals returns a copy of the sums so far.
func (b *Book) Totals() map[Key]Totals {
	out := make(map[Key]Totals, len(b.totals))
	for k, t := range b.totals {
		out[k] = *t
	}
	return out
}

// Recompute is OEE from scratch over a set of raw readings, each reading
// ID counted once: what the hub's live figures are checked against.
func Recompute(floor plant.Floor, readings []plant.Reading) (map[Key]Totals, error) {
	b := NewBook(floor, true)
	for _, r := range readings {
		if _, err := b.Add(r); err != nil {
			return nil, err
		}
	}
	return b.Totals(), nil
}

// Diff lists, in key order, every line and shift whose totals differ
// between want and got, missing ones included.
func Diff(want, got map[Key]Totals) []string {
	keys := map[Key]bool{}
	for k := range want {
		keys[k] = true
	}
	for k := range got {
		keys[k] = true
	}
	var out []string
	for _, k := range SortedKeys(keys) {
		w, inW := want[k]
		g, inG := got[k]
		switch {
		case !inW:
			out = append(out, fmt.Sprintf("%v: %s, none expected", k, g))
		case !inG:
			out = append(out, fmt.Sprintf("%v: missing, want %s", k, w))
		case w != g:
			what := ""
			switch {
			case g.Readings > w.Readings:
				what = fmt.Sprintf(" (%d counted twice)", g.Readings-w.Readings)
			case g.Readings < w.Readings:
				what = fmt.Sprintf(" (%d missing)", w.Readings-g.Readings)
			}
			out = append(out, fmt.Sprintf("%v: %s from %d readings, want %s from %d%s", k, g, g.Readings, w, w.Readings, what))
		}
	}
	return out
}

// SortedKeys orders keys by line, then shift.
func SortedKeys[V any](m map[Key]V) []Key {
	ks := make([]Key, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Slice(ks, func(i, j int) bool {
		if ks[i].Line != ks[j].Line {
			return ks[i].Line < ks[j].Line
		}
		return ks[i].Shift < ks[j].Shift
	})
	return ks
}
