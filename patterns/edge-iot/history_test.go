package edgeiot

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sync/errgroup"

	khistory "github.com/patternlab/patternlab/kit/history"
	"github.com/patternlab/patternlab/kit/natsembed"
)

// The hub's per-device reading log seen from outside: senders at the edge
// append readings to it across the leafnode link, as the forwarder does
// (the hub subject of the reading's device, its reading ID as Nats-Msg-Id,
// sent again until the hub answers), while readers at the hub read each
// device's log; every call is recorded and Porcupine checks the history
// against the model of an append-once-by-ID log (kit/history.AppendOnce).
// The checker knows nothing of JetStream: a reading acknowledged as stored
// is in every later read, once, in the order of the acknowledgements; a
// reading the hub called a duplicate was stored before.

// logWorkload says how the clients drive the hub's log.
type logWorkload struct {
	devices  int           // each with two senders of its readings, so sends of one ID race
	readings int           // per device
	attempt  time.Duration // of one send; past it, its outcome is unknown
	pace     time.Duration // between a sender's readings
	noMsgID  bool          // send without Nats-Msg-Id (the -dedupe=false of the hub)
	// during, when set, runs beside the clients with the count of readings
	// the hub answered for so far (the link cuts); the run ends when it
	// returns and every sender is done.
	during func(ctx context.Context, answered *atomic.Int64)
}

// logCounts are what the senders saw, beyond the history itself.
type logCounts struct {
	failed, lost, duplicates atomic.Int64
}

// runLogHistory drives the hub's log of topo with w and returns the
// record; counts (which w.during may watch) get what the senders saw.
func runLogHistory(t *testing.T, ctx context.Context, topo *Topology, w logWorkload, counts *logCounts) *khistory.Recorder {
	t.Helper()
	rec := khistory.NewRecorder()
	var answered atomic.Int64
	senders := make([]jetstream.JetStream, 2*w.devices)
	for i := range senders {
		nc, err := natsembed.Connect(topo.Edge.ClientURL(), fmt.Sprintf("sender-%d", i), nats.ReconnectWait(clientReconnect))
		require.NoError(t, err)
		t.Cleanup(nc.Close)
		senders[i], err = jetstream.New(nc)
		require.NoError(t, err)
	}
	device := func(d int) string { return fmt.Sprintf("log-%02d", d) }

	var g errgroup.Group
	for i, js := range senders {
		d := i / 2
		g.Go(func() error {
			rng := rand.New(rand.NewPCG(uint64(i), 21))
			for seq := 1; seq <= w.readings; seq++ {
				r := Reading{Device: device(d), Seq: uint64(seq), TS: int64(seq), TempMC: 20_000}
				if err := sendUntilAnswered(ctx, rec, i, js, r, w, counts); err != nil {
					return err
				}
				answered.Add(1)
				time.Sleep(w.pace + time.Duration(rng.IntN(3))*time.Millisecond)
			}
			return nil
		})
	}
	readersDone := make(chan struct{})
	var readers sync.WaitGroup
	for d := range w.devices {
		client := len(senders) + d
		readers.Go(func() {
			for {
				readLog(ctx, rec, client, topo.HubJS, device(d))
				select {
				case <-readersDone:
					return
				case <-time.After(50 * time.Millisecond):
				}
			}
		})
	}
	if w.during != nil {
		w.during(ctx, &answered)
	}
	require.NoError(t, g.Wait())
	close(readersDone)
	readers.Wait()
	for d := range w.devices { // the logs as they end, read after every send returned
		ids := readLog(ctx, rec, len(senders), topo.HubJS, device(d))
		if !w.noMsgID {
			require.Len(t, ids, w.readings, "%s at the hub", device(d))
		}
	}
	return rec
}

