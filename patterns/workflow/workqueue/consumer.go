package workqueue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/sync/errgroup"

	"github.com/patternlab/patternlab/kit/deadletter"
	"github.com/patternlab/patternlab/patterns/workflow/pipeline"
)

// StageConsumer is one process's share of one stage: a competing consumer
// of the stage's work queue. It fetches a batch, does the stage's work,
// publishes the outputs and waits until JetStream has stored them, and only
// then acknowledges the inputs. Killed anywhere in between, it leaves its
// inputs unacknowledged: after AckWait JetStream delivers them again, the
// outputs are published again with the same Msg-Id (the stream drops the
// copy) and stored again by upsert (the sink absorbs it).
type StageConsumer struct {
	Stage    pipeline.Stage
	JS       jetstream.JetStream
	Topology Topology
	Config   pipeline.StageConfig
	Sink     *pipeline.Sink // the store stage's database
	// Batch is the most messages handled at once (default 64), Concurrency
	// the readings analyze scores at once (default 2).
	Batch       int
	Concurrency int
	// Log receives what the consumer has to say beyond its work (default:
	// nothing).
	Log io.Writer
	// AckFirst acknowledges a batch's inputs before its outputs are stored:
	// the order the pipeline depends on, reversed (the demo's
	// -ack-after-publish=false). A crash in between loses the batch.
	AckFirst bool
	// CrashAfter, when positive, calls Crash between the two commits of the
	// CrashAfter-th batch (after the publish and before the ack, or the
	// other way round with AckFirst): the worst moment to die, planned.
	CrashAfter int
	Crash      func()

	dlq     *deadletter.Queue
	batches atomic.Int64 // the store's two pulls count together
}

func (c *StageConsumer) logf(format string, args ...any) {
	if c.Log != nil {
		fmt.Fprintf(c.Log, format+"\n", args...)
	}
}

// Run consumes until ctx ends. ready, when set, is called once the consumer
// has found its streams.
func (c *StageConsumer) Run(ctx context.Context, ready func()) error {
	if c.Batch <= 0 {
		c.Batch = 64
	}
	if c.Concurrency <= 0 {
		c.Concurrency = 2
	}
	t := c.Topology
	dlq, err := deadletter.Open(ctx, c.JS, t.DeadLetterStream(), t.DeadLetterSubject())
	if err != nil {
		return err
	}
	c.dlq = dlq
	cons, err := c.JS.Consumer(ctx, t.Stream(c.Stage), string(c.Stage))
	if err != nil {
		return fmt.Errorf("%s consumer: %w", c.Stage, err)
	}
	g, ctx := errgroup.WithContext(ctx)
	switch c.Stage {
	case pipeline.Clean:
		g.Go(func() error { return pull(ctx, cons, c.Batch, c.clean) })
	case pipeline.Analyze:
		g.Go(func() error { return pull(ctx, cons, c.Batch, c.analyze) })
	case pipeline.Store:
		if c.Sink == nil {
			return errors.New("store consumer: no sink")
		}
		rejects, err := c.JS.Consumer(ctx, t.RejectsStream(), rejectsConsumer)
		if err != nil {
			return fmt.Errorf("store consumer: rejections: %w", err)
		}
		g.Go(func() error { return pull(ctx, cons, c.Batch, c.storeResults) })
		g.Go(func() error { return pull(ctx, rejects, c.Batch, c.storeRejects) })
	default:
		return fmt.Errorf("no stage consumer for stage %q", c.Stage)
	}
	if ready != nil {
		ready()
	}
	return g.Wait()
}

// pull hands batches of messages to handle until ctx ends. It waits for one
// message, then takes whatever else has already arrived, up to batch: under
// load batches fill up (one transaction, one round of acks for many
// messages) and when traffic is light nothing waits for a batch to fill.
func pull(ctx context.Context, cons jetstream.Consumer, batch int, handle func(context.Context, []jetstream.Msg) error) error {
	it, err := cons.Messages(jetstream.PullMaxMessages(batch))
	if err != nil {
		return fmt.Errorf("pull: %w", err)
	}
	defer it.Stop()
	for {
		m, err := it.Next(jetstream.NextContext(ctx))
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("pull: %w", err)
		}
		msgs := []jetstream.Msg{m}
		for len(msgs) < batch {
			m, err := it.Next(jetstream.NextMaxWait(time.Millisecond))
			if err != nil {
				break // nothing more has arrived
			}
			msgs = append(msgs, m)
		}
		if err := handle(ctx, msgs); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
	}
}

// outcome is what a stage makes of one input message: an output to publish
// (the next stage's input, or a rejection for the store), or nothing, when
// the message was dead-lettered or handed back for a retry.
type outcome struct {
	out  *nats.Msg
	done bool // dead-lettered or nak'ed: settled already, not to be acked
}

