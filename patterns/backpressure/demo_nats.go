package backpressure

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/patternlab/patternlab/kit/deadletter"
	"github.com/patternlab/patternlab/kit/narrate"
	"github.com/patternlab/patternlab/kit/natsembed"
)

// JetStream names the demo uses. On an embedded server they are these; on a
// shared one (NATS_URL) each gets the run's unique suffix
// (natsembed.Target.Unique), so the demo never touches a stream it did not
// create.
const (
	DemoStream            = "BACKPRESSURE"
	DemoSubject           = "backpressure.work"
	DemoDurable           = "worker"
	DemoDeadLetters       = "BACKPRESSURE_DLQ"
	DemoDeadLetterSubject = "backpressure.dlq"
)

// DemoStreams are the streams the demo creates, by their default names.
var DemoStreams = []string{DemoStream, DemoDeadLetters}

// ProtectedSubjects are the subjects only the demo's own user may publish on
// when it runs its own server (natsembed.Options.Protect).
var ProtectedSubjects = []string{"backpressure.>"}

// malformedPayload is what the demo's intruder publishes: too short to
// carry an ID.
var malformedPayload = []byte("hello")

// cleanupTimeout bounds each deletion on exit, also after Ctrl-C.
const cleanupTimeout = 10 * time.Second

type demoNames struct {
	stream, subject, durable, deadLetters, deadLetterSubject string
}

// demoNATS is the demo's connection to its server and what it created there.
type demoNATS struct {
	n        *narrate.Narrator
	cfg      Config
	target   *natsembed.Target
	js       jetstream.JetStream
	names    demoNames
	dlq      *deadletter.Queue
	injected int
}

// connect starts (or reaches, with NATS_URL) the server, says which it is,
// shows that a guest cannot publish on the demo's subjects, and opens the
// dead-letter stream. The returned func deletes what the demo created and
// closes everything.
func (d *demo) connect(ctx context.Context) (func(), error) {
	target, err := natsembed.FromEnv(natsembed.Options{Name: "backpressure", Protect: ProtectedSubjects})
	if err != nil {
		return nil, fmt.Errorf("start nats: %w", err)
	}
	nc, err := natsembed.Connect(target.URL, "backpressure-demo")
	if err != nil {
		target.Close()
		return nil, err
	}
	target.OnClose(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		target.Close()
		return nil, fmt.Errorf("jetstream: %w", err)
	}
	dn := &demoNATS{n: d.n, cfg: d.cfg, target: target, js: js, names: demoNames{
		stream:            target.Unique(DemoStream),
		subject:           target.Unique(DemoSubject),
		durable:           target.Unique(DemoDurable),
		deadLetters:       target.Unique(DemoDeadLetters),
		deadLetterSubject: target.Unique(DemoDeadLetterSubject),
	}}
	d.nats = dn
	if target.External() {
		d.n.Measure("nats", "%s", target.Describe())
		d.n.Step("nats", "a server from %s: streams %s and %s are named for this run, created by it and deleted on exit (Ctrl-C included); its permissions are its operator's",
			natsembed.EnvURL, dn.names.stream, dn.names.deadLetters)
	} else {
		d.n.Measure("nats", "%s", target.Describe())
		d.n.Step("nats", "embedded nats-server with JetStream on loopback; only this demo's user may publish on %v", ProtectedSubjects)
		if err := dn.guestIsRefused(d); err != nil {
			target.Close()
			return nil, err
		}
	}
	if dn.dlq, err = deadletter.Open(ctx, js, dn.names.deadLetters, dn.names.deadLetterSubject); err != nil {
		target.Close()
		return nil, err
	}
	target.OnClose(func() { dn.deleteStream(dn.names.deadLetters) })
	return target.Close, nil
}

