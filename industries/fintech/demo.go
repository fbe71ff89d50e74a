package fintech

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"github.com/patternlab/patternlab/industries/fintech/bank"
	"github.com/patternlab/patternlab/industries/fintech/clearing"
	"github.com/patternlab/patternlab/industries/fintech/risk"
	"github.com/patternlab/patternlab/industries/fintech/traffic"
	"github.com/patternlab/patternlab/kit/deadletter"
	"github.com/patternlab/patternlab/kit/narrate"
	"github.com/patternlab/patternlab/kit/natsembed"
	"github.com/patternlab/patternlab/kit/temporaldev"
)

// Invariant is the sentence the demo's last line states (pattern.yaml
// holds the same).
const Invariant = "the books balance and the net positions sum to zero; no payment applied twice; " +
	"every rejected or compensated payment has its reason; the settlement file equals an independent recomputation from the raw event log"

// Demo runs a day of a payment clearing system end to end against real
// servers, injects the day's faults, clears the day (killing the clearing
// process mid-run) and checks the books, the payments and the settlement
// file from the servers' own records.
func Demo(ctx context.Context, n *narrate.Narrator, cfg Config) error {
	_, err := runDay(ctx, n, cfg)
	return err
}

// runDay is Demo, returning what the day measured (the benchmarks read it).
func runDay(ctx context.Context, n *narrate.Narrator, cfg Config) (dayStats, error) {
	if err := cfg.Validate(); err != nil {
		return dayStats{}, err
	}
	d := &demo{n: n, cfg: cfg}
	defer d.tearDown()
	if err := d.setUp(ctx); err != nil {
		return dayStats{}, err
	}
	for _, act := range []func(context.Context) error{d.business, d.guest, d.endOfDay} {
		if err := act(ctx); err != nil {
			return d.stats, err
		}
	}
	return d.stats, d.verdict(ctx)
}

// dayStats is what a day measured: the business act's payments, how long
// it took from the first instruction sent to the last saga closed, each
// settled payment's time from its instruction stored on the server to its
// saga closed on Temporal (sorted).
type dayStats struct {
	Payments int
	Elapsed  time.Duration
	Latency  []time.Duration
}

// demo holds the moving parts the acts share, and what they observed.
type demo struct {
	n     *narrate.Narrator
	cfg   Config
	names names
	day   traffic.Day

	nats     *natsembed.Target
	nc       *nats.Conn
	js       jetstream.JetStream
	dlq      *deadletter.Queue
	books    map[string]*bank.Books
	risk     *risk.Service
	temporal *temporaldev.Target
	tc       client.Client
	worker   worker.Worker
	faults   *faults

	opening  int64             // what the accounts held at the start of the day
	office   *office           // the intake's records
	started  []string          // workflow IDs this run started (deleted on a shared server)
	cutoff   map[string]uint64 // the clearing cycle's cut-off per bank
	job      clearing.Job      // the killed and resumed run
	file     []byte            // its settlement file
	straight []byte            // the uninterrupted run's file
	forged   *forgery          // the guest's forged deposit, if it got in
	stats    dayStats
}

func (d *demo) tearDown() {
	if d.worker != nil {
		d.worker.Stop()
	}
	if d.tc != nil {
		if d.temporal != nil && d.temporal.Embedded == nil {
			d.deleteWorkflows()
		}
		d.tc.Close()
	}
	if d.temporal != nil {
		d.temporal.Close()
	}
	if d.risk != nil {
		_ = d.risk.Stop()
	}
	if d.nats != nil {
		d.nats.Close() // the cleanups first (they use d.js), then an embedded server
	}
	if d.nc != nil {
		d.nc.Close()
	}
}

// deleteStreams removes, on a shared server, the streams this run created
// under its own unique names, and nothing else.
func (d *demo) deleteStreams() {
	if d.js == nil {
		return
	}
	streams := []string{d.names.payments, d.names.deadLetters, d.names.risk}
	for _, b := range d.cfg.banks() {
		streams = append(streams, bank.LogOf(b, d.names.ledger, d.names.books()).Stream)
	}
	for _, name := range streams {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if err := d.js.DeleteStream(ctx, name); err != nil && !errors.Is(err, jetstream.ErrStreamNotFound) {
			d.n.Step("nats", "could not delete stream %s: %v", name, err)
		}
		cancel()
	}
}

// deleteWorkflows removes, on a shared Temporal, the workflows this run
// started.
func (d *demo) deleteWorkflows() {
	for _, id := range d.started {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_ = deleteWorkflow(ctx, d.tc, d.temporal.Namespace, id)
		cancel()
	}
}

func cents(c int64) string { return clearing.Cents(c) }

// plural is "1 payment", "2 payments".
func plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// deleteWorkflow deletes one workflow execution this run started.
func deleteWorkflow(ctx context.Context, c client.Client, namespace, id string) error {
	_, err := c.WorkflowService().DeleteWorkflowExecution(ctx, &workflowservice.DeleteWorkflowExecutionRequest{
		Namespace: namespace, WorkflowExecution: &commonpb.WorkflowExecution{WorkflowId: id},
	})
	return err
}
