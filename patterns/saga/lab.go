package saga

import (
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/patternlab/patternlab/kit/narrate"
	"github.com/patternlab/patternlab/patterns/saga/choreography"
	"github.com/patternlab/patternlab/patterns/saga/ledger"
	"github.com/patternlab/patternlab/patterns/saga/orchestration"
	"github.com/patternlab/patternlab/patterns/saga/shop"
)

// What act 1 shows in `make lab` (JSON mode only): each delivery of an
// event to the service that reacts to it, as a message from the service
// that emitted it, drawn from the services' journals as they are written;
// a redelivered event is the same message again.
func traceDelivery(n *narrate.Narrator) func(ledger.Note) {
	return func(note ledger.Note) {
		k, step := note.Key, shop.Step(note.Key.Step)
		switch note.Kind {
		case ledger.NoteApplied, ledger.NoteNothingToUndo, ledger.NoteDeclined, ledger.NoteTransient, ledger.NoteDuplicate:
		default:
			return
		}
		triggers := choreography.Triggers(step)
		if len(triggers) == 0 {
			return
		}
		var events []string
		for _, t := range triggers {
			events = append(events, string(t.Event))
		}
		what := fmt.Sprintf("%s %s: %s", k.Saga, strings.Join(events, " or "), note.Kind)
		if note.Kind == ledger.NoteDuplicate {
			what = fmt.Sprintf("%s %s: redelivery, absorbed by its key", k.Saga, strings.Join(events, " or "))
		}
		n.Message(triggers[0].From, note.Service, what, k.String()+" event")
	}
}

// What act 2 shows in `make lab` beyond its text story (the message and
// sample events exist only in JSON mode, the offer writes nothing in text
// mode, so the text story and the Example stay as they are):
//   - each request a worker's activity makes to a service, and its answer,
//     as message events, drawn from the services' journals as they are
//     written; a retried step is the same message again (same id);
//   - the sagas completed and compensated so far, as series;
//   - kill-worker, offered while the sagas run with a worker process.

// The worker's requests and the services' answers, by key.
func requestID(k ledger.Key) string  { return k.String() }
func settleID(k ledger.Key) string   { return k.String() + " settle" }
func answerID(request string) string { return request + " answer" }

// traceNote draws one delivery the journal of a service records: the
// worker's request and, except for an applied step (whose answer the
// endpoint may still lose: see answers), the service's answer.
func (o *orchestrated) traceNote(note ledger.Note) {
	k, svc, step := note.Key, note.Service, shop.Step(note.Key.Step)
	ask := func(what string) { o.n.Message("worker", svc, what, requestID(k)) }
	answer := func(what string) { o.n.Message(svc, "worker", what, answerID(requestID(k))) }
	switch note.Kind {
	case ledger.NoteApplied, ledger.NoteNothingToUndo:
		ask(fmt.Sprintf("%s %s (attempt %d)", k.Saga, step, note.Attempt))
		o.answered.Store(k, note.Kind)
	case ledger.NoteDeclined:
		ask(fmt.Sprintf("%s %s (attempt %d)", k.Saga, step, note.Attempt))
		answer(fmt.Sprintf("%s %s declined: %s", k.Saga, step, note.Entry.Reason))
	case ledger.NoteTransient:
		ask(fmt.Sprintf("%s %s (attempt %d)", k.Saga, step, note.Attempt))
		answer(fmt.Sprintf("%s %s failed: %s is unavailable", k.Saga, step, svc))
	case ledger.NoteDuplicate:
		ask(fmt.Sprintf("%s %s again", k.Saga, step))
		answer(fmt.Sprintf("%s %s absorbed by its key: %s before", k.Saga, step, note.Entry.Effect))
	case ledger.NoteAsked, ledger.NoteSettled:
		o.n.Message("worker", svc, fmt.Sprintf("settle %s %s", k.Saga, step), settleID(k))
		o.n.Message(svc, "worker", fmt.Sprintf("%s %s settled: %s", k.Saga, step, note.Entry.Effect), answerID(settleID(k)))
	}
}

// answers is the endpoints' ReplyFaults seen by the lab: the endpoint asks
// it, for each step that applied, whether the answer is lost; when it is
// not, the answer leaves now.
type answers struct {
	o      *orchestrated
	faults shop.ReplyFaults
}

func (a answers) LosesReply(k ledger.Key, attempt int) bool {
	lost := a.faults.LosesReply(k, attempt)
	if !lost {
		what := ledger.NoteApplied
		if v, ok := a.o.answered.Load(k); ok {
			what = v.(ledger.NoteKind)
		}
		a.o.n.Message(shop.Step(k.Step).Service(), "worker", fmt.Sprintf("%s %s %s", k.Saga, k.Step, what), answerID(requestID(k)))
	}
	return lost
}

// sampleBoard charts how the sagas ended so far.
func sampleBoard(n *narrate.Narrator, outcomes map[string]shop.Outcome) {
	if !n.JSONMode() {
		return
	}
	counts := map[shop.Status]int{}
	for _, out := range outcomes {
		counts[out.Status]++
	}
	n.Sample("sagas completed", float64(counts[shop.Completed]), "sagas")
	n.Sample("sagas compensated", float64(counts[shop.Compensated]), "sagas")
}

// FaultKillWorker is the fault act 2 offers on the dev server.
const FaultKillWorker = "kill-worker"

// offerKill offers kill-worker while act 2's sagas run with a worker
// process. A requested kill is the scheduled one's kill and restart
// (replaceWorkerLocked), at the learner's moment: whatever the dead worker
// held, Temporal retries once its timeout expires, and the services'
// idempotency keys absorb what had applied. It is narrated as a fault of
// its own, so the scheduled kill must still fire for the verdict to hold.
// The returned withdraw ends the offer (once).
func (o *orchestrated) offerKill() (withdraw func()) {
	if o.worker == nil {
		return func() {}
	}
	o.n.Offer(FaultKillWorker, "worker", "SIGKILL the worker process now: a new one starts, and Temporal retries what the dead one held", func() error {
		o.mu.Lock()
		defer o.mu.Unlock()
		if o.worker == nil {
			return errors.New("no worker process is running now")
		}
		when := "before the first saga starts"
		if o.running != "" {
			when = "while " + o.running + " runs"
		}
		o.n.Fault("worker", "SIGKILL the worker process (requested) %s: whatever activity or workflow task it holds, it dies before it reports back", when)
		if err := o.replaceWorkerLocked(); err != nil {
			return err
		}
		o.n.Step("worker", "a new worker process starts; Temporal retries what the dead one held when its activity's %s start-to-close timeout expires",
			orchestration.StepTimeout)
		o.n.Measure("worker", "new worker pid %d", o.worker.PID())
		return nil
	})
	var once sync.Once
	return func() { once.Do(func() { o.n.Withdraw(FaultKillWorker) }) }
}
