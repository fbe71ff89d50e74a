package eventtime

import (
	"fmt"
	"math"
	"reflect"
	"slices"
	"sort"
	"strings"
)

// Difference is how far a streaming result is from the batch recomputation.
type Difference struct {
	Windows        int      // windows in either result
	WindowsDiffer  int      // windows whose results are not equal
	ViewsOff       int      // sum over windows and pages of |stream − batch| page views
	Views          int      // page views in the batch
	SessionsDiffer int      // sessions in one result and not the other
	Sessions       int      // sessions in the batch
	Dispositions   []string // records counted or dropped differently, by kind, with examples
}

// Equal reports whether the two results agree everywhere.
func (d Difference) Equal() bool {
	return d.WindowsDiffer == 0 && d.SessionsDiffer == 0 && len(d.Dispositions) == 0
}

// ViewsError is ViewsOff as a share of the batch's page views.
func (d Difference) ViewsError() float64 {
	if d.Views == 0 {
		return 0
	}
	return float64(d.ViewsOff) / float64(d.Views)
}

func (d Difference) String() string {
	if d.Equal() {
		return fmt.Sprintf("all %d windows and %d sessions equal", d.Windows, d.Sessions)
	}
	return fmt.Sprintf("%d of %d windows differ from the batch recomputation (page views off by %d of %d, %.1f%%); %d sessions in one result only (the batch has %d)",
		d.WindowsDiffer, d.Windows, d.ViewsOff, d.Views, 100*d.ViewsError(), d.SessionsDiffer, d.Sessions)
}

// Compare measures a streaming result against the batch's.
func Compare(batch, stream Result) Difference {
	var d Difference
	starts := map[int64]bool{}
	for s := range batch.Windows {
		starts[s] = true
	}
	for s := range stream.Windows {
		starts[s] = true
	}
	d.Windows = len(starts)
	for s := range starts {
		b, s2 := batch.Windows[s], stream.Windows[s]
		for _, n := range b.Views {
			d.Views += n
		}
		pages := map[string]bool{}
		for p := range b.Views {
			pages[p] = true
		}
		for p := range s2.Views {
			pages[p] = true
		}
		for p := range pages {
			d.ViewsOff += int(math.Abs(float64(b.Views[p] - s2.Views[p])))
		}
		if !sameMetrics(b, s2) {
			d.WindowsDiffer++
		}
	}
	inBatch := map[Session]bool{}
	for _, s := range batch.Sessions {
		inBatch[s] = true
	}
	inStream := map[Session]bool{}
	for _, s := range stream.Sessions {
		inStream[s] = true
		if !inBatch[s] {
			d.SessionsDiffer++
		}
	}
	for _, s := range batch.Sessions {
		if !inStream[s] {
			d.SessionsDiffer++
		}
	}
	d.Sessions = len(batch.Sessions)
	d.Dispositions = dispositions(batch, stream)
	return d
}

func sameMetrics(a, b Metrics) bool {
	norm := func(m Metrics) Metrics {
		if len(m.Views) == 0 {
			m.Views = nil
		}
		if len(m.Ads) == 0 {
			m.Ads = nil
		}
		if len(m.Seqs) == 0 {
			m.Seqs = nil
		}
		return m
	}
	return reflect.DeepEqual(norm(a), norm(b))
}

// dispositions compares, record by record, what each side did with it:
// counted (how many times) or dropped (for what reason).
func dispositions(batch, stream Result) []string {
	fate := func(r Result) map[uint64]string {
		f := map[uint64]string{}
		for _, seq := range r.Counted() {
			if f[seq] == "" {
				f[seq] = "counted"
			} else {
				f[seq] = "counted more than once"
			}
		}
		for seq, d := range r.Drops {
			if f[seq] != "" {
				f[seq] += " and " + d.Reason
			} else {
				f[seq] = d.Reason
			}
		}
		return f
	}
	want, got := fate(batch), fate(stream)
	seqs := map[uint64]bool{}
	for s := range want {
		seqs[s] = true
	}
	for s := range got {
		seqs[s] = true
	}
	ordered := make([]uint64, 0, len(seqs))
	for s := range seqs {
		ordered = append(ordered, s)
	}
	slices.Sort(ordered)
	kinds := map[string][]uint64{}
	for _, s := range ordered {
		w, g := want[s], got[s]
		if w == g {
			continue
		}
		if w == "" {
			w = "not in the batch"
		}
		if g == "" {
			g = "neither counted nor dropped"
		}
		var k string
		switch {
		case w == "counted":
			k = fmt.Sprintf("counted events the stream left %s", g)
		default:
			k = fmt.Sprintf("%s events the stream left %s", w, g)
		}
		kinds[k] = append(kinds[k], s)
	}
	var out []string
	for k, s := range kinds {
		ex := make([]string, 0, 3)
		for _, seq := range s[:min(3, len(s))] {
			ex = append(ex, fmt.Sprintf("#%d", seq))
		}
		out = append(out, fmt.Sprintf("%s: %d (e.g. %s)", k, len(s), strings.Join(ex, ", ")))
	}
	sort.Strings(out)
	return out
}
