package cqrs

import (
	"context"
	"fmt"
	"strconv"
	"testing"

	eh "github.com/looplab/eventhorizon"
	"github.com/looplab/eventhorizon/eventstore/memory"
	"github.com/looplab/eventhorizon/uuid"
	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/kit/labtest"
	"github.com/patternlab/patternlab/kit/natsbench"
)

// Anchors, measured in the same run as the store's benchmarks; pattern.yaml
// (bench.ratios) pairs each benchmark with its anchor and make bench writes
// the ratios.

// loadSizes are the aggregate sizes of the load-cost curve.
var loadSizes = []int{10, 100, 1000, 10_000}

// fill saves size deposits to one new aggregate, 100 events per command.
func fill(b *testing.B, store eh.EventStore, size int) uuid.UUID {
	b.Helper()
	ctx := context.Background()
	id := uuid.New()
	for v := 0; v < size; {
		n := min(100, size-v)
		events := make([]eh.Event, n)
		for i := range events {
			events[i] = deposit(id, v+i+1)
		}
		require.NoError(b, store.Save(ctx, events, v))
		v += n
	}
	return id
}

// benchLoad loads the aggregate of size events per op. On the JetStream
// store it also reports the requests one load sends (each waits for its
// answer, so that is its round trips), counted by the connection.
func benchLoad(b *testing.B, store eh.EventStore, size int) {
	id := fill(b, store, size)
	ctx := context.Background()
	sent := requestsSent(store)
	for b.Loop() {
		events, err := store.Load(ctx, id)
		if err != nil || len(events) != size {
			b.Fatalf("load: %d events, %v", len(events), err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/load")
	b.ReportMetric(float64(b.N*size)/b.Elapsed().Seconds(), "events/s")
	if s, ok := store.(*EventStore); ok {
		b.ReportMetric(float64(requestsSent(s)-sent)/float64(b.N), "requests/load")
	}
}

// requestsSent is how many messages the JetStream store's connection has
// published (0 for another store).
func requestsSent(store eh.EventStore) uint64 {
	if s, ok := store.(*EventStore); ok {
		return s.nc.Stats().OutMsgs
	}
	return 0
}

// BenchmarkLoadSize is the JetStream store's load-cost curve: one aggregate
// of 10 to 10,000 events loaded per op (file storage, embedded server).
func BenchmarkLoadSize(b *testing.B) {
	for _, size := range loadSizes {
		b.Run(fmt.Sprintf("events=%d", size), func(b *testing.B) {
			store, _ := newTestStore(b)
			benchLoad(b, store, size)
		})
	}
}

// BenchmarkAnchorMemoryLoad is the same curve on eventhorizon's memory
// store: a load that does no I/O at all, only the copy of the events.
func BenchmarkAnchorMemoryLoad(b *testing.B) {
	for _, size := range loadSizes {
		b.Run(fmt.Sprintf("events=%d", size), func(b *testing.B) {
			store, err := memory.NewEventStore()
			require.NoError(b, err)
			benchLoad(b, store, size)
		})
	}
}

// anchorMessages is the size of one `nats bench` run.
const anchorMessages = 5_000

// BenchmarkAnchorNATSBench runs `nats bench js pub sync` against the same
// embedded server build and storage (file) as BenchmarkAppend: one publisher
// waiting for each acknowledgement, with messages of the size the store's
// deposits take in its stream (measured here from the stream's own state).
// One operation is one run of 5,000 messages; events/s is the CLI's own
// measurement, without its process start.
func BenchmarkAnchorNATSBench(b *testing.B) {
	cli := natsbench.CLI(b)
	srv := labtest.NATS(b)
	js := labtest.JetStream(b, srv.ClientURL())
	size := storedEventSize(b)
	b.Run("js-pub-sync-file", func(b *testing.B) {
		natsbench.Loop(b, js, "events/s", func(stream string) (natsbench.Result, error) {
			return natsbench.Run(b.Context(), cli, srv.ClientURL(), "js", "pub", "sync", "anchor."+stream,
				"--stream", stream, "--create", "--storage", "file",
				"--msgs", strconv.Itoa(anchorMessages), "--size", strconv.Itoa(size))
		})
		b.ReportMetric(float64(size), "B/msg")
	})
}

// storedEventSize appends 100 deposits to a store of its own and returns the
// mean bytes per message its stream holds (subject, headers and payload).
func storedEventSize(b *testing.B) int {
	b.Helper()
	srv := labtest.NATS(b)
	store, l := newStoreOn(b, srv)
	fill(b, store, 100)
	js := labtest.JetStream(b, srv.ClientURL())
	s, err := js.Stream(b.Context(), l.Stream)
	require.NoError(b, err)
	info, err := s.Info(b.Context())
	require.NoError(b, err)
	if info.State.Msgs == 0 {
		b.Fatal("the store's stream holds no message")
	}
	return int(info.State.Bytes / info.State.Msgs)
}
