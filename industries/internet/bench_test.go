package internet_test

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"testing"
	"time"

	internet "github.com/patternlab/patternlab/industries/internet"
	"github.com/patternlab/patternlab/industries/internet/clickstream"
	"github.com/patternlab/patternlab/industries/internet/eventtime"
)

func benchLog(t clickstream.Traffic) []clickstream.Logged {
	beacons := t.Generate()
	out := make([]clickstream.Logged, len(beacons))
	for i, b := range beacons {
		out[i] = clickstream.Logged{Seq: uint64(i + 1), Beacon: b}
	}
	return out
}

// The window stage alone, in memory: screen and operator over the demo's
// day, events per second of real time.
func BenchmarkWindowStage(b *testing.B) {
	log := benchLog(clickstream.DefaultTraffic())
	p := eventtime.DefaultPolicy()
	b.ResetTimer()
	for b.Loop() {
		op, err := eventtime.NewOperator(p, eventtime.AllSafeguards(), nil)
		if err != nil {
			b.Fatal(err)
		}
		for _, l := range log {
			if rec, drop := eventtime.Screen(l, true); drop == nil {
				if _, err := op.Apply(rec); err != nil {
					b.Fatal(err)
				}
			}
		}
		op.End(uint64(len(log)))
	}
	b.ReportMetric(float64(len(log))*float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// The whole pipeline (collect from the JetStream log, screen, windows,
// store with late events and dead letters published) over the demo's day,
// already in the log.
func BenchmarkPipeline(b *testing.B) {
	for _, batch := range []int{1, 64} {
		b.Run(fmt.Sprintf("batch-%d", batch), func(b *testing.B) {
			log := openBenchLog(b)
			ctx := context.Background()
			beacons := clickstream.DefaultTraffic().Generate()
			for _, bc := range beacons {
				if err := log.Append(ctx, bc); err != nil {
					b.Fatal(err)
				}
			}
			if err := log.End(ctx); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for b.Loop() {
				a := &internet.Analytics{Log: log, Store: internet.NewWarehouse(log, true), Policy: eventtime.DefaultPolicy(),
					Safeguards: eventtime.AllSafeguards(), FilterBots: true, Buffer: 128, Batch: batch}
				if err := a.Run(ctx); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(beacons))*float64(b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

// How the allowed lateness changes the results and the latency from event
// to metric, on the demo's day with 5% and 20% of beacons held back by the
// devices. Latency is in the day's own time (what a dashboard waits): from
// when the user acted to the first result that counts it, and to the final
// one (the window closed, no more corrections).
func BenchmarkLateness(b *testing.B) {
	for _, held := range []float64{0.05, 0.2} {
		for _, lateness := range []time.Duration{0, 10 * time.Second, time.Minute} {
			b.Run(fmt.Sprintf("held-%.0f%%/lateness-%v", 100*held, lateness), func(b *testing.B) {
				tr := clickstream.DefaultTraffic()
				tr.Late = held
				log := benchLog(tr)
				p := eventtime.DefaultPolicy()
				p.Lateness = lateness
				var first, final []float64
				var late, counted int
				for b.Loop() {
					first, final, late, counted = latencies(b, log, p)
				}
				b.ReportMetric(100*float64(late)/float64(late+counted), "%late")
				b.ReportMetric(quantile(first, 0.5), "s-first-p50")
				b.ReportMetric(quantile(first, 0.99), "s-first-p99")
				b.ReportMetric(quantile(final, 0.5), "s-final-p50")
				b.ReportMetric(quantile(final, 0.99), "s-final-p99")
			})
		}
	}
}

// latencies runs the operator over the log, noting the watermark after
// every record, then finds for each counted event the first moment (a
// record's receive time) the watermark passed its window's end, and its end
// plus the lateness.
func latencies(b *testing.B, log []clickstream.Logged, p eventtime.Policy) (first, final []float64, late, counted int) {
	op, err := eventtime.NewOperator(p, eventtime.AllSafeguards(), nil)
	if err != nil {
		b.Fatal(err)
	}
	type mark struct{ recv, wm int64 }
	var marks []mark
	var events []int64 // event times of counted events
	for _, l := range log {
		rec, drop := eventtime.Screen(l, true)
		if drop != nil {
			continue
		}
		outs, err := op.Apply(rec)
		if err != nil {
			b.Fatal(err)
		}
		dropped := false
		for _, o := range outs {
			if o.Drop != nil {
				dropped = true
				if o.Drop.Reason == eventtime.Late {
					late++
				}
			}
		}
		if !dropped {
			counted++
			events = append(events, eventtime.EventTime(rec))
		}
		if wm, ok := op.Watermark(); ok {
			marks = append(marks, mark{l.Recv, wm})
		}
	}
	when := func(at int64) (int64, bool) {
		i, _ := slices.BinarySearchFunc(marks, at, func(m mark, t int64) int {
			if m.wm < t {
				return -1
			}
			return 1
		})
		if i == len(marks) {
			return 0, false
		}
		return marks[i].recv, true
	}
	size := p.Size.Milliseconds()
	for _, t := range events {
		end := p.WindowOf(t) + size
		if r, ok := when(end); ok {
			first = append(first, float64(r-t)/1000)
		}
		if r, ok := when(end + p.Lateness.Milliseconds()); ok {
			final = append(final, float64(r-t)/1000)
		}
	}
	return first, final, late, counted
}

func quantile(v []float64, q float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	return s[min(len(s)-1, int(q*float64(len(s))))]
}

// The memory an open window holds, with the demo's busiest traffic (a
// minute of the spike) in it: the heap grown by a thousand such windows.
func BenchmarkOpenWindowMemory(b *testing.B) {
	log := benchLog(clickstream.DefaultTraffic())
	p := eventtime.DefaultPolicy()
	spike := p.WindowOf(clickstream.Start.Add(clickstream.DefaultTraffic().SpikeAt + 5*time.Minute).UnixMilli())
	var minute []eventtime.Record
	for _, l := range log {
		if rec, drop := eventtime.Screen(l, true); drop == nil && p.WindowOf(eventtime.EventTime(rec)) == spike {
			minute = append(minute, rec)
		}
	}
	const windows = 1000
	var perWindow float64
	for b.Loop() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		held := make([]*eventtime.Window, windows)
		for i := range held {
			w := eventtime.NewWindow(spike)
			for _, r := range minute {
				w.Add(r.Seq, r.Event)
			}
			held[i] = w
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		perWindow = float64(after.HeapAlloc-before.HeapAlloc) / windows
		runtime.KeepAlive(held)
	}
	b.ReportMetric(float64(len(minute)), "events/window")
	b.ReportMetric(perWindow, "B/window")
}
