package edgeiot

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
)

// Aggregate summarises one device's readings in one tumbling window of the
// device's own clock: the downsampled form of the telemetry. Rev counts
// corrections: a reading that arrives after its window was emitted makes the
// edge emit the window again with Rev+1, and the newest revision wins.
type Aggregate struct {
	Device string `json:"device"`
	Start  int64  `json:"start"`    // window start, device clock, Unix ms
	Width  int64  `json:"width_ms"` // window width in ms
	Count  int    `json:"count"`
	SumMC  int64  `json:"sum_mc"`
	MinMC  int64  `json:"min_mc"`
	MaxMC  int64  `json:"max_mc"`
	Rev    int    `json:"rev"`
}

// WindowKey names a device's window.
type WindowKey struct {
	Device string
	Start  int64
}

func (k WindowKey) String() string { return k.Device + "@" + strconv.FormatInt(k.Start, 10) }

// Key names the window the aggregate summarises.
func (a Aggregate) Key() WindowKey { return WindowKey{Device: a.Device, Start: a.Start} }

// ID is the aggregate's message ID: one per window and revision, so a
// re-emitted revision is deduplicated and a correction is not.
func (a Aggregate) ID() string {
	return fmt.Sprintf("agg/%s/%d/%d", a.Device, a.Start, a.Rev)
}

// MeanMC is the mean temperature in milli-degrees.
func (a Aggregate) MeanMC() int64 {
	if a.Count == 0 {
		return 0
	}
	return a.SumMC / int64(a.Count)
}

// SameSummary reports whether two aggregates summarise the same readings,
// whatever their revision.
func (a Aggregate) SameSummary(b Aggregate) bool {
	a.Rev, b.Rev = 0, 0
	return a == b
}

// fold adds r to the aggregate.
func (a Aggregate) fold(r Reading) Aggregate {
	if a.Count == 0 || r.TempMC < a.MinMC {
		a.MinMC = r.TempMC
	}
	if a.Count == 0 || r.TempMC > a.MaxMC {
		a.MaxMC = r.TempMC
	}
	a.Count++
	a.SumMC += r.TempMC
	return a
}

// Encode renders the aggregate as the JSON the edge publishes.
func (a Aggregate) Encode() []byte {
	b, err := json.Marshal(a)
	if err != nil { // strings and integers always marshal
		panic(fmt.Sprintf("encode aggregate: %v", err))
	}
	return b
}

// windowStart is the start of the width-ms window holding ts.
func windowStart(ts, width int64) int64 {
	start := ts - ts%width
	if ts < 0 && ts%width != 0 {
		start -= width
	}
	return start
}

// Recompute aggregates readings the way the edge does, from scratch: what
// the hub checks the edge's aggregates against. Each reading ID counts once.
func Recompute(readings []Reading, width int64) map[WindowKey]Aggregate {
	out := map[WindowKey]Aggregate{}
	seen := map[string]bool{}
	for _, r := range readings {
		if seen[r.ID()] {
			continue
		}
		seen[r.ID()] = true
		k := WindowKey{Device: r.Device, Start: windowStart(r.TS, width)}
		a, ok := out[k]
		if !ok {
			a = Aggregate{Device: k.Device, Start: k.Start, Width: width}
		}
		out[k] = a.fold(r)
	}
	return out
}

// window is the downsampler's state for one device's window.
type window struct {
	agg     Aggregate
	seqs    map[uint64]struct{} // readings counted, so a redelivery counts once
	emitted int                 // revisions emitted so far
	dirty   bool                // changed since the last emission
}

// device is the downsampler's state for one device.
type deviceWindows struct {
	windows map[int64]*window
	newest  int64 // start of the newest window: the open one
}