// guestIsRefused publishes on the work subject as a client that is not the
// demo: the server must refuse it. The refusal comes back before the reply
// to the flush that follows, so no wait is needed.
func (dn *demoNATS) guestIsRefused(d *demo) error {
	guest, err := natsembed.Connect(dn.target.Embedded.GuestURL(), "backpressure-guest",
		nats.ErrorHandler(func(*nats.Conn, *nats.Subscription, error) {})) // the refusal is read below
	if err != nil {
		return err
	}
	defer guest.Close()
	if err := guest.Publish(dn.names.subject, []byte("foreign work")); err != nil {
		return fmt.Errorf("guest publish: %w", err)
	}
	if err := guest.Flush(); err != nil {
		return fmt.Errorf("guest flush: %w", err)
	}
	refused := errors.Is(guest.LastError(), nats.ErrPermissionViolation)
	if !d.check("guest", refused, "a client that is not the demo publishes on %s: the server refuses it (permissions violation)", dn.names.subject) {
		d.violate("guest: the server let a foreign client publish on %s", dn.names.subject)
	}
	return nil
}

// queue creates the demo's stream of the given capacity and its consumer;
// the -stream-limit switch applies to the work queues of B, the
// -credit-window switch to every consumer.
func (dn *demoNATS) queue(ctx context.Context, capacity int, workQueue bool, restarted func(crashed, next int)) (*JetStreamQueue, error) {
	c := dn.cfg
	q, err := NewJetStreamQueue(ctx, dn.js, JetStreamConfig{
		Stream: dn.names.stream, Subject: dn.names.subject, Durable: dn.names.durable,
		Capacity: capacity, Window: c.Window, AckWait: c.AckWait,
		Storage: jetstream.MemoryStorage, DedupWindow: time.Second,
		DeadLetters: dn.dlq, Restarted: restarted,
		WithoutStreamLimit: !c.StreamLimit && workQueue, WithoutCreditWindow: !c.CreditWindow,
	})
	if err != nil {
		return nil, err
	}
	dn.target.OnClose(func() { dn.deleteStream(dn.names.stream) }) // after Ctrl-C mid-act
	return q, nil
}

// remove deletes the stream an act created; a failure is told, not fatal.
func (dn *demoNATS) remove(ctx context.Context, q *JetStreamQueue) {
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	if err := q.Delete(dctx); err != nil {
		dn.n.Step(NameJetStream, "could not delete stream %s: %v", dn.names.stream, err)
	}
}

func (dn *demoNATS) deleteStream(name string) {
	ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
	defer cancel()
	if err := dn.js.DeleteStream(ctx, name); err != nil && !errors.Is(err, jetstream.ErrStreamNotFound) {
		dn.n.Step("nats", "could not delete stream %s on exit: %v", name, err)
	}
}

// injectMalformed publishes a message the consumer cannot decode into q's
// stream, as a foreign producer would: it must end in the dead letters.
func (dn *demoNATS) injectMalformed(ctx context.Context, q *JetStreamQueue) error {
	f := dn.n.Plan("intruder", "a malformed message on the work subject")
	if _, err := dn.js.Publish(ctx, q.Config().Subject, malformedPayload); err != nil {
		return fmt.Errorf("publish the malformed message: %w", err)
	}
	dn.injected++
	f.Fire("publishes %q (%d bytes, too short to carry an ID) on %s", malformedPayload, len(malformedPayload), q.Config().Subject)
	return nil
}

// readDeadLetters reads the dead-letter stream back from the server and
// checks that it holds exactly what was injected, with reason and subject.
func (dn *demoNATS) readDeadLetters(ctx context.Context, d *demo) error {
	letters, err := deadletter.Read(ctx, dn.js, dn.names.deadLetters)
	if err != nil {
		return err
	}
	for _, rc := range deadletter.CountByReason(letters) {
		d.n.Step("dead-letters", "%d in stream %s, read back from the server: %s", rc.Count, dn.names.deadLetters, rc.Reason)
	}
	ok := len(letters) == dn.injected
	for _, l := range letters {
		ok = ok && l.Reason != "" && l.Subject == dn.names.subject && string(l.Data) == string(malformedPayload)
	}
	if !d.check("dead-letters", ok, "every malformed message injected (%d) is in the dead-letter stream with its reason and original subject", dn.injected) {
		d.violate("dead-letters: %d malformed messages injected, %d letters found in %s", dn.injected, len(letters), dn.names.deadLetters)
	}
	return nil
}
