package edgeiot

import (
	"strconv"
	"testing"

	"github.com/patternlab/patternlab/kit/labtest"
	"github.com/patternlab/patternlab/kit/natsbench"
)

// BenchmarkAnchorNATSBench is the anchor of BenchmarkCatchUp: `nats bench`
// against the same embedded server build, moving as many readings
// (catchUpBacklog) of the same size (the mean encoded size of the readings
// storeReadings stores) into and out of a stream with the hub's settings
// (file storage, dedupe by message ID), in batches of 256 (ForwarderConfig.Batch's
// default; the benchmark's forwarder takes up to the topology's InFlight, 4096):
//
//   - js-pub-async-batch-256: an asynchronous publisher with 256 publishes
//     in flight and a message ID on each, what the forwarder does hub-side;
//   - js-consume-batch-256: a pull consumer fetching 256 at a time with
//     explicit acks, what the forwarder does edge-side.
//
// Each is a floor of one of the forwarder's two halves on one server; the
// catch-up also crosses the leafnode between edge and hub, and does both.
// One operation is one run; readings/s is the CLI's own measurement,
// without its process start.
func BenchmarkAnchorNATSBench(b *testing.B) {
	cli := natsbench.CLI(b)
	srv := labtest.NATS(b)
	js := labtest.JetStream(b, srv.ClientURL())
	size, msgs := strconv.Itoa(meanReadingSize(catchUpBacklog)), strconv.Itoa(catchUpBacklog)
	const batch = "256" // ForwarderConfig.Batch's default
	measure := func(b *testing.B, run func(stream string) (natsbench.Result, error)) {
		natsbench.Loop(b, js, "readings/s", run)
	}
	publish := func(stream string) (natsbench.Result, error) {
		return natsbench.Run(b.Context(), cli, srv.ClientURL(), "js", "pub", "async", "anchor."+stream,
			"--stream", stream, "--create", "--storage", "file", "--dedup", "--batch", batch, "--msgs", msgs, "--size", size)
	}
	b.Run("js-pub-async-batch-256", func(b *testing.B) { measure(b, publish) })
	b.Run("js-consume-batch-256", func(b *testing.B) {
		measure(b, func(stream string) (natsbench.Result, error) {
			b.StopTimer() // the stream is filled outside the measurement
			if _, err := publish(stream); err != nil {
				return natsbench.Result{}, err
			}
			b.StartTimer()
			return natsbench.Run(b.Context(), cli, srv.ClientURL(), "js", "consume",
				"--stream", stream, "--batch", batch, "--acks", "explicit", "--msgs", msgs)
		})
	})
}

// meanReadingSize is the mean encoded size of the first n readings
// storeReadings stores.
func meanReadingSize(n int) int {
	total := 0
	for seq := 1; seq <= n; seq++ {
		total += len(Reading{Device: "cnc-01", Seq: uint64(seq), TS: int64(seq), TempMC: 45_000}.Encode())
	}
	return (total + n/2) / n
}
