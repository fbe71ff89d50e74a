package workflow

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/patternlab/patternlab/kit/deadletter"
	"github.com/patternlab/patternlab/kit/narrate"
	"github.com/patternlab/patternlab/kit/natsembed"
	"github.com/patternlab/patternlab/kit/poll"
	"github.com/patternlab/patternlab/patterns/workflow/pipeline"
	"github.com/patternlab/patternlab/patterns/workflow/workqueue"
)

// victim is the stage consumer the demo crashes, after its first batch.
const victim = "analyze-1"

// workQueue is act 2: the pipeline on JetStream, one process per stage
// consumer, one of which dies between its two commits.
func (r *run) workQueue(ctx context.Context) (pipeline.Snapshot, error) {
	r.n.Act("2. message-driven: JetStream work queues, one process per stage consumer")
	tg, topo := r.srv.nats, r.srv.topology
	nc, err := natsembed.Connect(tg.URL, "workflow-demo")
	if err != nil {
		return pipeline.Snapshot{}, err
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return pipeline.Snapshot{}, err
	}
	m := workqueue.Pipeline{
		URL: tg.URL, JS: js, Launch: workqueue.Processes(r.dir), Topology: topo,
		Stage: r.stage, Sink: filepath.Join(r.dir, "nats.db"), SinkOpts: r.cfg.sinkOptions(),
		AnalyzeConsumers: 2, Concurrency: r.cfg.consumerConcurrency(), Batch: consumerBatch,
		AckFirst: !r.cfg.Safeguards.AckAfterPublish,
	}
	r.n.Step("nats", "work-queue streams %s; rejections on %s with the reason in headers; dead letters on %s",
		strings.Join(topo.WorkStreams(), " -> "), topo.RejectsSubject(), topo.DeadLetterSubject())
	if m.AckFirst {
		r.n.Step("nats", "SWITCH -ack-after-publish=false: every consumer acknowledges its input before its output is stored")
	}
	var crash *narrate.PlannedFault
	if r.cfg.Crash {
		m.Crash = workqueue.Crash{Consumer: victim, AfterBatches: 1}
		crash = r.n.Plan("chaos", "SIGKILL "+victim+" between the two commits of its first batch")
	}
	naks, err := workqueue.WatchNaks(nc, topo, pipeline.Analyze)
	if err != nil {
		r.n.Step("nats", "cannot watch the server's nak advisories (%v): redeliveries will not be told apart", err)
	} else {
		defer naks.Stop()
	}

	start := time.Now()
	mr, err := m.Start(ctx)
	r.srv.onClose(func() { r.srv.deleteStreams(r.n) }) // on a shared server, leave nothing behind
	if err != nil {
		return pipeline.Snapshot{}, err
	}
	defer mr.Stop() //nolint:errcheck // stopped below on the normal path
	r.n.Step("nats", "started %d stage-consumer processes: %s", len(mr.Consumers()), strings.Join(mr.Consumers(), ", "))
	if tg.Embedded != nil {
		if err := r.guestRefused(ctx, js, tg.Embedded.GuestURL(), topo); err != nil {
			return pipeline.Snapshot{}, err
		}
	}
	kills, withdraw := r.offerKill(ctx, mr)
	defer withdraw()
	published, err := mr.Publish(ctx, r.runID, r.source)
	if err != nil {
		return pipeline.Snapshot{}, err
	}
	r.n.Step("collect", "published %d lines to %s; JetStream stored each before acknowledging it", published, topo.Subject(pipeline.Clean))
	if err := r.publishNotALine(ctx, js, topo); err != nil {
		return pipeline.Snapshot{}, err
	}
	if crash != nil {
		if err := r.awaitCrash(ctx, mr, crash); err != nil {
			return pipeline.Snapshot{}, err
		}
	}
	if err := mr.Wait(ctx); err != nil {
		return pipeline.Snapshot{}, err
	}
	took := time.Since(start)
	withdraw()
	kills.check(r.n)
	d, err := mr.ReadDeliveries(ctx, pipeline.Analyze, naks)
	if err != nil {
		return pipeline.Snapshot{}, err
	}
	if err := mr.Stop(); err != nil {
		return pipeline.Snapshot{}, err
	}
	if naks != nil {
		naked, messages := naks.Naked()
		r.n.Measure("nats", "the server delivered %d analyze messages %d times: %d again after a nak of %d message(s) (an attempt the scoring service failed, per its nak advisories), %d again after AckWait ran out (held by a consumer that died, or for longer than AckWait)",
			d.Messages, d.Delivered, naked, messages, d.AfterAckWait())
	}
	if err := r.rejections(ctx, js, topo); err != nil {
		return pipeline.Snapshot{}, err
	}
	if err := r.deadLetters(ctx, js, topo); err != nil {
		return pipeline.Snapshot{}, err
	}
	snap, err := pipeline.ReadSnapshot(ctx, m.Sink)
	if err != nil {
		return pipeline.Snapshot{}, err
	}
	r.report("nats", snap, took)
	return snap, nil
}

