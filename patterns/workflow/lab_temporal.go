package workflow

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/patternlab/patternlab/patterns/workflow/durable"
	"github.com/patternlab/patternlab/patterns/workflow/launch"
)

// temporalWorkers is act 3's worker process, replaced after each kill:
// the scheduled one (crashTemporalWorker) and those the lab's kill-worker
// asks for while the batch runs. A kill on request SIGKILLs the worker and
// starts the next at once: Temporal retries the activities the dead one
// held once their heartbeat timeout passes, on the new worker, and the
// sink's upsert keeps each reading stored once.
type temporalWorkers struct {
	r      *run
	ctx    context.Context
	launch launch.Launcher[durable.WorkerSpec]
	spec   durable.WorkerSpec

	mu            sync.Mutex // held for a whole kill and restart
	w             launch.Process
	name          string
	started       int
	open          bool
	scheduledKill bool            // the scheduled kill has happened
	afterKill     map[string]bool // workers started since the scheduled kill
	order         []string        // the same, in start order
	killed        []killedOnRequest
}

func (t *temporalWorkers) start() (string, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.startLocked()
}

// startLocked starts the next worker, temporal-worker-<n>.
func (t *temporalWorkers) startLocked() (string, error) {
	t.started++
	spec := t.spec
	spec.Name = fmt.Sprintf("temporal-worker-%d", t.started)
	w, err := t.launch(t.ctx, spec.Name, spec)
	if err != nil {
		t.w = nil
		return "", err
	}
	t.w, t.name = w, spec.Name
	if t.scheduledKill {
		t.afterKill[spec.Name] = true
		t.order = append(t.order, spec.Name)
	}
	return spec.Name, nil
}

// current names the worker running now.
func (t *temporalWorkers) current() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.name
}

// startedAfterKill names the workers started since the scheduled kill:
// the retried analyze activity runs on one of them.
func (t *temporalWorkers) startedAfterKill() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]string(nil), t.order...)
}

func (t *temporalWorkers) stop() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.w == nil {
		return nil
	}
	select {
	case <-t.w.Done():
		return nil // killed already
	default:
	}
	return t.w.Stop()
}

// offer offers kill-worker until the returned withdraw, which waits for a
// kill in progress to end.
func (t *temporalWorkers) offer() (withdraw func()) {
	t.mu.Lock()
	t.open = true
	t.mu.Unlock()
	t.r.n.Offer(FaultKillWorker, "temporal",
		"SIGKILL the Temporal worker process now and start the next: the server retries what it held once the heartbeat timeout passes", t.kill)
	var once sync.Once
	return func() {
		once.Do(func() {
			t.r.n.Withdraw(FaultKillWorker)
			t.mu.Lock()
			t.open = false
			t.mu.Unlock()
		})
	}
}

func (t *temporalWorkers) kill() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	switch {
	case !t.open:
		return errors.New("act 3's batch is over")
	case t.w == nil:
		return errors.New("no worker process is running now")
	}
	w, name := t.w, t.name
	pid := w.PID()
	if err := w.Kill(); err != nil {
		return err
	}
	select {
	case <-w.Done():
	case <-time.After(10 * time.Second):
		return fmt.Errorf("%s (pid %d) did not die of SIGKILL in 10s", name, pid)
	}
	t.r.n.Fault("chaos", "SIGKILL %s (requested in the lab): the activities it held are retried once their heartbeat timeout (%s) passes, on the next worker",
		name, t.r.cfg.HeartbeatTimeout)
	t.r.n.Measure("chaos", "%s (pid %d) died", name, pid)
	next, err := t.startLocked()
	if err != nil {
		return fmt.Errorf("start the next worker: %w", err)
	}
	t.r.n.Step("temporal", "started %s (pid %d): it replays the workflows' histories and polls the task queue", next, t.w.PID())
	t.killed = append(t.killed, killedOnRequest{name: name, pid: pid, restarted: t.w.PID(), bySIGKILL: w.Killed()})
	return nil
}

// check adds a check per requested kill: the worker died of SIGKILL and
// the next one took its place.
func (t *temporalWorkers) check() {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, c := range t.killed {
		t.r.n.Check("killed-on-request", c.bySIGKILL && c.restarted != c.pid && c.restarted != 0,
			"%s (pid %d) died of SIGKILL and the next worker runs as pid %d", c.name, c.pid, c.restarted)
	}
}
