package orchestration_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/temporalproto"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/patternlab/patternlab/kit/labtest"
	"github.com/patternlab/patternlab/kit/temporaldev"
	"github.com/patternlab/patternlab/patterns/saga/ledger"
	"github.com/patternlab/patternlab/patterns/saga/orchestration"
	"github.com/patternlab/patternlab/patterns/saga/shop"
	"github.com/patternlab/patternlab/patterns/saga/temporalsaga"
)

// The recorded histories: real runs on a dev server, one per path through
// the workflow. Regenerate them after an intended change of OrderSaga with
//
//	SAGA_RECORD_HISTORIES=1 make test   (or: TEMPORAL_CLI=... SAGA_RECORD_HISTORIES=1 go test -run TestRecordHistories ./patterns/saga/orchestration/)
//
// and commit testdata/. A change that makes replay fail without an intended
// change is a non-determinism bug: running workflows would break on it.
var recorded = []struct {
	file   string
	faults scripted
	cancel bool
}{
	{"history-completed.json", scripted{shop.Reserve: {Transient: 1}}, false},
	{"history-compensated.json", scripted{shop.Book: {Decline: "no carrier serves the address"}, shop.Refund: {Transient: 2}}, false},
	{"history-cancelled.json", nil, true},
	{"history-settled.json", scripted{shop.Book: {Transient: shop.MaxForwardAttempts - 1, LoseReply: shop.MaxForwardAttempts}}, false},
}

func TestReplayRecordedHistories(t *testing.T) {
	for _, h := range recorded {
		t.Run(h.file, func(t *testing.T) {
			r := replayer()
			r.RegisterWorkflow(orchestration.OrderSaga)
			err := r.ReplayWorkflowHistoryFromJSONFile(quietLogger(), filepath.Join("testdata", h.file))
			require.NoError(t, err, "OrderSaga no longer replays its recorded history: non-deterministic change?")
		})
	}
}

// A workflow that changed its step order cannot replay the old history:
// the replayer is what catches it before running workflows do.
func TestReplayCatchesAChangedStepOrder(t *testing.T) {
	r := replayer()
	r.RegisterWorkflowWithOptions(chargeFirst, workflow.RegisterOptions{Name: "OrderSaga"})
	err := r.ReplayWorkflowHistoryFromJSONFile(quietLogger(), filepath.Join("testdata", "history-completed.json"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "nondeterministic")
}

// chargeFirst is OrderSaga edited carelessly: it charges before reserving.
func chargeFirst(ctx workflow.Context, in orchestration.Input) (temporalsaga.Outcome, error) {
	var a *orchestration.Activities
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Second})
	for _, s := range []struct {
		step shop.Step
		fn   any
	}{{shop.Charge, a.Charge}, {shop.Reserve, a.Reserve}, {shop.Book, a.Book}} {
		if err := workflow.ExecuteActivity(ctx, s.fn, s.step.Key(in.Order.ID), in.Order).Get(ctx, nil); err != nil {
			return temporalsaga.Outcome{}, err
		}
	}
	return temporalsaga.Outcome{Saga: in.Order.ID, Status: temporalsaga.Completed}, nil
}

// TestRecordHistories runs each recorded case on a dev server and writes
// its history. It runs only when SAGA_RECORD_HISTORIES=1.
func TestRecordHistories(t *testing.T) {
	if os.Getenv("SAGA_RECORD_HISTORIES") != "1" {
		t.Skip("set SAGA_RECORD_HISTORIES=1 to record testdata/history-*.json again")
	}
	labtest.RequireTemporalCLI(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	url := labtest.NATS(t).ClientURL()
	tg, err := temporaldev.FromEnv(ctx, temporaldev.Options{})
	require.NoError(t, err)
	t.Cleanup(tg.Close)
	c, err := tg.Dial(ctx)
	require.NoError(t, err)
	t.Cleanup(c.Close)
	for i, h := range recorded {
		prefix := fmt.Sprintf("rec%d", i)
		orch := &orchestration.TemporalOrchestrator{Client: c, TaskQueue: orchestration.TaskQueue + "-" + prefix, IDPrefix: prefix}
		hooks := ledger.Hooks{}
		if h.cancel {
			hooks.BeforeApply = func(k ledger.Key, attempt int) {
				if k.Step == string(shop.Charge) && attempt == 1 {
					_, _ = orch.Progress(ctx, k.Saga)
					require.NoError(t, orch.Cancel(ctx, k.Saga))
				}
			}
		}
		svcs, err := shop.NewServices(shop.Options{Ledger: ledger.Options{Inject: h.faults, Hooks: hooks}})
		require.NoError(t, err)
		e, err := shop.ServeEndpoints(labtest.Conn(t, url), prefix, svcs, h.faults)
		require.NoError(t, err)
		t.Cleanup(e.Stop)
		w := orchestration.NewWorker(c, orch.TaskQueue, &orchestration.Activities{NC: labtest.Conn(t, url), Prefix: prefix})
		require.NoError(t, w.Start())
		o := shop.Order{ID: "order-1", SKU: "lamp", Qty: 2, Amount: 8000}
		_, err = orch.Run(ctx, o)
		w.Stop()
		require.NoError(t, err)

		hist := &historypb.History{}
		it := c.GetWorkflowHistory(ctx, orch.WorkflowID(o.ID), "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		for it.HasNext() {
			ev, err := it.Next()
			require.NoError(t, err)
			hist.Events = append(hist.Events, ev)
		}
		data, err := temporalproto.CustomJSONMarshalOptions{Indent: "  "}.Marshal(hist)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join("testdata", h.file), append(data, '\n'), 0o644))
		t.Logf("recorded %s: %d events", h.file, len(hist.Events))
	}
}

// scripted is a fault schedule written by hand, by step, for one order.
type scripted map[shop.Step]shop.Fault

func (s scripted) Inject(k ledger.Key, attempt int) error {
	f := s[shop.Step(k.Step)]
	if attempt <= f.Transient {
		return fmt.Errorf("%w: scripted", ledger.ErrTransient)
	}
	if f.Decline != "" {
		return &ledger.DeclinedError{Key: k, Reason: f.Decline}
	}
	return nil
}

func (s scripted) LosesReply(k ledger.Key, attempt int) bool {
	return s[shop.Step(k.Step)].LoseReply == attempt && attempt > 0
}

// replayer replays without the 1s deadlock detection, which a loaded
// machine trips with no deadlock at all.
func replayer() worker.WorkflowReplayer {
	r, err := worker.NewWorkflowReplayerWithOptions(worker.WorkflowReplayerOptions{DisableDeadlockDetection: true})
	if err != nil {
		panic(err)
	}
	return r
}

func quietLogger() log.Logger { return log.NewStructuredLogger(slog.New(slog.DiscardHandler)) }
