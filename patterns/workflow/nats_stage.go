package workflow

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/sync/errgroup"
)

// StageWorker is one process's share of one stage of the message-driven
// pipeline. It fetches a batch from the stage's consumer, does the stage's
// work, publishes the outputs and waits until JetStream has stored them, and
// only then acknowledges the inputs. A worker killed anywhere in between
// leaves its inputs unacknowledged: after AckWait JetStream delivers them
// again, the outputs are published again with the same Msg-Id (the stream
// drops the copy) and stored again by upsert (the sink absorbs it).
type StageWorker struct {
	Stage       Stage
	JS          jetstream.JetStream
	Config      StageConfig
	Sink        *Sink     // the store stage's database
	Batch       int       // messages per fetch (default 64)
	Concurrency int       // analyze: readings scored at once (default 2)
	Log         io.Writer // what the worker has to say beyond its work (default: nothing)
}

func (w StageWorker) logf(format string, args ...any) {
	if w.Log != nil {
		fmt.Fprintf(w.Log, format+"\n", args...)
	}
}

// Run works until ctx ends. ready, when set, is called once the worker has
// found its consumers.
func (w StageWorker) Run(ctx context.Context, ready func()) error {
	if w.Batch <= 0 {
		w.Batch = 64
	}
	if w.Concurrency <= 0 {
		w.Concurrency = 2
	}
	cons, err := w.JS.Consumer(ctx, StreamOf(w.Stage), string(w.Stage))
	if err != nil {
		return fmt.Errorf("%s worker: consumer: %w", w.Stage, err)
	}
	g, ctx := errgroup.WithContext(ctx)
	switch w.Stage {
	case Clean:
		g.Go(func() error { return pull(ctx, cons, w.Batch, w.clean) })
	case Analyze:
		g.Go(func() error { return pull(ctx, cons, w.Batch, w.analyze) })
	case Store:
		if w.Sink == nil {
			return errors.New("store worker: no sink")
		}
		dead, err := w.JS.Consumer(ctx, DeadLetterStream, deadConsumer)
		if err != nil {
			return fmt.Errorf("store worker: dead-letter consumer: %w", err)
		}
		g.Go(func() error { return pull(ctx, cons, w.Batch, w.storeResults) })
		g.Go(func() error { return pull(ctx, dead, w.Batch, w.storeRejects) })
	default:
		return fmt.Errorf("no message-driven worker for stage %q", w.Stage)
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

// clean parses each line; a reading goes to analyze, a rejection to the
// dead-letter subject with its reason.
func (w StageWorker) clean(ctx context.Context, msgs []jetstream.Msg) error {
	out := make([]*nats.Msg, len(msgs))
	for i, m := range msgs {
		var l Line
		if err := json.Unmarshal(m.Data(), &l); err != nil {
			// Not even a line: reject it as is rather than lose it.
			l = Line{ID: m.Headers().Get(HeaderLineID), Raw: string(m.Data())}
		}
		c, rej := CleanLine(l)
		if rej != nil {
			out[i] = deadLetter(m, *rej)
		} else {
			out[i] = forward(m, Analyze, c)
		}
	}
	return w.publishThenAck(ctx, msgs, out)
}

// analyze scores each reading once; JetStream owns the retries. A failed
// reading is handed back (nak) to be redelivered after a backoff, until its
// last allowed delivery, where it is rejected with the reason.
func (w StageWorker) analyze(ctx context.Context, msgs []jetstream.Msg) error {
	out := make([]*nats.Msg, len(msgs))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(w.Concurrency)
	for i, m := range msgs {
		g.Go(func() error {
			var c Cleaned
			if err := json.Unmarshal(m.Data(), &c); err != nil {
				out[i] = deadLetter(m, Rejection{LineID: m.Headers().Get(HeaderLineID), Stage: Analyze, Kind: "undecodable", Reason: "analyze: " + err.Error(), Raw: string(m.Data())})
				return nil
			}
			res, err := w.Config.Score(gctx, c)
			if err == nil {
				out[i] = forward(m, Store, res)
				return nil
			}
			if gctx.Err() != nil {
				return gctx.Err()
			}
			meta, merr := m.Metadata()
			if merr == nil && int(meta.NumDelivered) >= w.Config.attempts() {
				out[i] = deadLetter(m, w.Config.GiveUp(c, err))
				return nil
			}
			delivered := 1
			if merr == nil {
				delivered = int(meta.NumDelivered)
			}
			_ = m.NakWithDelay(time.Duration(delivered) * 20 * time.Millisecond)
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	return w.publishThenAck(ctx, msgs, out)
}

// storeResults upserts a batch of results in one transaction, then acks.
func (w StageWorker) storeResults(ctx context.Context, msgs []jetstream.Msg) error {
	results := make([]Result, 0, len(msgs))
	var rejects []Rejection
	for _, m := range msgs {
		var r Result
		if err := json.Unmarshal(m.Data(), &r); err != nil {
			rejects = append(rejects, undecodable(m, err))
			continue
		}
		results = append(results, r)
	}
	return w.saveThenAck(ctx, msgs, results, rejects)
}

// storeRejects records a batch of dead letters in the sink, then acks.
func (w StageWorker) storeRejects(ctx context.Context, msgs []jetstream.Msg) error {
	rejects := make([]Rejection, 0, len(msgs))
	for _, m := range msgs {
		var r Rejection
		if err := json.Unmarshal(m.Data(), &r); err != nil {
			r = undecodable(m, err)
		}
		rejects = append(rejects, r)
	}
	return w.saveThenAck(ctx, msgs, nil, rejects)
}

// undecodable records a message the store cannot read as a rejection rather
// than dropping it: bad input loses nothing.
func undecodable(m jetstream.Msg, err error) Rejection {
	return Rejection{LineID: m.Headers().Get(HeaderLineID), Stage: Store, Kind: "undecodable", Reason: "store: " + err.Error(), Raw: string(m.Data())}
}

func (w StageWorker) saveThenAck(ctx context.Context, msgs []jetstream.Msg, results []Result, rejects []Rejection) error {
	if err := w.Sink.Save(ctx, results, rejects); err != nil {
		for _, m := range msgs {
			_ = m.Nak() // the database will be back; try again
		}
		return nil
	}
	for _, m := range msgs {
		_ = m.Ack()
	}
	return nil
}

// publishThenAck publishes every output (nil: nothing to publish, the input
// was nak'ed), waits for JetStream to confirm each, then acks the inputs
// whose output is safe. An input whose output failed is left to redelivery.
func (w StageWorker) publishThenAck(ctx context.Context, msgs []jetstream.Msg, out []*nats.Msg) error {
	futures := make([]jetstream.PubAckFuture, len(out))
	for i, o := range out {
		if o == nil {
			continue
		}
		f, err := w.JS.PublishMsgAsync(o, jetstream.WithMsgID(o.Header.Get(nats.MsgIdHdr)))
		if err != nil {
			continue // not acked: redelivered after AckWait
		}
		futures[i] = f
	}
	for i, f := range futures {
		if f == nil {
			continue
		}
		select {
		case <-f.Ok():
			_ = msgs[i].Ack()
		case err := <-f.Err():
			// Not stored downstream: hand the input back for redelivery.
			w.logf("%s: publish for %s failed, redelivering: %v", w.Stage, msgs[i].Headers().Get(HeaderLineID), err)
			_ = msgs[i].Nak()
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// forward builds the message carrying v to stage next. Its Msg-Id is the run
// and the line, so a re-publish after a crash is dropped by the stream.
func forward(in jetstream.Msg, next Stage, v any) *nats.Msg {
	data, _ := json.Marshal(v)
	m := nats.NewMsg(SubjectOf(next))
	m.Data = data
	copyIDs(in, m)
	m.Header.Set(nats.MsgIdHdr, m.Header.Get(HeaderRunID)+"/"+string(next)+"/"+m.Header.Get(HeaderLineID))
	return m
}

// deadLetter builds the dead letter for a rejection, the reason in headers.
func deadLetter(in jetstream.Msg, r Rejection) *nats.Msg {
	data, _ := json.Marshal(r)
	m := nats.NewMsg(DeadLetterSubject)
	m.Data = data
	copyIDs(in, m)
	m.Header.Set(HeaderStage, string(r.Stage))
	m.Header.Set(HeaderKind, r.Kind)
	m.Header.Set(HeaderReason, r.Reason)
	m.Header.Set(nats.MsgIdHdr, m.Header.Get(HeaderRunID)+"/dead/"+r.LineID)
	return m
}

func copyIDs(in jetstream.Msg, out *nats.Msg) {
	out.Header.Set(HeaderRunID, in.Headers().Get(HeaderRunID))
	out.Header.Set(HeaderLineID, in.Headers().Get(HeaderLineID))
}

// PublishLines is the collect stage of the message-driven pipeline: it
// publishes every line of the export at source to the clean stage's stream
// and waits until JetStream has stored each one.
func PublishLines(ctx context.Context, js jetstream.JetStream, runID, source string) (int, error) {
	var futures []jetstream.PubAckFuture
	err := ScanSource(source, 0, -1, func(l Line) error {
		data, _ := json.Marshal(l)
		m := nats.NewMsg(SubjectOf(Clean))
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