// sendUntilAnswered sends reading r to the hub from the edge until the hub
// says it stored it or already had it, recording each attempt: no
// responders (the link is down, nobody heard it) as Failed, any other error
// (a timeout: perhaps stored, the answer lost) as Unknown.
func sendUntilAnswered(ctx context.Context, rec *khistory.Recorder, client int, js jetstream.JetStream, r Reading, w logWorkload, counts *logCounts) error {
	msg := &nats.Msg{Subject: hubSubject(DefaultEdgeDomain, telemetrySubject(r.Device)), Data: r.Encode()}
	var opts []jetstream.PublishOpt
	if !w.noMsgID {
		opts = append(opts, jetstream.WithMsgID(r.ID()))
	}
	in := khistory.ReadingInput{Device: r.Device, ID: r.ID()}
	for {
		call := rec.Begin(client, in)
		attempt, cancel := context.WithTimeout(ctx, w.attempt)
		ack, err := js.PublishMsg(attempt, msg, opts...)
		cancel()
		switch {
		case err == nil && ack.Duplicate:
			counts.duplicates.Add(1)
			call.End(khistory.ReadingOutput{Outcome: khistory.Duplicate})
			return nil
		case err == nil:
			call.End(khistory.ReadingOutput{Outcome: khistory.OK})
			return nil
		case ctx.Err() != nil:
			call.Lost(khistory.ReadingOutput{Outcome: khistory.Unknown})
			return ctx.Err()
		case errors.Is(err, jetstream.ErrNoStreamResponse), errors.Is(err, nats.ErrNoResponders):
			counts.failed.Add(1)
			call.Note("%v", err)
			call.End(khistory.ReadingOutput{Outcome: khistory.Failed})
		default:
			counts.lost.Add(1)
			call.Note("%v", err)
			call.Lost(khistory.ReadingOutput{Outcome: khistory.Unknown})
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// readLog reads device's log at the hub, recording the read.
func readLog(ctx context.Context, rec *khistory.Recorder, client int, js jetstream.JetStream, device string) []string {
	call := rec.Begin(client, khistory.ReadingInput{Device: device, Read: true})
	log, err := HubLog(ctx, js, device)
	if err != nil {
		call.Note("%v", err)
		call.End(khistory.ReadingOutput{Outcome: khistory.Failed}) // a read that failed says nothing
		return nil
	}
	ids := make([]string, len(log))
	for i, r := range log {
		ids[i] = r.ID()
	}
	call.End(khistory.ReadingOutput{Outcome: khistory.OK, IDs: ids})
	return ids
}

// cutTwice cuts the link when a third and again when two thirds of the
// readings were answered, each time until the senders have met the cut.
func cutTwice(t *testing.T, topo *Topology, total int, counts *logCounts) func(context.Context, *atomic.Int64) {
	return func(ctx context.Context, answered *atomic.Int64) {
		for _, at := range []int64{int64(total / 3), int64(2 * total / 3)} {
			for answered.Load() < at && ctx.Err() == nil {
				time.Sleep(5 * time.Millisecond)
			}
			met := counts.failed.Load() + counts.lost.Load()
			topo.Link.Cut()
			require.NoError(t, topo.WaitUnlinked(ctx))
			for counts.failed.Load()+counts.lost.Load() < met+4 && ctx.Err() == nil {
				time.Sleep(5 * time.Millisecond)
			}
			time.Sleep(300 * time.Millisecond) // the senders keep trying against the cut
			topo.Link.Restore()
			require.NoError(t, topo.WaitLinked(ctx))
		}
	}
}

// TestHubLogAppendOnceAcrossLinkCuts: four devices' readings, each sent by
// two senders at the edge at once, reach the hub's log across two link
// cuts; readers at the hub read the logs throughout. Porcupine finds the
// history linearizable: no reading stored twice, none acknowledged and
// missing, none out of the order of its acknowledgement, none called a
// duplicate before it was stored, none that a definite failure stored.
//
// Fault: link-cut | target: the leafnode link, cut twice while senders at the edge append to the hub's per-device log | invariant: the log's history is linearizable as an append-once-by-ID log (Porcupine)
// Fault: duplicate | target: the hub's per-device log: every reading sent by two senders at once, and again after each unknown outcome | invariant: each reading stored once: one send says stored, every other one duplicate (Porcupine)
func TestHubLogAppendOnceAcrossLinkCuts(t *testing.T) {
	ctx := testContext(t)
	topo, err := StartTopology(ctx, TopologyConfig{Limits: DefaultEdgeLimits()})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, topo.Close()) })
	w := logWorkload{devices: 4, readings: 40, attempt: 500 * time.Millisecond, pace: 10 * time.Millisecond}
	counts := &logCounts{}
	w.during = cutTwice(t, topo, w.devices*2*w.readings, counts)
	rec := runLogHistory(t, ctx, topo, w, counts)
	total, lost := rec.Len()
	t.Logf("%d operations recorded: %d sends failed (no responders), %d with unknown outcome, %d duplicates; %d cuts",
		total, counts.failed.Load(), lost, counts.duplicates.Load(), topo.Link.Cuts())
	require.Equal(t, 2, topo.Link.Cuts())
	require.Positive(t, counts.failed.Load()+counts.lost.Load(), "the cuts met the senders")
	require.Positive(t, counts.duplicates.Load(), "the hub deduplicated")
	khistory.Require(t, khistory.AppendOnce, rec)
}

// TestHubLogWithoutMessageIDsIsCaught sends the same readings without their
// Nats-Msg-Id (the hub's half of the demo's -dedupe=false): both senders of
// a reading are told it was stored, and Porcupine must say the history is
// not linearizable and write its visualisation. An expected failure.
func TestHubLogWithoutMessageIDsIsCaught(t *testing.T) {
	ctx := testContext(t)
	topo, err := StartTopology(ctx, TopologyConfig{Limits: DefaultEdgeLimits()})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, topo.Close()) })
	rec := runLogHistory(t, ctx, topo, logWorkload{devices: 2, readings: 10, attempt: 2 * time.Second, noMsgID: true}, &logCounts{})
	v, err := khistory.Check(khistory.AppendOnce, rec.Operations(), khistory.DefaultTimeout, khistory.Dir(), t.Name())
	require.NoError(t, err)
	require.Equal(t, porcupine.Illegal, v.Result, "the check must catch a log that stores a reading twice")
	assert.FileExists(t, v.Visualization)
	t.Logf("caught, as it must be: %d operations; visualisation: %s", v.Operations, v.Visualization)
}
