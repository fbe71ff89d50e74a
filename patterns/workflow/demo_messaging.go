package workflow

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/patternlab/patternlab/kit/natsembed"
	"github.com/patternlab/patternlab/kit/poll"
)

// messageDriven is act 2: the pipeline on JetStream, one process per worker,
// one of which is killed mid-run.
func (r *run) messageDriven(ctx context.Context) (Snapshot, error) {
	r.n.Act("2. message-driven: JetStream work queues, one process per worker")
	tg, err := natsembed.FromEnv(natsembed.Options{Name: "workflow"})
	if err != nil {
		return Snapshot{}, err
	}
	defer tg.Close()
	r.n.Measure("nats", "%s", tg.Describe())
	nc, err := natsembed.Connect(tg.URL, "workflow-demo")
	if err != nil {
		return Snapshot{}, err
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return Snapshot{}, err
	}
	m := MessageDriven{
		URL: tg.URL, JS: js, Launch: Processes(r.dir),
		Topology: Topology{AckWait: r.cfg.AckWait},
		Stage:    r.stage, Sink: filepath.Join(r.dir, "nats.db"),
		AnalyzeWorkers: 2, Concurrency: max(1, r.cfg.FanOut/2),
	}
	var streams []string
	for _, s := range Pipeline[1:] {
		streams = append(streams, StreamOf(s))
	}
	r.n.Step("nats", "work-queue streams %s; dead letters on %s with the reason in headers",
		strings.Join(streams, " -> "), DeadLetterSubject)

	start := time.Now()
	mr, err := m.Start(ctx)
	if err != nil {
		return Snapshot{}, err
	}
	defer mr.Stop() //nolint:errcheck // stopped below on the normal path
	r.n.Step("nats", "started %d worker processes: %s", len(mr.Workers()), strings.Join(mr.Workers(), ", "))
	published, err := mr.Publish(ctx, r.runID, r.source)
	if err != nil {
		return Snapshot{}, err
	}
	r.n.Step("collect", "published %d lines to %s; JetStream stored each before acknowledging it", published, SubjectOf(Clean))
	if r.cfg.Crash {
		if err := r.crashAnalyzeWorker(ctx, mr); err != nil {
			return Snapshot{}, err
		}
	}
	wctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	if err := mr.Wait(wctx); err != nil {
		return Snapshot{}, err
	}
	took := time.Since(start)
	info, err := mr.ConsumerInfo(ctx, Analyze)
	if err != nil {
		return Snapshot{}, err
	}
	if err := mr.Stop(); err != nil {
		return Snapshot{}, err
	}
	if err := r.deadLetters(ctx, js); err != nil {
		return Snapshot{}, err
	}
	snap, err := ReadSnapshot(ctx, m.Sink)
	if err != nil {
		return Snapshot{}, err
	}
	cleaned := Count(r.data.Lines, snap).Cleaned
	r.n.Measure("nats", "analyze made %d deliveries for %d readings: %d were redeliveries (retries of the poison reading, and what a dead worker held)",
		info.Delivered.Consumer, cleaned, int(info.Delivered.Consumer)-cleaned)
	r.report("nats", snap, took)
	return snap, nil
}

// crashAnalyzeWorker kills analyze-1 with SIGKILL once a quarter of the
// readings are analyzed, checks the stage was mid-run, and restarts it.
func (r *run) crashAnalyzeWorker(ctx context.Context, mr *MessageRun) error {
	const victim = "analyze-1"
	target := uint64(Count(r.data.Lines, r.want).Cleaned / 4)
	var acked uint64
	err := poll.Within(ctx, time.Minute, 5*time.Millisecond, func() (bool, error) {
		info, err := mr.ConsumerInfo(ctx, Analyze)
		if err != nil {
			return false, err
		}
		acked = info.AckFloor.Consumer
		return acked >= target, nil
	})
	if err != nil {
		return fmt.Errorf("waiting for analyze to get going: %w", err)
	}
	pid := 0
	if p, ok := mr.Worker(victim).(*Process); ok {
		pid = p.PID()
	}
	if err := mr.Kill(victim); err != nil {
		return err
	}
	r.n.Fault("chaos", "SIGKILL %s mid-stage: what it held is neither analyzed nor acknowledged", victim)
	r.n.Measure("chaos", "%s (pid %d) died after analyze had acknowledged %d readings", victim, pid, acked)
	info, err := mr.ConsumerInfo(ctx, Analyze)
	if err != nil {
		return err
	}
	r.n.Check("killed-mid-run", info.NumPending+uint64(info.NumAckPending) > 0, "readings still waiting for analyze after the kill")
	if err := mr.Restart(ctx, victim); err != nil {
		return err
	}
	r.n.Step("nats", "restarted %s; JetStream redelivers what the dead worker held once AckWait (%s) has passed",
		victim, r.cfg.AckWait)
	return nil
}

// deadLetters narrates what the dead-letter stream holds: every rejection,
// each with its reason in a header.
func (r *run) deadLetters(ctx context.Context, js jetstream.JetStream) error {
	st, err := js.Stream(ctx, DeadLetterStream)
	if err != nil {
		return err
	}
	info, err := st.Info(ctx)
	if err != nil {
		return err
	}
	total := int(info.State.Msgs)
	cons, err := st.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{})
	if err != nil {
		return err
	}
	first, withReason := "", 0
	var firstReason string
	for got := 0; got < total; {
		batch, err := cons.Fetch(min(total-got, 256), jetstream.FetchMaxWait(2*time.Second))
		if err != nil {
			return err
		}
		n := 0
		for m := range batch.Messages() {
			n++
			id, reason := m.Headers().Get(HeaderLineID), m.Headers().Get(HeaderReason)
			if reason != "" {
				withReason++
			}
			if first == "" || id < first {
				first, firstReason = id, reason
			}
		}
		if n == 0 {
			return fmt.Errorf("dead-letter stream: read %d of %d: %w", got, total, batch.Error())
		}
		got += n
	}
	r.n.Step("nats", "%s holds %d dead letters, %d with a Reason header; the first, %s: %s",
		DeadLetterSubject, total, withReason, first, firstReason)
	return nil
}