// awaitCrash waits for the victim to die of its planned SIGKILL, checks
// that it died with work left, and starts it again. If the stage drains
// before the victim ever took a batch, the fault never fires and the
// verdict says so.
func (r *run) awaitCrash(ctx context.Context, mr *workqueue.Run, crash *narrate.PlannedFault) error {
	p := mr.Process(victim)
	died := false
	var info *jetstream.ConsumerInfo
	err := poll.Until(ctx, 5*time.Millisecond, func() (bool, error) {
		select {
		case <-p.Done():
			// The server's view first, before anything is narrated: what
			// the victim held goes back to the others once AckWait has
			// passed since it was delivered, and on a loaded machine the
			// narration alone can outlast that (flake-hunt saw the check
			// below fail with everything already redelivered and acked).
			var err error
			info, err = mr.ConsumerInfo(ctx, pipeline.Analyze)
			died = true
			return true, err
		default:
		}
		left, err := mr.Backlog(ctx)
		return left == 0, err
	})
	if err != nil {
		return fmt.Errorf("waiting for %s to crash: %w", victim, err)
	}
	if !died {
		r.n.Step("chaos", "%s did not crash before the pipeline drained: the planned fault never came", victim)
		return nil
	}
	if !p.Killed() {
		return fmt.Errorf("%s ended, but not of SIGKILL", victim)
	}
	order := "after the next stream stored its outputs and before it acknowledged its inputs"
	if !r.cfg.Safeguards.AckAfterPublish {
		order = "after it acknowledged its inputs and before their outputs were stored"
	}
	crash.Fire("%s died of SIGKILL in its first batch, %s", victim, order)
	r.n.Measure("chaos", "%s (pid %d) died; the analyze consumer then had %d readings delivered and unacknowledged, %d not yet delivered",
		victim, p.PID(), info.NumAckPending, info.NumPending)
	r.n.Check("killed-mid-run", info.NumPending+uint64(info.NumAckPending) > 0, "readings still waiting for analyze after the kill")
	if err := mr.Restart(ctx, victim); err != nil {
		return err
	}
	r.n.Step("nats", "restarted %s; JetStream redelivers what the dead consumer held once AckWait (%s) has passed",
		victim, r.cfg.AckWait)
	return nil
}

// guestRefused shows that the embedded server lets only the pipeline's own
// user publish on its subjects: a guest's publish is refused, and the
// stream it aimed at did not grow.
func (r *run) guestRefused(ctx context.Context, js jetstream.JetStream, guestURL string, topo workqueue.Topology) error {
	subject := topo.Subject(pipeline.Clean)
	before, err := lastSeq(ctx, js, topo.Stream(pipeline.Clean))
	if err != nil {
		return err
	}
	refused := make(chan error, 4)
	guest, err := natsembed.Connect(guestURL, "workflow-guest", nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
		if errors.Is(err, nats.ErrPermissionViolation) {
			refused <- err
		}
	}))
	if err != nil {
		return err
	}
	defer guest.Close()
	if err := guest.Publish(subject, []byte("a foreign client's line")); err != nil {
		return err
	}
	_ = guest.Flush()
	// Wait for whichever comes: the server's refusal, or the stream growing
	// because the publish got through.
	var denied bool
	var after uint64
	err = poll.Until(ctx, 5*time.Millisecond, func() (bool, error) {
		select {
		case <-refused:
			denied = true
		default:
		}
		var err error
		after, err = lastSeq(ctx, js, topo.Stream(pipeline.Clean))
		return denied || after != before, err
	})
	if err != nil {
		return fmt.Errorf("waiting for the guest's publish to be refused or stored: %w", err)
	}
	r.n.Check("subjects-protected", denied && after == before,
		"a guest's publish on %s was refused by the server, and %s did not grow", subject, topo.Stream(pipeline.Clean))
	return nil
}

