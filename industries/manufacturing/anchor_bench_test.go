package manufacturing_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/patternlab/patternlab/industries/manufacturing/oee"
	"github.com/patternlab/patternlab/industries/manufacturing/plant"
	"github.com/patternlab/patternlab/kit/labtest"
	"github.com/patternlab/patternlab/kit/natsbench"
)

// gatewayReadings are the readings of BenchmarkGatewayThroughput's plant (4
// lines of 8 machines) over its 200 intervals, as its machines make them.
func gatewayReadings() (plant.Floor, []plant.Reading) {
	const intervals = 200
	f := plant.NewFloor(1, 4, 8, 8*time.Hour, 5*time.Minute)
	var rs []plant.Reading
	for _, m := range f.Machines("") {
		s := plant.NewMachine(f, m, plant.DefaultBehaviour(1))
		for range intervals {
			rs = append(rs, s.Next())
		}
	}
	return f, rs
}

// BenchmarkAnchorInProcess is the first anchor of
// BenchmarkGatewayThroughput: the same readings, encoded as the machines
// send them, decoded by the edge's strict decoder and counted into an OEE
// book with dedupe, in one goroutine. It is the computation without any
// transport or storage: the ratio is what MQTT, the landing stream, the
// rule, the archive and the buffer cost over it.
func BenchmarkAnchorInProcess(b *testing.B) {
	f, rs := gatewayReadings()
	payloads := make([][]byte, len(rs))
	for i, r := range rs {
		payloads[i] = r.Encode()
	}
	n := 0
	for b.Loop() {
		book := oee.NewBook(f, true)
		for i, p := range payloads {
			r, err := plant.Decode(rs[i].Machine, p)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := book.Add(r); err != nil {
				b.Fatal(err)
			}
		}
		n += len(payloads)
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "readings/s")
}

// BenchmarkAnchorNATSBench is the second anchor of
// BenchmarkGatewayThroughput: `nats bench` storing as many messages as the
// gateway's machines publish (32 machines, 200 intervals), of their mean
// encoded size, once, into a file-storage stream on the same embedded
// server build, asynchronously with 32 publishes in flight (one per
// machine, as the machines publish each interval). The gateway stores
// each reading three times (landing, archive, buffer) and decides on it
// between: this is the floor of one store.
func BenchmarkAnchorNATSBench(b *testing.B) {
	cli := natsbench.CLI(b)
	srv := labtest.NATS(b)
	js := labtest.JetStream(b, srv.ClientURL())
	_, rs := gatewayReadings()
	total := 0
	for _, r := range rs {
		total += len(r.Encode())
	}
	size, msgs := strconv.Itoa((total+len(rs)/2)/len(rs)), strconv.Itoa(len(rs))
	b.Run("js-pub-async-batch-32", func(b *testing.B) {
		natsbench.Loop(b, js, "readings/s", func(stream string) (natsbench.Result, error) {
			return natsbench.Run(b.Context(), cli, srv.ClientURL(), "js", "pub", "async", "anchor."+stream,
				"--stream", stream, "--create", "--storage", "file", "--batch", "32", "--msgs", msgs, "--size", size)
		})
	})
}
