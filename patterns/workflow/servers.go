package workflow

import (
	"context"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	enumspb "go.temporal.io/api/enums/v1"

	"github.com/patternlab/patternlab/kit/narrate"
	"github.com/patternlab/patternlab/kit/natsembed"
	"github.com/patternlab/patternlab/kit/temporaldev"
	"github.com/patternlab/patternlab/patterns/workflow/durable"
	"github.com/patternlab/patternlab/patterns/workflow/workqueue"
)

// servers are the servers of one demo run. They are opened before the first
// act and closed after the verdict (and after -hold), never inside an act:
// a learner holding the demo browses the streams and the Web UI of the run
// that just ended.
type servers struct {
	nats      *natsembed.Target   // nil unless the nats engine runs
	temporal  *temporaldev.Target // nil unless the temporal engine runs
	topology  workqueue.Topology
	taskQueue string
	cleanups  []func() // what the acts created on servers they did not start
}

// openServers starts (or, with NATS_URL and TEMPORAL_ADDRESS, finds) the
// servers the engines need. An embedded NATS lets only the pipeline's own
// user publish on its subjects. On a shared server every name the run
// creates carries a suffix of its own.
func openServers(ctx context.Context, cfg Config, runID string) (*servers, error) {
	s := &servers{taskQueue: durable.DefaultTaskQueue}
	if cfg.uses(EngineNATS) {
		tg, err := natsembed.FromEnv(natsembed.Options{Name: "workflow", Protect: []string{workqueue.Topology{}.Owned()}})
		if err != nil {
			return nil, err
		}
		s.nats = tg
		s.topology = workqueue.Topology{Subjects: tg.Unique("wf"), Streams: tg.Unique("WF"), AckWait: cfg.AckWait}.WithDefaults()
	}
	if cfg.uses(EngineTemporal) {
		tg, err := temporaldev.FromEnv(ctx, temporaldev.Options{UI: true})
		if err != nil {
			s.Close()
			return nil, err
		}
		s.temporal = tg
		if tg.Embedded == nil {
			s.taskQueue += "-" + runID // shared: a task queue of this run's own
		}
	}
	return s, nil
}

// onClose registers a cleanup of something an act created on a server.
func (s *servers) onClose(f func()) { s.cleanups = append(s.cleanups, f) }

// cleanupContext is for cleanups, which run after the demo's own context
// may have ended (Ctrl-C).
func cleanupContext() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), 10*time.Second)
}

// deleteStreams deletes the streams of the run's topology. It dials a
// connection of its own: it runs after the acts, whose connections are
// closed, and after a Ctrl-C.
func (s *servers) deleteStreams(n *narrate.Narrator) {
	ctx, cancel := cleanupContext()
	defer cancel()
	nc, err := natsembed.Connect(s.nats.URL, "workflow-cleanup")
	if err == nil {
		defer nc.Close()
		var js jetstream.JetStream
		if js, err = jetstream.New(nc); err == nil {
			err = s.topology.Delete(ctx, js)
		}
	}
	if err != nil {
		n.Step("servers", "could not delete the streams %s_*: %v", s.topology.Streams, err)
	}
}

// terminateBatch ends a batch that still runs (the demo was interrupted);
// one that has closed is left as it is, for its history.
func (s *servers) terminateBatch(n *narrate.Narrator, batchID string) {
	ctx, cancel := cleanupContext()
	defer cancel()
	c, err := s.temporal.Dial(ctx)
	if err != nil {
		n.Step("servers", "could not reach Temporal to end batch %s: %v", batchID, err)
		return
	}
	defer c.Close()
	d, err := c.DescribeWorkflow(ctx, batchID, "")
	if err != nil || d.RawResponse.GetWorkflowExecutionInfo().GetStatus() != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
		return
	}
	if err := c.TerminateWorkflow(ctx, batchID, "", "the demo ended before the batch"); err != nil {
		n.Step("servers", "could not end batch %s: %v", batchID, err)
		return
	}
	n.Step("servers", "terminated batch %s, which the demo ended before", batchID)
}

// Close undoes what the acts created, newest first, and stops the servers
// this run started.
func (s *servers) Close() {
	for i := len(s.cleanups) - 1; i >= 0; i-- {
		s.cleanups[i]()
	}
	s.cleanups = nil
	if s.nats != nil {
		s.nats.Close()
	}
	if s.temporal != nil {
		s.temporal.Close()
	}
}

// describe says on the demo's first lines which servers it uses.
func (s *servers) describe(r *run) {
	if s.nats != nil {
		r.n.Measure("servers", "%s", s.nats.Describe())
		if s.nats.External() {
			r.n.Step("servers", "NATS from %s: streams %s_* on subjects %s.*, deleted on exit", natsembed.EnvURL, s.topology.Streams, s.topology.Subjects)
		}
	}
	if s.temporal != nil {
		r.n.Measure("servers", "%s", s.temporal.Describe())
		if s.temporal.Embedded == nil {
			r.n.Step("servers", "Temporal from %s: task queue %s and workflow IDs of this run's own", temporaldev.EnvAddress, s.taskQueue)
		}
	}
}