// clean parses each line; a reading goes to analyze, a rejection to the
// store with its reason.
func (c *StageConsumer) clean(ctx context.Context, msgs []jetstream.Msg) error {
	outs := make([]outcome, len(msgs))
	for i, m := range msgs {
		var l pipeline.Line
		if err := json.Unmarshal(m.Data(), &l); err != nil {
			outs[i] = c.deadLetter(ctx, m, "malformed", "not a line of the export: "+err.Error())
			continue
		}
		if l.ID == "" || l.ID != m.Headers().Get(HeaderLineID) {
			outs[i] = c.deadLetter(ctx, m, "foreign", fmt.Sprintf("line ID %q does not match the %s header %q: not from the collector", l.ID, HeaderLineID, m.Headers().Get(HeaderLineID)))
			continue
		}
		if cl, rej := pipeline.CleanLine(l); rej != nil {
			outs[i] = outcome{out: c.reject(m, *rej)}
		} else {
			outs[i] = outcome{out: forward(m, c.Topology.Subject(pipeline.Analyze), pipeline.Analyze, cl)}
		}
	}
	return c.commit(ctx, msgs, outs)
}

// analyze scores each reading once; JetStream owns the retries. A failed
// reading is handed back (nak) to be redelivered after a backoff, until its
// last allowed delivery, where it is rejected with the reason.
func (c *StageConsumer) analyze(ctx context.Context, msgs []jetstream.Msg) error {
	outs := make([]outcome, len(msgs))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(c.Concurrency)
	for i, m := range msgs {
		g.Go(func() error {
			var in pipeline.Cleaned
			if err := json.Unmarshal(m.Data(), &in); err != nil || in.LineID == "" {
				outs[i] = c.deadLetter(gctx, m, "malformed", fmt.Sprintf("not a cleaned reading: %v", errors.Join(err, errors.New("no line ID"))))
				return nil
			}
			res, err := c.Config.Score(gctx, in)
			if err == nil {
				outs[i] = outcome{out: forward(m, c.Topology.Subject(pipeline.Store), pipeline.Store, res)}
				return nil
			}
			if gctx.Err() != nil {
				return gctx.Err()
			}
			delivered := 1
			if meta, merr := m.Metadata(); merr == nil {
				delivered = int(meta.NumDelivered)
			}
			if delivered >= c.Config.Attempts() {
				outs[i] = outcome{out: c.reject(m, c.Config.GiveUp(in, err))}
				return nil
			}
			_ = m.NakWithDelay(time.Duration(delivered) * 20 * time.Millisecond)
			outs[i] = outcome{done: true}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	return c.commit(ctx, msgs, outs)
}

// storeResults upserts a batch of results in one transaction, then acks.
func (c *StageConsumer) storeResults(ctx context.Context, msgs []jetstream.Msg) error {
	var results []pipeline.Result
	var keep []jetstream.Msg
	for _, m := range msgs {
		var r pipeline.Result
		if err := json.Unmarshal(m.Data(), &r); err != nil || r.Key == "" || r.LineID == "" {
			c.deadLetter(ctx, m, "malformed", fmt.Sprintf("not an analyzed reading: %v", errors.Join(err, errors.New("no key or line ID"))))
			continue
		}
		results = append(results, r)
		keep = append(keep, m)
	}
	return c.saveThenAck(ctx, keep, results, nil)
}

// storeRejects records a batch of rejections in the sink, then acks.
func (c *StageConsumer) storeRejects(ctx context.Context, msgs []jetstream.Msg) error {
	var rejects []pipeline.Rejection
	var keep []jetstream.Msg
	for _, m := range msgs {
		var r pipeline.Rejection
		if err := json.Unmarshal(m.Data(), &r); err != nil || r.LineID == "" || r.Reason == "" {
			c.deadLetter(ctx, m, "malformed", fmt.Sprintf("not a rejection with a reason: %v", errors.Join(err, errors.New("no line ID or reason"))))
			continue
		}
		rejects = append(rejects, r)
		keep = append(keep, m)
	}
	return c.saveThenAck(ctx, keep, nil, rejects)
}

// deadLetter sets a message no stage can use aside in the dead-letter
// stream, with the reason, its subject and its headers, and acknowledges it
// once the letter is stored. If the letter cannot be stored the message is
// left to be redelivered: nothing is dropped.
func (c *StageConsumer) deadLetter(ctx context.Context, m jetstream.Msg, kind, reason string) outcome {
	if err := c.dlq.Send(ctx, kind, deadletter.FromJetStream(m, string(c.Stage)+": "+reason)); err != nil {
		c.logf("%s: %v; leaving it to be redelivered", c.Stage, err)
		return outcome{done: true}
	}
	_ = m.Ack()
	return outcome{done: true}
}

// saveThenAck writes a batch to the sink in one transaction, then acks it
// (AckFirst: the other way round).
func (c *StageConsumer) saveThenAck(ctx context.Context, msgs []jetstream.Msg, results []pipeline.Result, rejects []pipeline.Rejection) error {
	if len(msgs) == 0 {
		return nil
	}
	if c.AckFirst {
		for _, m := range msgs {
			ackConfirmed(ctx, m)
		}
		c.between()
	}
	if err := c.Sink.Save(ctx, results, rejects); err != nil {
		c.logf("store: save failed, handing the batch back: %v", err)
		for _, m := range msgs {
			_ = m.Nak() // the database will be back; try again
		}
		return nil
	}
	if !c.AckFirst {
		c.between()
		for _, m := range msgs {
			_ = m.Ack()
		}
	}
	return nil
}

// ackConfirmed acknowledges m and waits until the server has recorded it.
// Acknowledging first means exactly that: a plain Ack may still sit in the
// client's buffer when the process dies, and then the server redelivers,
// which would hide what acknowledging first costs.
func ackConfirmed(ctx context.Context, m jetstream.Msg) {
	_ = m.DoubleAck(ctx)
}

// commit publishes every output, waits for JetStream to confirm each, and
// acks the inputs whose output is safe (AckFirst: acks first, then
// publishes). An input whose output failed is handed back for redelivery.
func (c *StageConsumer) commit(ctx context.Context, msgs []jetstream.Msg, outs []outcome) error {
	if c.AckFirst {
		for i, o := range outs {
			if o.out != nil {
				ackConfirmed(ctx, msgs[i])
			}
		}
		c.between()
	}
	futures := make([]jetstream.PubAckFuture, len(outs))
	for i, o := range outs {
		if o.out == nil {
			continue
		}
		f, err := c.JS.PublishMsgAsync(o.out, jetstream.WithMsgID(o.out.Header.Get(nats.MsgIdHdr)))
		if err != nil {
			c.logf("%s: publish for %s failed, redelivering: %v", c.Stage, msgs[i].Headers().Get(HeaderLineID), err)
			continue // not acked: redelivered after AckWait
		}
		futures[i] = f
	}
	stored := make([]bool, len(outs))
	for i, f := range futures {
		if f == nil {
			continue
		}
		select {
		case <-f.Ok():
			stored[i] = true
		case err := <-f.Err():
			// Not stored downstream: hand the input back for redelivery.
			c.logf("%s: publish for %s failed, redelivering: %v", c.Stage, msgs[i].Headers().Get(HeaderLineID), err)
			_ = msgs[i].Nak()
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if !c.AckFirst {
		c.between()
		for i, ok := range stored {
			if ok {
				_ = msgs[i].Ack()
			}
		}
	}
	return nil
}

// between is the moment between a batch's two commits: where the planned
// crash happens.
func (c *StageConsumer) between() {
	n := c.batches.Add(1)
	if c.CrashAfter > 0 && n == int64(c.CrashAfter) && c.Crash != nil {
		c.logf("%s: crashing between the two commits of batch %d, as planned", c.Stage, n)
		c.Crash()
	}
}

// forward builds the message carrying v to stage next on subject. Its
// Msg-Id is the run, the stage and the line, so a re-publish after a crash
// is dropped by the stream.
func forward(in jetstream.Msg, subject string, next pipeline.Stage, v any) *nats.Msg {
	data, _ := json.Marshal(v)
	m := nats.NewMsg(subject)
	m.Data = data
	copyIDs(in, m)
	m.Header.Set(nats.MsgIdHdr, m.Header.Get(HeaderRunID)+"/"+string(next)+"/"+m.Header.Get(HeaderLineID))
	return m
}

// reject builds the message carrying a rejection to the store, the reason
// in headers too.
func (c *StageConsumer) reject(in jetstream.Msg, r pipeline.Rejection) *nats.Msg {
	data, _ := json.Marshal(r)
	m := nats.NewMsg(c.Topology.RejectsSubject())
	m.Data = data
	copyIDs(in, m)
	m.Header.Set(HeaderStage, string(r.Stage))
	m.Header.Set(HeaderKind, r.Kind)
	m.Header.Set(HeaderReason, r.Reason)
	m.Header.Set(nats.MsgIdHdr, m.Header.Get(HeaderRunID)+"/rejected/"+r.LineID)
	return m
}

func copyIDs(in jetstream.Msg, out *nats.Msg) {
	out.Header.Set(HeaderRunID, in.Headers().Get(HeaderRunID))
	out.Header.Set(HeaderLineID, in.Headers().Get(HeaderLineID))
}

// PublishLines is the collect stage: it publishes every line of the export
// at source to the clean stage's stream and waits until JetStream has
// stored each one.
func PublishLines(ctx context.Context, js jetstream.JetStream, t Topology, runID, source string) (int, error) {
	var futures []jetstream.PubAckFuture
	err := pipeline.ScanSource(source, 0, -1, func(l pipeline.Line) error {
		data, _ := json.Marshal(l)
		m := nats.NewMsg(t.Subject(pipeline.Clean))
		m.Data = data
		m.Header.Set(HeaderRunID, runID)
		m.Header.Set(HeaderLineID, l.ID)
		f, err := js.PublishMsgAsync(m, jetstream.WithMsgID(runID+"/clean/"+l.ID))
		if err != nil {
			return fmt.Errorf("publish %s: %w", l.ID, err)
		}
		futures = append(futures, f)
		return nil
	})
	if err != nil {
		return 0, err
	}
	for _, f := range futures {
		select {
		case <-f.Ok():
		case err := <-f.Err():
			return 0, fmt.Errorf("publish %s: %w", f.Msg().Header.Get(HeaderLineID), err)
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}
	return len(futures), nil
}
