package saga_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	khistory "github.com/patternlab/patternlab/kit/history"
	"github.com/patternlab/patternlab/kit/labtest"
	"github.com/patternlab/patternlab/patterns/saga/ledger"
	"github.com/patternlab/patternlab/patterns/saga/shop"
)

// The payment service's ledger seen from outside: clients charge, refund,
// settle and read a handful of sagas through the service's NATS endpoints,
// as the orchestrator's activities do, several of them on the same saga at
// once (a retried activity and a redelivered event look the same to the
// service); every call is recorded and Porcupine checks the history against
// the model of the ledger's per-key state machine (kit/history.SagaStep).
// The checker knows nothing of the ledger: each key is settled once, a
// charge applies at most once and never after its refund or its settlement,
// and every later delivery answers the recorded effect again.

// ledgerWorkload says how the clients drive the payment service.
type ledgerWorkload struct {
	clients, sagas, ops int
	attempt             time.Duration // of one call; past it, its outcome is unknown
	crashes             []int         // crash the service when this many operations are recorded
	down                time.Duration // how long the service stays down
	noIdempotency       bool          // the ledger's UnsafeNoIdempotency (the demo's -idempotency=false)
}

// ledgerCounts are what the clients saw, beyond the history itself.
type ledgerCounts struct {
	failed, lost, duplicates atomic.Int64
	crashes                  int
}

// lossyPayments loses the first answer to some sagas' charges and fails the
// first delivery of others before it applies (a transient failure), so the
// clients retry.
type lossyPayments struct{}

func (lossyPayments) LosesReply(k ledger.Key, attempt int) bool {
	return attempt == 1 && k.Step == string(shop.Charge) && sagaIndex(k.Saga)%3 == 1
}

func (lossyPayments) Inject(k ledger.Key, attempt int) error {
	if attempt == 1 && sagaIndex(k.Saga)%3 == 2 {
		return ledger.ErrTransient
	}
	return nil
}

func sagaIndex(saga string) int {
	var i int
	_, _ = fmt.Sscanf(saga, "order-%d", &i)
	return i
}

// paymentServer is the payment service on a connection of its own, which a
// crash closes: every answer not yet sent is lost, and the service restarts
// from what its ledger file held at that moment.
type paymentServer struct {
	url    string
	prefix string
	opts   shop.Options
	dir    string

	mu   sync.Mutex
	gen  int
	nc   *nats.Conn
	eps  *shop.Endpoints
	path string
}

func (p *paymentServer) start() error {
	svc, err := shop.NewService(shop.Payment, p.opts)
	if err != nil {
		return err
	}
	nc, err := nats.Connect(p.url, nats.Name(fmt.Sprintf("payment-%d", p.gen)))
	if err != nil {
		return err
	}
	eps, err := shop.ServeEndpoints(nc, p.prefix, map[string]*shop.Service{shop.Payment: svc}, lossyPayments{})
	if err != nil {
		nc.Close()
		return err
	}
	p.nc, p.eps = nc, eps
	return nil
}

func (p *paymentServer) open(path string) error {
	p.path = path
	p.opts.Ledger.Path = path
	return p.start()
}

// crash closes the service's connection, then restarts it from a copy of
// its ledger file taken after the close: a delivery still being applied on
// the old process writes to the old file, as a process that died would
// not have written at all.
func (p *paymentServer) crash(down time.Duration) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.nc.Close()
	p.eps.Stop()
	time.Sleep(down)
	p.gen++
	next := filepath.Join(p.dir, fmt.Sprintf("payment-%d.json", p.gen))
	if err := copyFile(p.path, next); err != nil {
		return err
	}
	return p.open(next)
}

func (p *paymentServer) stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.eps.Stop()
	p.nc.Close()
}

func copyFile(from, to string) error {
	src, err := os.Open(from)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(dst, src); err != nil {
		dst.Close()
		return err
	}
	return dst.Close()
}

