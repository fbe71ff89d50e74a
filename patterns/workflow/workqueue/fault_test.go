package workqueue_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/kit/deadletter"
	"github.com/patternlab/patternlab/kit/poll"
	"github.com/patternlab/patternlab/patterns/workflow/pipeline"
	"github.com/patternlab/patternlab/patterns/workflow/pipeline/pipelinetest"
	"github.com/patternlab/patternlab/patterns/workflow/workqueue"
)

// The invariant every test here attacks: each line of the input is stored
// exactly once (one row for its reading key) or rejected with a reason, and
// the store equals what a plain loop over the input would store.

// A consumer process killed with SIGKILL in the middle of its stage loses
// nothing: what it held unacknowledged is redelivered after AckWait, the
// outputs it had already published are dropped by Msg-Id, and the sink
// absorbs what it had already written.
//
// Fault: kill-9 | target: a stage consumer process, in the middle of its stage | invariant: what it held unacked is redelivered, its published outputs are dropped by Msg-Id, the sink absorbs the rest: nothing lost, nothing twice
func TestConsumerKilledMidStage(t *testing.T) {
	for _, c := range []struct {
		victim string
		stage  pipeline.Stage
		tune   func(*workqueue.Pipeline)
	}{
		{"analyze-1", pipeline.Analyze, func(p *workqueue.Pipeline) { p.Stage.AnalyzeLatency = time.Millisecond }},
		{"store-1", pipeline.Store, func(p *workqueue.Pipeline) { p.SinkOpts.Delay = 10 * time.Millisecond }},
	} {
		t.Run(c.victim, func(t *testing.T) {
			f := pipelinetest.New(t, 13, 800)
			ctx := pipelinetest.Ctx(t, 2*time.Minute)
			url, js := natsFor(t)
			m := pipelineFor(f, url, js)
			m.Launch, m.Topology, m.Batch = workqueue.Processes(f.Dir), workqueue.Topology{AckWait: 500 * time.Millisecond}, 16
			c.tune(&m)
			snap := runPipeline(t, ctx, f, m, func(mr *workqueue.Run) {
				waitAcked(t, ctx, mr, c.stage, 150)
				require.NoError(t, mr.Kill(c.victim))
				info, err := mr.ConsumerInfo(ctx, c.stage)
				require.NoError(t, err)
				require.Positive(t, info.NumPending+uint64(info.NumAckPending), "killed mid-stage: work was left")
				require.NoError(t, mr.Restart(ctx, c.victim))
			})
			f.RequireInvariant(t, snap)
		})
	}
}

func waitAcked(t *testing.T, ctx context.Context, mr *workqueue.Run, s pipeline.Stage, n uint64) {
	t.Helper()
	require.NoError(t, poll.Until(ctx, 2*time.Millisecond, func() (bool, error) {
		info, err := mr.ConsumerInfo(ctx, s)
		return err == nil && info.AckFloor.Consumer >= n, nil
	}), "stage %s acknowledges %d messages", s, n)
}

// The planned crash: analyze-1 dies of SIGKILL between the two commits of
// its first batch. Acknowledging after the next stream stored the outputs,
// nothing is lost: the batch is redelivered and its re-published outputs
// are dropped by Msg-Id. Acknowledging first (-ack-after-publish=false),
// the batch was acknowledged and never published: its readings are lost,
// and the audit names them.
//
// Fault: kill-9 | target: analyze-1, between the two commits of its first batch | invariant: acknowledging after the next stream stored the outputs, nothing is lost: the batch is redelivered, its outputs dropped by Msg-Id
func TestCrashBetweenTheTwoCommits(t *testing.T) {
	for _, ackFirst := range []bool{false, true} {
		t.Run(fmt.Sprintf("ack-first=%v", ackFirst), func(t *testing.T) {
			f := pipelinetest.New(t, 13, 400)
			ctx := pipelinetest.Ctx(t, 2*time.Minute)
			url, js := natsFor(t)
			m := pipelineFor(f, url, js)
			m.Launch, m.Topology, m.Batch = workqueue.Processes(f.Dir), workqueue.Topology{AckWait: 500 * time.Millisecond}, 16
			m.Stage.AnalyzeLatency = time.Millisecond
			m.AckFirst = ackFirst
			m.Crash = workqueue.Crash{Consumer: "analyze-1", AfterBatches: 1}
			snap := runPipeline(t, ctx, f, m, func(mr *workqueue.Run) {
				p := mr.Process("analyze-1")
				select {
				case <-p.Done():
				case <-ctx.Done():
					t.Fatal("analyze-1 did not crash")
				}
				require.True(t, p.Killed(), "it died of SIGKILL")
				require.NoError(t, mr.Restart(ctx, "analyze-1"))
			})
			violations := pipeline.Audit(f.Data.Lines, snap)
			if !ackFirst {
				f.RequireInvariant(t, snap)
				return
			}
			require.NotEmpty(t, violations, "acknowledging first loses the batch the crash cut short")
			assert.Contains(t, strings.Join(violations, "; "), "lost: neither stored nor rejected")
		})
	}
}

