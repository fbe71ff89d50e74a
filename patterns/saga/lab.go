package saga

import (
	"errors"
	"fmt"

	"github.com/patternlab/patternlab/kit/narrate"
)

// What the orchestration act shows in `make lab` beyond its text story (the
// message and sample events exist only in JSON mode; the offer is silent in
// text mode):
//   - each request a worker's activity makes to a service, and its answer,
//     as message events; a retried step is the same message again;
//   - the sagas completed and compensated so far, as series;
//   - kill-worker, offered while the sagas run on the dev server.

// traceRequest: a worker's activity asks a service for a step.
func (o *orchestration) traceRequest(k Key, attempt int) {
	o.n.Message("worker", k.Step.Service(), fmt.Sprintf("%s (attempt %d)", k.Step, attempt), k.String())
}

// traceResult: the service answers.
func (o *orchestration) traceResult(r Result) {
	what := string(r.Effect)
	if r.Duplicate {
		what += ", a duplicate absorbed"
	}
	o.n.Message(r.Key.Step.Service(), "worker", fmt.Sprintf("%s %s", r.Key.Step, what), r.Key.String()+" reply")
}

// sampleBoard charts how the sagas ended so far.
func sampleBoard(n *narrate.Narrator, outcomes map[string]Outcome) {
	if !n.JSONMode() {
		return
	}
	counts := map[Status]int{}
	for _, o := range outcomes {
		counts[o.Status]++
	}
	n.Sample("sagas completed", float64(counts[Completed]), "sagas")
	n.Sample("sagas compensated", float64(counts[Compensated]), "sagas")
}

// offerKill offers kill-worker while act 2's sagas run with a worker
// process; the returned withdraw ends the offer.
func (o *orchestration) offerKill() (withdraw func()) {
	if o.cfg.Temporal != DevServer {
		return func() {}
	}
	o.n.Offer("kill-worker", "worker", "SIGKILL the worker process now: a new one starts, and Temporal retries what the dead one held", func() error {
		o.mu.Lock()
		defer o.mu.Unlock()
		if o.worker == nil {
			return errors.New("no worker process is running now")
		}
		o.n.Fault("worker", "SIGKILL the worker process (requested): whatever activity it runs, it dies before it hears back")
		if err := o.replaceWorkerLocked(); err != nil {
			return err
		}
		o.n.Step("worker", "a new worker process starts; Temporal retries what the dead one held when its activity's start-to-close timeout (%s) expires",
			forwardOptions.StartToCloseTimeout)
		o.n.Measure("worker", "new worker pid %d", o.worker.PID())
		return nil
	})
	return func() { o.n.Withdraw("kill-worker") }
}