// Downsampler turns a device's readings into one aggregate per window of
// device time. A window is emitted when the device's first reading of a
// later window arrives (or on Flush); a reading for an emitted window, late
// because of a resend or a redelivery, re-emits that window as a correction.
// Windows older than Horizon windows behind the newest are forgotten, and a
// reading for one of those is too late to accept (TooLate).
//
// Windows follow the device's clock, not the edge's: a device whose clock
// is skewed shifts its own windows, which is right for that device but makes
// windows of different devices not line up exactly.
//
// A Downsampler is not safe for concurrent use; the gateway calls it from
// its one processing loop.
type Downsampler struct {
	width   int64
	horizon int64
	devices map[string]*deviceWindows
}

// NewDownsampler aggregates into windows of widthMS milliseconds and keeps
// horizon windows per device open to corrections.
func NewDownsampler(widthMS int64, horizon int) *Downsampler {
	return &Downsampler{width: widthMS, horizon: int64(horizon), devices: map[string]*deviceWindows{}}
}

// Width is the window width in milliseconds.
func (d *Downsampler) Width() int64 { return d.width }

// TooLate reports whether r belongs to a window the downsampler has already
// forgotten. Such a reading must be refused before it is accepted, or the
// hub would hold a reading no aggregate counts.
func (d *Downsampler) TooLate(r Reading) bool {
	dw, ok := d.devices[r.Device]
	if !ok {
		return false
	}
	return windowStart(r.TS, d.width) < dw.newest-d.horizon*d.width
}

// Add counts r and returns the aggregates to publish now, oldest first. A
// reading already counted changes nothing.
func (d *Downsampler) Add(r Reading) []Aggregate {
	start := windowStart(r.TS, d.width)
	dw, ok := d.devices[r.Device]
	if !ok {
		dw = &deviceWindows{windows: map[int64]*window{}, newest: start}
		d.devices[r.Device] = dw
	}
	w, ok := dw.windows[start]
	if !ok {
		w = &window{
			agg:  Aggregate{Device: r.Device, Start: start, Width: d.width},
			seqs: map[uint64]struct{}{},
		}
		dw.windows[start] = w
	}
	if _, dup := w.seqs[r.Seq]; dup {
		return nil
	}
	w.seqs[r.Seq] = struct{}{}
	w.agg = w.agg.fold(r)
	w.dirty = true

	switch {
	case start > dw.newest: // a new window opens: every older dirty one is final for now
		dw.newest = start
		out := d.emit(dw, func(s int64) bool { return s < start })
		d.forget(dw)
		return out
	case start < dw.newest: // a late reading: correct its window at once
		return d.emit(dw, func(s int64) bool { return s == start })
	default:
		return nil
	}
}

// Flush emits every window changed since its last emission, the open ones
// included: call it when the readings stop (end of a shift, shutdown). A
// later reading for a flushed window emits a correction.
func (d *Downsampler) Flush() []Aggregate {
	var out []Aggregate
	devices := make([]string, 0, len(d.devices))
	for id := range d.devices {
		devices = append(devices, id)
	}
	sort.Strings(devices)
	for _, id := range devices {
		out = append(out, d.emit(d.devices[id], func(int64) bool { return true })...)
	}
	return out
}

// emit returns the dirty windows of dw selected by pick, oldest first, and
// marks them emitted.
func (d *Downsampler) emit(dw *deviceWindows, pick func(start int64) bool) []Aggregate {
	var starts []int64
	for s, w := range dw.windows {
		if w.dirty && pick(s) {
			starts = append(starts, s)
		}
	}
	sort.Slice(starts, func(i, j int) bool { return starts[i] < starts[j] })
	out := make([]Aggregate, 0, len(starts))
	for _, s := range starts {
		w := dw.windows[s]
		w.agg.Rev = w.emitted
		w.emitted++
		w.dirty = false
		out = append(out, w.agg)
	}
	return out
}

// forget drops windows past the horizon; they were emitted when they closed.
func (d *Downsampler) forget(dw *deviceWindows) {
	oldest := dw.newest - d.horizon*d.width
	for s, w := range dw.windows {
		if s < oldest && !w.dirty {
			delete(dw.windows, s)
		}
	}
}