// A result delivered twice to the store, under a new Msg-Id so that the
// stream cannot drop it, is absorbed by the upsert: one row per reading. The
// same Msg-Id again is dropped by the stream itself. With the upsert off
// (-upsert=false) the same replay leaves every reading stored twice.
//
// Fault: duplicate | target: the store: a result delivered twice under a new Msg-Id, and again under the same | invariant: the upsert keeps one row per reading; the stream drops the same Msg-Id itself
func TestDuplicateDelivery(t *testing.T) {
	for _, appendOnly := range []bool{false, true} {
		t.Run(fmt.Sprintf("append=%v", appendOnly), func(t *testing.T) {
			f := pipelinetest.New(t, 17, 300)
			ctx := pipelinetest.Ctx(t, time.Minute)
			url, js := natsFor(t)
			m := pipelineFor(f, url, js)
			m.SinkOpts.Append = appendOnly
			topo := m.Topology.WithDefaults()
			snap := runPipeline(t, ctx, f, m, func(mr *workqueue.Run) {
				require.NoError(t, mr.Wait(ctx))
				for i, r := range f.Want.Results {
					data, err := json.Marshal(r)
					require.NoError(t, err)
					msg := nats.NewMsg(topo.Subject(pipeline.Store))
					msg.Data = data
					msg.Header.Set(workqueue.HeaderLineID, r.LineID)
					ack, err := js.PublishMsg(ctx, msg, jetstream.WithMsgID(fmt.Sprintf("replay/%d", i)))
					require.NoError(t, err)
					require.False(t, ack.Duplicate)
					if i == 0 {
						again, err := js.PublishMsg(ctx, msg, jetstream.WithMsgID("replay/0"))
						require.NoError(t, err)
						assert.True(t, again.Duplicate, "the stream drops a second message with the same Msg-Id")
					}
				}
			})
			if !appendOnly {
				f.RequireInvariant(t, snap)
				assert.GreaterOrEqual(t, snap.Repeats(), len(f.Want.Results), "every replayed result was absorbed by an upsert")
				return
			}
			assert.Contains(t, strings.Join(pipeline.Audit(f.Data.Lines, snap), "; "), fmt.Sprintf("stored more than once: %d", len(f.Want.Results)+f.DuplicateLines()))
		})
	}
}

// The poison reading is delivered MaxAttempts times, then goes to the
// rejections stream with the reason in its headers, and the store records
// the rejection. The server's nak advisories count the failed attempts.
//
// Fault: bad-input | target: the analyze stage, a poison reading | invariant: delivered MaxAttempts times, then in the rejections stream with the reason; the store records the rejection
func TestPoisonReadingIsRejectedAfterItsAttempts(t *testing.T) {
	f := pipelinetest.New(t, 19, 300)
	ctx := pipelinetest.Ctx(t, time.Minute)
	url, js := natsFor(t)
	m := pipelineFor(f, url, js)
	topo := m.Topology.WithDefaults()
	naks, err := workqueue.WatchNaks(js.Conn(), topo, pipeline.Analyze)
	require.NoError(t, err)
	defer naks.Stop()
	var d workqueue.Deliveries
	snap := runPipeline(t, ctx, f, m, func(mr *workqueue.Run) {
		require.NoError(t, mr.Wait(ctx))
		var err error
		d, err = mr.ReadDeliveries(ctx, pipeline.Analyze, naks)
		require.NoError(t, err)
	})
	f.RequireInvariant(t, snap)
	naked, messages := naks.Naked()
	assert.Equal(t, uint64(f.Stage.Attempts()-1), naked, "two failed attempts were handed back before the third gave up")
	assert.Equal(t, 1, messages, "all of them the poison reading")
	assert.Equal(t, uint64(2), d.Redelivered(), "the only redeliveries are the poison's retries")
	assert.Zero(t, d.AfterAckWait(), "nothing ran out of AckWait: no consumer died")

	poison := f.Stage.PoisonKeys[0]
	st, err := js.Stream(ctx, topo.RejectsStream())
	require.NoError(t, err)
	info, err := st.Info(ctx)
	require.NoError(t, err)
	assert.Equal(t, uint64(len(f.Want.Rejects)), info.State.Msgs, "one rejection per rejected line")
	var found []*jetstream.RawStreamMsg
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq; seq++ {
		msg, err := st.GetMsg(ctx, seq)
		require.NoError(t, err)
		assert.NotEmpty(t, msg.Header.Get(workqueue.HeaderReason), "every rejection says why")
		if msg.Header.Get(workqueue.HeaderStage) == string(pipeline.Analyze) {
			found = append(found, msg)
		}
	}
	require.Len(t, found, 1)
	assert.Equal(t, "analyze: gave up after 3 attempts: scoring service failed on "+poison, found[0].Header.Get(workqueue.HeaderReason))
	assert.Equal(t, "gave-up", found[0].Header.Get(workqueue.HeaderKind))
}