// runLedgerHistory drives a payment service with w and returns the record.
func runLedgerHistory(t *testing.T, w ledgerWorkload, counts *ledgerCounts) *khistory.Recorder {
	t.Helper()
	url := natsURL(t)
	prefix := "hist"
	dir := t.TempDir()
	srv := &paymentServer{url: url, prefix: prefix, dir: dir, opts: shop.Options{Ledger: ledger.Options{
		Inject: lossyPayments{}, UnsafeNoIdempotency: w.noIdempotency,
		// A slow step: a settlement (served beside the charges) can
		// decide the key while a charge is between its first look at the
		// record and its apply.
		Hooks: ledger.Hooks{BeforeApply: func(ledger.Key, int) { time.Sleep(3 * time.Millisecond) }},
	}}}
	require.NoError(t, srv.open(filepath.Join(dir, "payment-0.json")))
	defer srv.stop()

	orders := shop.NewOrders(w.sagas, 7)
	rec := khistory.NewRecorder()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	call := func(nc *nats.Conn, client int, o shop.Order, op khistory.StepOp) {
		c := rec.Begin(client, khistory.StepInput{Saga: o.ID, Op: op})
		actx, acancel := context.WithTimeout(ctx, w.attempt)
		defer acancel()
		var out khistory.StepOutput
		var err error
		switch op {
		case khistory.Do, khistory.Undo:
			step := shop.Charge
			if op == khistory.Undo {
				step = shop.Refund
			}
			var r ledger.Result
			r, err = shop.Call(actx, nc, prefix, step, o)
			out = khistory.StepOutput{Outcome: khistory.OK, Effect: string(r.Effect), Duplicate: r.Duplicate}
		case khistory.Settle:
			var e ledger.Entry
			e, err = shop.CallSettle(actx, nc, prefix, shop.Charge, o.ID, "the caller gave up")
			out = khistory.StepOutput{Outcome: khistory.OK, Effect: string(e.Effect)}
		case khistory.Read:
			var s ledger.Snapshot
			s, err = shop.FetchState(actx, nc, prefix, shop.Payment)
			do, _ := s.Entry(shop.Charge.Key(o.ID))
			undo, _ := s.Entry(shop.Refund.Key(o.ID))
			out = khistory.StepOutput{Outcome: khistory.OK, State: khistory.StepState{
				Do:   khistory.StepRecord{Effect: string(do.Effect), Applied: do.Applied},
				Undo: khistory.StepRecord{Effect: string(undo.Effect), Applied: undo.Applied},
			}}
		}
		var declined *ledger.DeclinedError
		switch {
		case err == nil:
			if out.Duplicate {
				counts.duplicates.Add(1)
			}
			c.End(out)
		case errors.As(err, &declined):
			c.End(khistory.StepOutput{Outcome: khistory.OK, Effect: khistory.EffectDeclined})
		case errors.Is(err, shop.ErrBadInput):
			t.Errorf("%s %s: %v", op, o.ID, err)
			c.End(khistory.StepOutput{Outcome: khistory.Failed})
		case errors.Is(err, context.DeadlineExceeded), errors.Is(err, nats.ErrTimeout):
			// The request may have reached the service, applied, and lost
			// its answer in a crash or on the way back.
			counts.lost.Add(1)
			c.Note("%v", err)
			c.Lost(khistory.StepOutput{Outcome: khistory.Unknown})
		default:
			// No responders (the service is down: nobody got the request),
			// or the service answered a transient failure: not applied.
			counts.failed.Add(1)
			c.Note("%v", err)
			c.End(khistory.StepOutput{Outcome: khistory.Failed})
			time.Sleep(w.down / 4) // back off, as a caller's retry policy would
		}
	}

	var wg sync.WaitGroup
	for client := range w.clients {
		nc := labtest.Conn(t, url)
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(client), 21))
			for i := range w.ops {
				// First the forward steps of half the sagas race; in the
				// second half the other sagas join, and compensations and
				// settlements race the forward steps (a late charge must
				// find its refund's tombstone).
				late := i >= w.ops/2
				o := orders[rng.IntN(len(orders)/2)]
				if late {
					o = orders[rng.IntN(len(orders))]
				}
				op, n := khistory.Do, rng.IntN(100)
				switch {
				case n < 25:
					op = khistory.Read
				case late && n < 55:
					op = khistory.Undo
				case late && n < 65:
					op = khistory.Settle
				}
				if op == khistory.Settle {
					// A caller gives up on a charge while a retry of it is
					// on its way: the two race on one key.
					var race sync.WaitGroup
					race.Go(func() { call(nc, w.clients+1+client, o, khistory.Do) })
					time.Sleep(time.Millisecond)
					call(nc, client, o, op)
					race.Wait()
				} else {
					call(nc, client, o, op)
				}
				time.Sleep(time.Duration(2+rng.IntN(8)) * time.Millisecond)
			}
		})
	}
	crashed := make(chan struct{})
	go func() {
		defer close(crashed)
		for _, at := range w.crashes {
			for {
				if total, _ := rec.Len(); total >= at {
					break
				}
				if ctx.Err() != nil {
					return
				}
				time.Sleep(5 * time.Millisecond)
			}
			if err := srv.crash(w.down); err != nil {
				t.Errorf("restart the payment service: %v", err)
				return
			}
			counts.crashes++
		}
	}()
	wg.Wait()
	cancel()
	<-crashed
	// A last read of every saga, once the service is up and quiet.
	ctx, cancel = context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	nc := labtest.Conn(t, url)
	for _, o := range orders {
		call(nc, w.clients, o, khistory.Read)
	}
	return rec
}

