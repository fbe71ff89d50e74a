package internet_test

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	internet "github.com/patternlab/patternlab/industries/internet"
	"github.com/patternlab/patternlab/industries/internet/clickstream"
	"github.com/patternlab/patternlab/industries/internet/eventtime"
	"github.com/patternlab/patternlab/kit/deadletter"
	"github.com/patternlab/patternlab/kit/labtest"
	"github.com/patternlab/patternlab/patterns/backpressure"
)

func testTraffic(seed uint64) clickstream.Traffic {
	tr := clickstream.DefaultTraffic()
	tr.Seed, tr.Users, tr.Bots, tr.Context = seed, 30, 1, 64
	return tr
}

// openLog starts an embedded server and the run's streams on it.
func openLog(t *testing.T) *internet.Log {
	srv := labtest.NATS(t)
	js := labtest.JetStream(t, srv.ClientURL())
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	log, err := internet.OpenLog(ctx, js, internet.NamesFor("CLICKS", "clicks"))
	require.NoError(t, err)
	return log
}

func fill(t *testing.T, log *internet.Log, beacons []clickstream.Beacon) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, b := range beacons {
		require.NoError(t, log.Append(ctx, b))
	}
	require.NoError(t, log.End(ctx))
}

// The window stage crashes several times at random moments (mid-window,
// right after a checkpoint, at the end); each time the pipeline restarts
// from the store's checkpoint and the log replays. The store ends equal to
// the batch recomputation of the log as the server holds it, and every
// record is counted once or dropped with a reason.
//
// Fault: crash | target: the window stage, several times at random moments (mid-window, right after a checkpoint, at the end) | invariant: restarted from the checkpoint, the store equals the batch recomputation; every record counted once or dropped with a reason
func TestCrashesMidWindowCountNothingTwice(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		log := openLog(t)
		fill(t, log, testTraffic(seed).Generate())
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		source, err := log.Source(ctx)
		require.NoError(t, err)

		rng := rand.New(rand.NewPCG(seed, 11))
		at := map[uint64]bool{}
		for range 3 {
			at[uint64(1+rng.IntN(len(source)))] = true
		}
		store := internet.NewWarehouse(log, true)
		restarts := 0
		a := &internet.Analytics{Log: log, Store: store, Policy: eventtime.DefaultPolicy(), Safeguards: eventtime.AllSafeguards(),
			FilterBots: true, Buffer: 8, Batch: 1,
			Crash: func(rec eventtime.Record, _, _ int) bool {
				if at[rec.Seq] {
					delete(at, rec.Seq)
					return true
				}
				return false
			},
			Restarted: func(*eventtime.Checkpoint) { restarts++ },
		}
		require.NoError(t, a.Run(ctx))
		assert.Positive(t, restarts, "seed %d: no crash happened", seed)
		d := eventtime.Compare(eventtime.Batch(source, eventtime.DefaultPolicy()), store.Result())
		assert.Truef(t, d.Equal(), "seed %d: %s %v", seed, d, d.Dispositions)
		got := store.Result()
		assert.Equal(t, len(source), len(got.Counted())+len(got.Drops), "seed %d: every record counted once or dropped", seed)
	}
}

// The same crash without the idempotent write: events added as they are
// counted are added again by the replay. The test can fail.
func TestCrashWithoutIdempotentWritesCountsTwice(t *testing.T) {
	log := openLog(t)
	fill(t, log, testTraffic(4).Generate())
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	source, err := log.Source(ctx)
	require.NoError(t, err)
	sg := eventtime.AllSafeguards()
	sg.Idempotent = false
	store := internet.NewWarehouse(log, true)
	crashed := false
	a := &internet.Analytics{Log: log, Store: store, Policy: eventtime.DefaultPolicy(), Safeguards: sg, FilterBots: true, Buffer: 8, Batch: 1,
		Crash: func(_ eventtime.Record, since, open int) bool {
			if !crashed && since >= 30 && open > 0 {
				crashed = true
				return true
			}
			return false
		}}
	require.NoError(t, a.Run(ctx))
	d := eventtime.Compare(eventtime.Batch(source, eventtime.DefaultPolicy()), store.Result())
	require.False(t, d.Equal())
	assert.Contains(t, d.Dispositions[0], "counted more than once")
}