// Messages no stage can use, on every subject of the pipeline, are set
// aside as dead letters with the reason, their subject and their headers,
// acknowledged, and kept out of the store: the store still holds exactly
// the expected result.
//
// Fault: bad-input | target: every subject of the pipeline, messages no stage can use | invariant: dead-lettered with reason, subject and headers, acked, kept out of the store; the store is exactly the expected result
func TestMessagesNoStageCanUseAreDeadLettered(t *testing.T) {
	f := pipelinetest.New(t, 29, 300)
	ctx := pipelinetest.Ctx(t, time.Minute)
	url, js := natsFor(t)
	m := pipelineFor(f, url, js)
	topo := m.Topology.WithDefaults()
	garbage := map[string]string{
		topo.Subject(pipeline.Clean):   "not json",
		topo.Subject(pipeline.Analyze): `{"line_id": 7}`,
		topo.Subject(pipeline.Store):   `{"key": ""}`,
		topo.RejectsSubject():          `{"line_id": "line-000001"}`, // no reason
	}
	foreign := `{"id":"line-999999","raw":"k,m,pressure,1772431200000,1,bar"}` // a line, but not the collector's
	snap := runPipeline(t, ctx, f, m, func(mr *workqueue.Run) {
		for subject, data := range garbage {
			msg := nats.NewMsg(subject)
			msg.Data = []byte(data)
			msg.Header.Set("Origin", "test")
			_, err := js.PublishMsg(ctx, msg)
			require.NoError(t, err)
		}
		_, err := js.Publish(ctx, topo.Subject(pipeline.Clean), []byte(foreign))
		require.NoError(t, err)
	})
	f.RequireInvariant(t, snap)

	letters, err := deadletter.Read(ctx, js, topo.DeadLetterStream())
	require.NoError(t, err)
	require.Len(t, letters, len(garbage)+1, "one letter per unusable message")
	for _, l := range letters {
		assert.NotEmpty(t, l.Reason)
		if string(l.Data) == foreign {
			assert.Contains(t, l.Reason, "not from the collector")
			continue
		}
		assert.Equal(t, garbage[l.Subject], string(l.Data), "the letter keeps the original subject and data")
		assert.Equal(t, "test", l.Header.Get("Origin"), "and the original headers")
	}
}

// A slow store: JetStream stops delivering to it at MaxAckPending, and the
// backlog waits in the stream (on disk) instead of in the consumer's memory.
//
// Fault: delay | target: the store consumer, slow | invariant: JetStream stops delivering at MaxAckPending and the backlog waits in the stream, not in the consumer's memory
func TestSlowStoreBackpressure(t *testing.T) {
	f := pipelinetest.New(t, 23, 1500)
	ctx := pipelinetest.Ctx(t, 2*time.Minute)
	url, js := natsFor(t)
	const maxAckPending = 16
	m := pipelineFor(f, url, js)
	m.SinkOpts.Delay = 5 * time.Millisecond
	m.Topology, m.Batch = workqueue.Topology{MaxAckPending: maxAckPending}, 8
	topo := m.Topology.WithDefaults()
	snap := runPipeline(t, ctx, f, m, func(mr *workqueue.Run) {
		st, err := js.Stream(ctx, topo.Stream(pipeline.Store))
		require.NoError(t, err)
		require.NoError(t, poll.Until(ctx, 5*time.Millisecond, func() (bool, error) {
			info, err := mr.ConsumerInfo(ctx, pipeline.Store)
			require.NoError(t, err)
			require.LessOrEqual(t, info.NumAckPending, maxAckPending, "the store never holds more than MaxAckPending")
			sinfo, err := st.Info(ctx)
			require.NoError(t, err)
			return sinfo.State.Msgs > 4*maxAckPending, nil
		}), "a backlog builds up in the stream, not in the consumer")
	})
	f.RequireInvariant(t, snap)
}
