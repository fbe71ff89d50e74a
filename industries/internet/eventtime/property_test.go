package eventtime_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/industries/internet/clickstream"
	"github.com/patternlab/patternlab/industries/internet/eventtime"
)

// logOf numbers the beacons as a log does, from 1.
func logOf(beacons []clickstream.Beacon) []clickstream.Logged {
	out := make([]clickstream.Logged, len(beacons))
	for i, b := range beacons {
		out[i] = clickstream.Logged{Seq: uint64(i + 1), Beacon: b}
	}
	return out
}

// stream runs the window stage over the log the way the pipeline does,
// crashing at the given positions: the operator's memory is lost, a new one
// restarts from the sink's checkpoint, and the log is replayed from there.
func stream(t testing.TB, log []clickstream.Logged, p eventtime.Policy, sg eventtime.Safeguards, crashAt map[int]bool) eventtime.Result {
	sink := eventtime.NewSink()
	from := 0
	for {
		op, err := eventtime.NewOperator(p, sg, sink.Checkpoint())
		require.NoError(t, err)
		crashed := false
		var outs []eventtime.Output
		var drops []eventtime.Drop
		flush := func() { sink.Apply(outs, drops); outs, drops = nil, nil }
		for i := from; i < len(log); i++ {
			if crashAt[i] {
				delete(crashAt, i)
				crashed = true // what was not flushed is lost with the operator
				break
			}
			rec, drop := eventtime.Screen(log[i], true)
			if drop != nil {
				drops = append(drops, *drop)
				op.Skip(log[i].Seq)
				continue
			}
			o, err := op.Apply(rec)
			require.NoError(t, err)
			outs = append(outs, o...)
			if i%7 == 0 {
				flush()
			}
		}
		if !crashed {
			outs = append(outs, op.End(uint64(len(log)))...)
			flush()
			return sink.Result()
		}
		from = 0
		if cp := sink.Checkpoint(); cp != nil {
			from = int(cp.Offset) // seqs are positions + 1
		}
	}
}

func smallTraffic(seed uint64) clickstream.Traffic {
	tr := clickstream.DefaultTraffic()
	tr.Seed, tr.Users, tr.Bots, tr.Span, tr.Context = seed, 25, 1, 90*time.Minute, 0
	tr.SpikeAt, tr.Spike = 30*time.Minute, 5*time.Minute
	tr.Late, tr.Retries = 0.1, 0.08
	return tr
}

// The invariant's core, over many seeds and lateness policies: the streaming
// result, with crashes and restarts from checkpoints, equals the batch
// recomputation, window for window, session for session, record for record.
//
// Fault: crash | target: the streaming stages, restarted from checkpoints at random records | invariant: the stream equals the batch recomputation, window for window; every record counted once or dropped
// Fault: reorder | target: the stream: late and out-of-order events, over three lateness policies | invariant: the stream equals the batch recomputation under the same lateness policy
// Fault: duplicate | target: the stream: devices' retried beacons | invariant: each counted once: the stream equals the batch recomputation
func TestStreamEqualsBatchForEverySeed(t *testing.T) {
	seeds := 16
	if testing.Short() {
		seeds = 4
	}
	for seed := range uint64(seeds) {
		rng := rand.New(rand.NewPCG(seed, 7))
		log := logOf(smallTraffic(seed + 1).Generate())
		p := eventtime.DefaultPolicy()
		p.Lateness = []time.Duration{0, 10 * time.Second, time.Minute}[seed%3]
		p.Disorder = time.Duration(rng.IntN(10)) * time.Second
		crashes := map[int]bool{}
		for range rng.IntN(4) {
			crashes[rng.IntN(len(log))] = true
		}
		batch := eventtime.Batch(log, p)
		got := stream(t, log, p, eventtime.AllSafeguards(), crashes)
		d := eventtime.Compare(batch, got)
		require.Truef(t, d.Equal(), "seed %d, lateness %v: %s; %v", seed, p.Lateness, d, d.Dispositions)
		require.Len(t, got.Drops, len(batch.Drops))
		assert.Equal(t, len(log), len(got.Counted())+len(got.Drops), "seed %d: every record counted once or dropped", seed)
	}
}

// Each safeguard, switched off, makes the stream differ from the batch on
// the same input: the property test above can fail.
func TestEachSafeguardOffBreaksTheEquality(t *testing.T) {
	log := logOf(smallTraffic(3).Generate())
	p := eventtime.DefaultPolicy()
	batch := eventtime.Batch(log, p)
	off := map[string]func(*eventtime.Safeguards){
		"processing time":    func(s *eventtime.Safeguards) { s.EventTime = false },
		"no skew correction": func(s *eventtime.Safeguards) { s.SkewCorrection = false },
		"no dedupe":          func(s *eventtime.Safeguards) { s.Dedupe = false },
		"late not routed":    func(s *eventtime.Safeguards) { s.RouteLate = false },
	}
	for name, f := range off {
		t.Run(name, func(t *testing.T) {
			sg := eventtime.AllSafeguards()
			f(&sg)
			d := eventtime.Compare(batch, stream(t, log, p, sg, nil))
			assert.False(t, d.Equal(), "%s: the stream still equals the batch", name)
		})
	}
	t.Run("adds replayed after a crash", func(t *testing.T) {
		sg := eventtime.AllSafeguards()
		sg.Idempotent = false
		// crash well after a checkpoint, mid-window
		d := eventtime.Compare(batch, stream(t, log, p, sg, map[int]bool{len(log)/2 + 3: true}))
		assert.False(t, d.Equal())
		assert.Contains(t, d.Dispositions[0], "counted more than once")
	})
}