func lastSeq(ctx context.Context, js jetstream.JetStream, stream string) (uint64, error) {
	st, err := js.Stream(ctx, stream)
	if err != nil {
		return 0, err
	}
	info, err := st.Info(ctx)
	if err != nil {
		return 0, err
	}
	return info.State.LastSeq, nil
}

// notALine is what the demo's buggy producer publishes.
const notALine = "{not json: a producer with a bug"

// publishNotALine injects a message no stage can use, as a buggy producer
// on the pipeline's own account would: the clean consumer must set it aside
// as a dead letter, with the reason, and lose nothing else.
func (r *run) publishNotALine(ctx context.Context, js jetstream.JetStream, topo workqueue.Topology) error {
	bug := r.n.Plan("producer", "publish a message that is not a line on "+topo.Subject(pipeline.Clean))
	m := nats.NewMsg(topo.Subject(pipeline.Clean))
	m.Data = []byte(notALine)
	m.Header.Set(workqueue.HeaderRunID, r.runID)
	if _, err := js.PublishMsg(ctx, m); err != nil {
		return fmt.Errorf("publish the malformed message: %w", err)
	}
	bug.Fire("a message that is not a line of the export went to %s", topo.Subject(pipeline.Clean))
	return nil
}

// rejections narrates what the rejections stream holds: every rejected
// line, each with its reason in a header. It reads the stream by sequence,
// as the server holds it, with no consumer and nothing to wait for.
func (r *run) rejections(ctx context.Context, js jetstream.JetStream, topo workqueue.Topology) error {
	st, err := js.Stream(ctx, topo.RejectsStream())
	if err != nil {
		return err
	}
	info, err := st.Info(ctx)
	if err != nil {
		return err
	}
	total, withReason := 0, 0
	first, firstReason := "", ""
	for seq := info.State.FirstSeq; info.State.Msgs > 0 && seq <= info.State.LastSeq; seq++ {
		m, err := st.GetMsg(ctx, seq)
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			continue
		}
		if err != nil {
			return fmt.Errorf("rejection %d: %w", seq, err)
		}
		total++
		id, reason := m.Header.Get(workqueue.HeaderLineID), m.Header.Get(workqueue.HeaderReason)
		if reason != "" {
			withReason++
		}
		if first == "" || id < first {
			first, firstReason = id, reason
		}
	}
	r.n.Step("nats", "%s holds %d rejections, %d with a Reason header; the first, %s: %s",
		topo.RejectsSubject(), total, withReason, first, firstReason)
	return nil
}

// deadLetters reads the dead-letter stream back from the server: the
// injected message must be there, with its reason and its subject.
func (r *run) deadLetters(ctx context.Context, js jetstream.JetStream, topo workqueue.Topology) error {
	letters, err := deadletter.Read(ctx, js, topo.DeadLetterStream())
	if err != nil {
		return err
	}
	found := false
	for _, l := range letters {
		if string(l.Data) == notALine && l.Subject == topo.Subject(pipeline.Clean) && l.Reason != "" {
			found = true
		}
	}
	var reasons []string
	for _, rc := range deadletter.CountByReason(letters) {
		reasons = append(reasons, fmt.Sprintf("%d: %s", rc.Count, cut(rc.Reason, 60)))
	}
	r.n.Check("dead-lettered", found, "%s holds %d dead letter(s), read back from the server, the injected one among them with its reason and subject",
		topo.DeadLetterStream(), len(letters))
	r.n.Measure("nats", "dead letters by reason: %s", strings.Join(reasons, "; "))
	return nil
}

func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
