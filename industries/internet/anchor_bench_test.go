package internet_test

import (
	"fmt"
	"testing"

	"github.com/patternlab/patternlab/industries/internet/clickstream"
	"github.com/patternlab/patternlab/industries/internet/eventtime"
)

// BenchmarkAnchorChannels is the anchor of BenchmarkPipeline: the same
// demo's day through the same stages (screen, then the window operator with
// every safeguard), each its own goroutine as in the pipeline, handed on
// through bare Go channels of the pipeline's capacity (128), into an
// in-memory sink written in the pipeline's batches of 1 and 64. What it
// leaves out is exactly what the pipeline adds: the JetStream log it reads,
// the warehouse it writes (results, checkpoints, late events and dead
// letters published), and the workflow stage runner's rejections. The
// ratio is the price of a durable log and store over in-process hand-off.
func BenchmarkAnchorChannels(b *testing.B) {
	for _, batch := range []int{1, 64} {
		b.Run(fmt.Sprintf("batch-%d", batch), func(b *testing.B) {
			log := benchLog(clickstream.DefaultTraffic())
			p := eventtime.DefaultPolicy()
			stored := 0
			for b.Loop() {
				stored = channelPipeline(b, log, p, batch)
			}
			if stored == 0 {
				b.Fatal("the sink stored no results")
			}
			b.ReportMetric(float64(len(log))*float64(b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

// channelPipeline runs log through screen → window → sink over channels of
// capacity 128 and returns how many outputs the sink applied.
func channelPipeline(b *testing.B, log []clickstream.Logged, p eventtime.Policy, batch int) int {
	const capacity = 128
	op, err := eventtime.NewOperator(p, eventtime.AllSafeguards(), nil)
	if err != nil {
		b.Fatal(err)
	}
	entries := make(chan clickstream.Logged, capacity)
	screened := make(chan eventtime.Record, capacity)
	outputs := make(chan eventtime.Output, capacity)
	go func() {
		defer close(entries)
		for _, l := range log {
			entries <- l
		}
	}()
	go func() {
		defer close(screened)
		for l := range entries {
			if rec, drop := eventtime.Screen(l, true); drop == nil {
				screened <- rec
			}
		}
	}()
	failed := make(chan error, 1)
	go func() {
		defer close(outputs)
		for rec := range screened {
			outs, err := op.Apply(rec)
			if err != nil {
				failed <- err
				for range screened { // let the screen finish
				}
				return
			}
			for _, o := range outs {
				outputs <- o
			}
		}
		for _, o := range op.End(uint64(len(log))) {
			outputs <- o
		}
	}()
	sink := eventtime.NewSink()
	pending := make([]eventtime.Output, 0, batch)
	applied := 0
	for o := range outputs {
		if pending = append(pending, o); len(pending) == batch {
			sink.Apply(pending, nil)
			applied, pending = applied+len(pending), pending[:0]
		}
	}
	sink.Apply(pending, nil)
	applied += len(pending)
	select {
	case err := <-failed:
		b.Fatal(err)
	default:
	}
	return applied
}