// TestPaymentLedgerLinearizableAcrossCrashes: six clients charge, refund,
// settle and read eight sagas on the payment service, which crashes twice
// mid-run and restarts from its ledger file; some first answers are lost and
// some first deliveries fail, so the clients retry, and several of them
// deliver the same key at once; each settlement races a retry of the same
// charge, which a slow step holds between its first look at the record and
// its apply. Porcupine finds the history linearizable as
// the ledger's per-key state machine: every key settled once, no charge or
// refund applied twice, no charge applied after its refund or its
// settlement, no acknowledged effect lost by a restart.
//
// Fault: crash | target: the payment service, its connection closed twice mid-run and restarted from its ledger file | invariant: the ledger's history is linearizable as a per-key state machine, each key settled once (Porcupine)
// Fault: duplicate | target: the payment service: the same charge and refund delivered by several clients at once, and again after each unknown outcome | invariant: one delivery applies, every other one answers the recorded effect as a duplicate (Porcupine)
// Fault: delay | target: a slow charge, settled by a caller that gave up on it while a retry of it is being applied | invariant: the settlement and the retry decide the key once: declined and never applied, or applied and answered as such (Porcupine)
// Fault: loss | target: the first answer to every third saga's charge, lost on its way back | invariant: the retry is absorbed: the charge applied once (Porcupine)
func TestPaymentLedgerLinearizableAcrossCrashes(t *testing.T) {
	counts := &ledgerCounts{}
	rec := runLedgerHistory(t, ledgerWorkload{
		clients: 6, sagas: 8, ops: 30, attempt: 500 * time.Millisecond,
		crashes: []int{50, 110}, down: 150 * time.Millisecond,
	}, counts)
	total, lost := rec.Len()
	t.Logf("%d operations recorded: %d failed (no responders or transient), %d with unknown outcome, %d duplicates; %d crashes",
		total, counts.failed.Load(), lost, counts.duplicates.Load(), counts.crashes)
	require.Equal(t, 2, counts.crashes)
	require.Positive(t, counts.failed.Load(), "the crashes and the transient failures met the clients")
	require.Positive(t, lost, "answers were lost")
	khistory.Require(t, khistory.SagaStep, rec)
	require.Positive(t, counts.duplicates.Load(), "the ledger absorbed duplicates")
}

// TestPaymentLedgerWithoutIdempotencyIsCaught runs the same clients against
// a ledger with its idempotency keys off (ledger.Options.UnsafeNoIdempotency,
// the demo's -idempotency=false): a redelivered charge applies again, and
// Porcupine must say the history is not linearizable and write its
// visualisation. An expected failure.
func TestPaymentLedgerWithoutIdempotencyIsCaught(t *testing.T) {
	rec := runLedgerHistory(t, ledgerWorkload{
		clients: 6, sagas: 8, ops: 30, attempt: 500 * time.Millisecond,
		crashes: []int{50}, down: 150 * time.Millisecond, noIdempotency: true,
	}, &ledgerCounts{})
	v, err := khistory.Check(khistory.SagaStep, rec.Operations(), khistory.DefaultTimeout, khistory.Dir(), t.Name())
	require.NoError(t, err)
	require.Equal(t, porcupine.Illegal, v.Result, "the check must catch a ledger that applies a duplicate")
	assert.FileExists(t, v.Visualization)
	t.Logf("caught, as it must be: %d operations; visualisation: %s", v.Operations, v.Visualization)
}