// A message on the log without the edge's receive time, and beacons that
// are not events, are dead-lettered with their reason, once each, though
// the stage crashes and replays them.
//
// Fault: bad-input | target: the log: a message without the edge's receive time, beacons that are not events | invariant: dead-lettered with the reason, once each, though the stage crashes and replays them
func TestForeignAndMalformedMessagesAreDeadLettered(t *testing.T) {
	log := openLog(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err := log.JS.PublishMsg(ctx, &nats.Msg{Subject: log.Names.In, Data: []byte(`{"id":"x"}`)})
	require.NoError(t, err)
	now := clickstream.Start.UnixMilli()
	good := clickstream.Event{ID: "e-1", Producer: "web-1", User: "u-1", Kind: clickstream.View, Page: "/", TS: now, Sent: now, Agent: "Mozilla/5.0"}
	require.NoError(t, log.Append(ctx, clickstream.Beacon{Raw: []byte("not json"), Recv: now}))
	require.NoError(t, log.Append(ctx, clickstream.Beacon{Raw: good.Encode(), Recv: now}))
	require.NoError(t, log.End(ctx))

	store := internet.NewWarehouse(log, true)
	once := false
	a := &internet.Analytics{Log: log, Store: store, Policy: eventtime.DefaultPolicy(), Safeguards: eventtime.AllSafeguards(),
		FilterBots: true, Buffer: 1, Batch: 1, Crash: func(eventtime.Record, int, int) bool { c := !once; once = true; return c }}
	require.NoError(t, a.Run(ctx))
	letters, err := deadletter.Read(ctx, log.JS, log.Names.Dead)
	require.NoError(t, err)
	require.Len(t, letters, 2)
	reasons := []string{letters[0].Reason, letters[1].Reason}
	slices.Sort(reasons)
	assert.Equal(t, []string{"malformed: not-json", "no Click-Recv-Ms header"}, reasons)
	res := store.Result()
	assert.Equal(t, []uint64{3}, res.Counted())
}

// A 10x spike at the edge: with a bounded buffer the beacons held between
// taken and logged stay within B + W + 3 (they wait, none is shed); with an
// unbounded one they pile up far beyond it.
//
// Fault: overload | target: the edge, a 10x spike | invariant: with a bounded buffer the beacons held stay within B + W + 3, none shed
func TestSpikeKeepsTheEdgeBounded(t *testing.T) {
	tr := testTraffic(5)
	beacons := tr.Generate()
	const b, w = 16, 8
	run := func(s backpressure.Strategy) internet.EdgeStats {
		log := openLog(t)
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		// Played ten times faster than the log writer takes them.
		e := &internet.Edge{Strategy: s, Log: log, Rate: 2000, Window: w, Speed: 1e9}
		st, err := e.Ingest(ctx, beacons)
		require.NoError(t, err)
		source, err := log.Source(ctx)
		require.NoError(t, err)
		require.Len(t, source, len(beacons), "every beacon reached the log")
		return st
	}
	bounded := run(backpressure.NewBoundedChannel(b))
	assert.LessOrEqual(t, bounded.PeakHeld, b+w+3)
	unbounded := run(backpressure.NewUnboundedBuffer())
	assert.Greater(t, unbounded.PeakHeld, 10*(b+w+3), "the unbounded edge held %d", unbounded.PeakHeld)
}

func openBenchLog(b *testing.B) *internet.Log {
	srv := labtest.NATS(b)
	js := labtest.JetStream(b, srv.ClientURL())
	log, err := internet.OpenLog(context.Background(), js, internet.NamesFor("CLICKS", "clicks"))
	if err != nil {
		b.Fatal(err)
	}
	return log
}
