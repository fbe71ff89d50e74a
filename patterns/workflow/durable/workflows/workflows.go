// Package workflows is the Temporal workflow code of the durable engine, and
// nothing else: BatchWorkflow, PartitionWorkflow and the types they exchange
// with their activities and their callers. Everything here must be a
// deterministic function of the workflow's history, since any worker may
// rebuild a workflow's state by replaying it; `make lint-workflows` runs
// Temporal's workflowcheck on this package, and the replay test replays
// saved histories against it. The activities, the worker and the client
// side live in package durable.
package workflows

import (
	"fmt"
	"slices"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/patternlab/patternlab/patterns/workflow/pipeline"
)

// Names the workflows answer to.
const (
	QueryProgress = "progress" // BatchProgress or PartitionProgress
	SignalControl = "control"  // CommandPause or CommandResume
	CommandPause  = "pause"    // finish the running stage, start no other
	CommandResume = "resume"
)

// BatchInput is one batch: the gateway's export and how to split it.
type BatchInput struct {
	BatchID    string `json:"batch_id"`
	Source     string `json:"source"`     // path of the export, readable by the workers
	Lines      int    `json:"lines"`      // lines in the export, from its manifest
	Partitions int    `json:"partitions"` // child workflows, one per slice of lines
	// HeartbeatTimeout is how long analyze and store may stay silent before
	// the server declares the attempt dead and retries it elsewhere.
	HeartbeatTimeout time.Duration `json:"heartbeat_timeout"`
	// ActivityAttempts bounds the attempts of every activity (0: the
	// default, 20). 1 means an activity whose worker died is not retried:
	// the retry policy the invariant depends on, switched off (the demo's
	// -retry=false).
	ActivityAttempts int32 `json:"activity_attempts,omitempty"`
}

// DefaultActivityAttempts is how often an activity is tried by default.
const DefaultActivityAttempts = 20

// PartitionInput is the slice [From, To) of the export one child handles.
type PartitionInput struct {
	Partition        int           `json:"partition"`
	Source           string        `json:"source"`
	From             int           `json:"from"`
	To               int           `json:"to"`
	HeartbeatTimeout time.Duration `json:"heartbeat_timeout"`
	ActivityAttempts int32         `json:"activity_attempts,omitempty"`
}

// BatchProgress is what the progress query of a batch answers.
type BatchProgress struct {
	Partitions int  `json:"partitions"`
	Done       int  `json:"done"`
	Paused     bool `json:"paused"`
}

// PartitionProgress is what the progress query of a partition answers.
type PartitionProgress struct {
	Stage  pipeline.Stage `json:"stage"`  // the stage running, or next to run
	Held   bool           `json:"held"`   // waiting at a stage boundary for resume
	Paused bool           `json:"paused"` //
	Done   bool           `json:"done"`
}

// BatchResult sums the partitions.
type BatchResult struct {
	Partitions []PartitionResult `json:"partitions"`
}

// PartitionResult is what one child did.
type PartitionResult struct {
	Partition int `json:"partition"`
	Lines     int `json:"lines"`
	Results   int `json:"results"`
	Rejects   int `json:"rejects"`
	// Attempts and ResumedAt of the analyze activity that finished: an
	// attempt after a crash starts where the last heartbeat left off.
	AnalyzeAttempt   int32 `json:"analyze_attempt"`
	AnalyzeResumedAt int   `json:"analyze_resumed_at"`
}

// ChildID is the workflow ID of a batch's partition.
func ChildID(batchID string, partition int) string {
	return fmt.Sprintf("%s/partition-%d", batchID, partition)
}

// BatchWorkflow runs one child workflow per partition (the fan-out), answers
// the progress query, and passes pause and resume on to its children. Its
// state lives in its event history: a worker that dies loses nothing, the
// next one replays the history and carries on.
func BatchWorkflow(ctx workflow.Context, in BatchInput) (BatchResult, error) {
	progress := BatchProgress{Partitions: in.Partitions}
	if err := workflow.SetQueryHandler(ctx, QueryProgress, func() (BatchProgress, error) { return progress, nil }); err != nil {
		return BatchResult{}, err
	}
	size := (in.Lines + in.Partitions - 1) / in.Partitions
	children := make([]workflow.ChildWorkflowFuture, in.Partitions)
	for p := range in.Partitions {
		cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{WorkflowID: ChildID(in.BatchID, p)})
		children[p] = workflow.ExecuteChildWorkflow(cctx, PartitionWorkflow, PartitionInput{
			Partition: p, Source: in.Source,
			From: p * size, To: min((p+1)*size, in.Lines),
			HeartbeatTimeout: in.HeartbeatTimeout, ActivityAttempts: in.ActivityAttempts,
		})
	}

	// Commands go to the children in the order they came, from one goroutine.
	forward := workflow.NewChannel(ctx)
	workflow.Go(ctx, func(ctx workflow.Context) {
		var cmd string
		for forward.Receive(ctx, &cmd) {
			for _, c := range children {
				// A child that has finished cannot be signalled; that is fine.
				_ = c.SignalChildWorkflow(ctx, SignalControl, cmd).Get(ctx, nil)
			}
		}
	})

	result := BatchResult{Partitions: make([]PartitionResult, in.Partitions)}
	var failed error
	sel := workflow.NewSelector(ctx)
	control := workflow.GetSignalChannel(ctx, SignalControl)
	sel.AddReceive(control, func(c workflow.ReceiveChannel, _ bool) {
		var cmd string
		c.Receive(ctx, &cmd)
		progress.Paused = cmd == CommandPause
		forward.Send(ctx, cmd)
	})
	for p, f := range children {
		sel.AddFuture(f, func(f workflow.Future) {
			if err := f.Get(ctx, &result.Partitions[p]); err != nil && failed == nil {
				failed = fmt.Errorf("partition %d: %w", p, err)
			}
			progress.Done++
		})
	}
	for progress.Done < in.Partitions {
		sel.Select(ctx)
	}
	return result, failed
}

