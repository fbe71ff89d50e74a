package workflow

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/patternlab/patternlab/kit/narrate"
	"github.com/patternlab/patternlab/patterns/workflow/launch"
	"github.com/patternlab/patternlab/patterns/workflow/pipeline"
	"github.com/patternlab/patternlab/patterns/workflow/workqueue"
)

// FaultKillWorker is the fault the demo offers on demand (the lab's
// button) while act 2's stage consumers run: SIGKILL an analyze consumer
// process now, and start it again. What it held, delivered and not
// acknowledged, JetStream delivers again once AckWait has passed, and the
// sink's upsert keeps each reading stored once: the verdict is the same
// check either way. The scheduled crash's victim is left alone (its
// restart would not crash again, and the planned fault would never come).
const FaultKillWorker = "kill-worker"

// killOnDemand is kill-worker for one run of act 2.
type killOnDemand struct {
	r   *run
	ctx context.Context
	mr  *workqueue.Run

	mu     sync.Mutex // held for a whole kill and restart
	open   bool
	killed []killedOnRequest
}

// killedOnRequest is one requested kill, as the demo saw it.
type killedOnRequest struct {
	name           string
	pid, restarted int
	bySIGKILL      bool
}

// offerKill offers kill-worker until the returned withdraw, which waits
// for a kill in progress to end.
func (r *run) offerKill(ctx context.Context, mr *workqueue.Run) (*killOnDemand, func()) {
	k := &killOnDemand{r: r, ctx: ctx, mr: mr, open: true}
	r.n.Offer(FaultKillWorker, "nats",
		"SIGKILL an analyze consumer process now and start it again: JetStream delivers what it held again after AckWait", k.kill)
	var once sync.Once
	return k, func() {
		once.Do(func() {
			r.n.Withdraw(FaultKillWorker)
			k.mu.Lock()
			k.open = false
			k.mu.Unlock()
		})
	}
}

// target is the analyze consumer a requested kill takes: one that runs,
// and not the scheduled crash's victim.
func (k *killOnDemand) target() (string, launch.Process) {
	for _, name := range k.mr.Consumers() {
		if !strings.HasPrefix(name, string(pipeline.Analyze)+"-") || k.r.cfg.Crash && name == victim {
			continue
		}
		p := k.mr.Process(name)
		if p == nil {
			continue
		}
		select {
		case <-p.Done():
		default:
			return name, p
		}
	}
	return "", nil
}

func (k *killOnDemand) kill() error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if !k.open {
		return errors.New("act 2's pipeline is over")
	}
	left, err := k.mr.Backlog(k.ctx)
	if err != nil {
		return fmt.Errorf("the server is not answering now: %w", err)
	}
	if left == 0 {
		return errors.New("the pipeline has drained: no consumer holds anything to lose now")
	}
	name, p := k.target()
	if p == nil {
		return errors.New("no analyze consumer is running now")
	}
	pid := p.PID()
	if err := k.mr.Kill(name); err != nil {
		return err
	}
	select {
	case <-p.Done():
	case <-time.After(10 * time.Second):
		return fmt.Errorf("%s (pid %d) did not die of SIGKILL in 10s", name, pid)
	}
	k.r.n.Fault("chaos", "SIGKILL %s (requested in the lab) with %d messages still to finish: what it held, delivered and unacknowledged, JetStream delivers again after AckWait", name, left)
	k.r.n.Measure("chaos", "%s (pid %d) died", name, pid)
	if err := k.mr.Restart(k.ctx, name); err != nil {
		return fmt.Errorf("restart %s: %w", name, err)
	}
	restarted := k.mr.Process(name).PID()
	k.r.n.Step("nats", "restarted %s (pid %d) on the same durable consumer", name, restarted)
	k.killed = append(k.killed, killedOnRequest{name: name, pid: pid, restarted: restarted, bySIGKILL: p.Killed()})
	return nil
}

// check adds a check per requested kill: the consumer died of SIGKILL and
// a new process took its place.
func (k *killOnDemand) check(n *narrate.Narrator) {
	k.mu.Lock()
	defer k.mu.Unlock()
	for _, c := range k.killed {
		n.Check("killed-on-request", c.bySIGKILL && c.restarted != c.pid && c.restarted != 0,
			"%s (pid %d) died of SIGKILL and was restarted as pid %d", c.name, c.pid, c.restarted)
	}
}
