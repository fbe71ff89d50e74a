package natsbench

import (
	"errors"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/nats-io/nats.go/jetstream"
)

// streams numbers the anchor streams of the whole test binary, so that no
// two runs (of any sub-benchmark, in any round of b.Loop) share a name.
var streams atomic.Int64

// Loop is a benchmark's loop over one `nats bench` run: each iteration runs
// on a stream of its own ("ANCHOR<n>"), deleted with the timer stopped (a
// memory-stored stream would otherwise stay), and runs once more on a fresh
// stream when the CLI's consumer stalled (ErrStalled, which a loaded
// machine causes). It reports the CLI's own rate, its messages over its
// seconds without its process start, as unit (e.g. "msgs/s").
func Loop(b *testing.B, js jetstream.JetStream, unit string, run func(stream string) (Result, error)) {
	b.Helper()
	var moved int64
	var secs float64
	for b.Loop() {
		stream := "ANCHOR" + strconv.FormatInt(streams.Add(1), 10)
		r, err := run(stream)
		if errors.Is(err, ErrStalled) {
			b.Logf("retrying once: %v", err)
			deleteStream(b, js, stream)
			stream = "ANCHOR" + strconv.FormatInt(streams.Add(1), 10)
			r, err = run(stream)
		}
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		deleteStream(b, js, stream)
		b.StartTimer()
		moved, secs = moved+r.Msgs, secs+r.Seconds
	}
	b.ReportMetric(float64(moved)/secs, unit)
}

func deleteStream(b *testing.B, js jetstream.JetStream, stream string) {
	b.Helper()
	if err := js.DeleteStream(b.Context(), stream); err != nil && !errors.Is(err, jetstream.ErrStreamNotFound) {
		b.Fatal(err)
	}
}