// PartitionWorkflow runs the stages over one slice of the export, one
// activity per stage, in pipeline.Stages order. Between stages it holds
// while paused: "finish the running stage, start no other". The activities
// carry the retries and the heartbeats.
func PartitionWorkflow(ctx workflow.Context, in PartitionInput) (PartitionResult, error) {
	progress := PartitionProgress{}
	if err := workflow.SetQueryHandler(ctx, QueryProgress, func() (PartitionProgress, error) { return progress, nil }); err != nil {
		return PartitionResult{}, err
	}
	control := workflow.GetSignalChannel(ctx, SignalControl)
	take := func(c workflow.ReceiveChannel, _ bool) {
		var cmd string
		c.Receive(ctx, &cmd)
		progress.Paused = cmd == CommandPause
	}
	// The control signals are taken by this coroutine, while a stage runs
	// and before the next one starts. They once were taken by a goroutine of
	// their own, which missed a pause that came in the same workflow task as
	// the completion of the running stage: this coroutine resumed first and
	// started the next stage. Histories of that version replay on its code.
	legacy := workflow.GetVersion(ctx, "control-in-the-main-coroutine", workflow.DefaultVersion, 1) == workflow.DefaultVersion
	if legacy {
		workflow.Go(ctx, func(ctx workflow.Context) {
			var cmd string
			for control.Receive(ctx, &cmd) {
				progress.Paused = cmd == CommandPause
			}
		})
	}
	// stage runs one stage: it takes the control signals that are pending,
	// holds while paused, runs the stage's activity and waits for it,
	// taking the signals that come meanwhile.
	stage := func(s pipeline.Stage, actx workflow.Context, arg, result any) error {
		var cmd string
		for !legacy && control.ReceiveAsync(&cmd) {
			progress.Paused = cmd == CommandPause
		}
		progress.Stage, progress.Held = s, progress.Paused
		if legacy {
			if err := workflow.Await(ctx, func() bool { return !progress.Paused }); err != nil {
				return err
			}
		}
		for !legacy && progress.Paused {
			workflow.NewSelector(ctx).AddReceive(control, take).Select(ctx)
		}
		progress.Held = false
		f := workflow.ExecuteActivity(actx, string(s), arg)
		for !legacy && !f.IsReady() {
			workflow.NewSelector(ctx).AddFuture(f, func(workflow.Future) {}).AddReceive(control, take).Select(ctx)
		}
		if err := f.Get(ctx, result); err != nil {
			return fmt.Errorf("%s: %w", s, err)
		}
		return nil
	}

	attempts := in.ActivityAttempts
	if attempts <= 0 {
		attempts = DefaultActivityAttempts
	}
	retry := &temporal.RetryPolicy{InitialInterval: 200 * time.Millisecond, BackoffCoefficient: 2, MaximumInterval: 2 * time.Second, MaximumAttempts: attempts}
	quick := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute, RetryPolicy: retry})
	long := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 10 * time.Minute,
		HeartbeatTimeout:    in.HeartbeatTimeout,
		RetryPolicy:         retry,
	})

	var lines []pipeline.Line
	if err := stage(pipeline.Collect, quick, CollectInput{Source: in.Source, From: in.From, To: in.To}, &lines); err != nil {
		return PartitionResult{}, err
	}
	var cleaned CleanOutput
	if err := stage(pipeline.Clean, quick, lines, &cleaned); err != nil {
		return PartitionResult{}, err
	}
	var analyzed AnalyzeOutput
	if err := stage(pipeline.Analyze, long, cleaned.Readings, &analyzed); err != nil {
		return PartitionResult{}, err
	}
	rejects := slices.Concat(cleaned.Rejects, analyzed.Rejects)
	if err := stage(pipeline.Store, long, StoreInput{Results: analyzed.Results, Rejects: rejects}, nil); err != nil {
		return PartitionResult{}, err
	}
	progress.Done = true
	return PartitionResult{
		Partition: in.Partition, Lines: len(lines),
		Results: len(analyzed.Results), Rejects: len(rejects),
		AnalyzeAttempt: analyzed.Attempt, AnalyzeResumedAt: analyzed.ResumedAt,
	}, nil
}
