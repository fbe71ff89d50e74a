package workflow

import (
	"slices"
	"strings"
	"time"

	"github.com/patternlab/patternlab/kit/narrate"
	"github.com/patternlab/patternlab/patterns/workflow/pipeline"
)

// Engine names one implementation of the pipeline.
type Engine string

// The engines, in the order the demo runs them.
const (
	EngineGoroutines Engine = "goroutines" // package goroutines
	EngineNATS       Engine = "nats"       // package workqueue
	EngineTemporal   Engine = "temporal"   // package durable
)

// Engines are the three implementations, in the order the demo runs them.
var Engines = []Engine{EngineGoroutines, EngineNATS, EngineTemporal}

// Config is what the demo runs; DefaultConfig is the learner's run.
type Config struct {
	Seed    uint64 // the dataset
	Records int    // lines in the dataset
	// FanOut is how many readings are analyzed at once in every engine:
	// goroutines, 2 NATS consumer processes with FanOut/2 each, and one
	// Temporal child workflow per partition.
	FanOut int
	// AnalyzeLatency is the scoring service's response time per reading.
	AnalyzeLatency time.Duration
	MaxAttempts    int // analyze attempts per reading before it is rejected
	Poison         int // readings the scoring service always fails on
	Engines        []Engine
	// Crash kills a worker process with SIGKILL mid-stage in the nats and
	// temporal runs.
	Crash bool
	// AckWait (NATS) and HeartbeatTimeout (Temporal) are how fast a dead
	// worker's work is handed to another.
	AckWait          time.Duration
	HeartbeatTimeout time.Duration
	// Dir keeps the run's files (input, databases, worker logs) there;
	// empty means a temporary directory removed at the end.
	Dir string
	// Hold keeps the servers up after the verdict until ctx ends, to browse
	// the Temporal Web UI.
	Hold bool

	// The safeguards the invariant depends on, all on by default; each of
	// the demo's switches turns one off, and the verdict must catch it.
	Safeguards Safeguards
}

// Safeguards are the mechanisms the invariant depends on.
type Safeguards struct {
	// Upsert: the sink merges writes by key, so a duplicate line, a
	// redelivered message or a retried activity leaves one row (-upsert).
	Upsert bool
	// Rejects: the sink records every rejection with its reason
	// (-rejects).
	Rejects bool
	// Bounded: the in-process hand-offs have a capacity, so a slow stage
	// holds the collector back (-bounded).
	Bounded bool
	// AckAfterPublish: a stage consumer acknowledges its input only after
	// the next stream has stored its output (-ack-after-publish).
	AckAfterPublish bool
	// Retry: Temporal retries an activity whose worker died (-retry).
	Retry bool
}

// AllSafeguards is every safeguard on.
func AllSafeguards() Safeguards {
	return Safeguards{Upsert: true, Rejects: true, Bounded: true, AckAfterPublish: true, Retry: true}
}

// DefaultConfig is the run `go run ./patterns/workflow/cmd/demo` does.
func DefaultConfig() Config {
	return Config{
		Seed: 1, Records: 1200, FanOut: 4,
		AnalyzeLatency: 2 * time.Millisecond, MaxAttempts: pipeline.DefaultMaxAttempts, Poison: 1,
		Engines: slices.Clone(Engines), Crash: true,
		AckWait: 2 * time.Second, HeartbeatTimeout: 2 * time.Second,
		Safeguards: AllSafeguards(),
	}
}

// The in-process pipeline's hand-offs and store batch in the demo: small,
// so that the bound they set is well below the smallest input (-records
// 100) and a run that breaks it shows.
const (
	demoBuffer = 16
	demoBatch  = 32
)

// consumerBatch is how many messages a stage consumer takes at once.
const consumerBatch = 64

// The limits of the flags, and of the work they ask for.
const (
	minRecords, maxRecords = 100, 20_000
	maxPartition           = 5_000 // records per Temporal partition: payload limits
	maxScoring             = 5 * time.Minute
)

// Validate says what is wrong with a config, as a usage error: every flag's
// range, and the combinations that cannot work (internal deadlines that
// would be too short, a switch whose fault is not scheduled).
func (c Config) Validate() error {
	switch {
	case c.Records < minRecords || c.Records > maxRecords:
		return narrate.FlagError("records", "%d: want %d to %d", c.Records, minRecords, maxRecords)
	case c.FanOut < 2 || c.FanOut > 16:
		return narrate.FlagError("fanout", "%d: want 2 to 16", c.FanOut)
	case c.AnalyzeLatency < 0 || c.AnalyzeLatency > 100*time.Millisecond:
		return narrate.FlagError("latency", "%s: want 0 to 100ms", c.AnalyzeLatency)
	case c.MaxAttempts < 1 || c.MaxAttempts > 10:
		return narrate.FlagError("attempts", "%d: want 1 to 10", c.MaxAttempts)
	case c.Poison < 0 || c.Poison > 10:
		return narrate.FlagError("poison", "%d: want 0 to 10", c.Poison)
	case len(c.Engines) == 0:
		return narrate.FlagError("engines", "name at least one of %s", engineList(Engines))
	case c.AckWait < 100*time.Millisecond || c.AckWait > time.Minute:
		return narrate.FlagError("ackwait", "%s: want 100ms to 1m", c.AckWait)
	case c.HeartbeatTimeout < time.Second || c.HeartbeatTimeout > time.Minute:
		return narrate.FlagError("heartbeat", "%s: want 1s to 1m", c.HeartbeatTimeout)
	}
	for _, e := range c.Engines {
		if !slices.Contains(Engines, e) {
			return narrate.FlagError("engines", "unknown %q, want some of %s", e, engineList(Engines))
		}
	}
	if c.Records/c.FanOut > maxPartition {
		return narrate.FlagError("records", "%d with -fanout %d: at most %d records per Temporal partition (payload limits)", c.Records, c.FanOut, maxPartition)
	}
	if s := c.scoring(); s > maxScoring {
		return narrate.FlagError("latency", "%s with -records %d and -fanout %d is %s of scoring per engine; at most %s", c.AnalyzeLatency, c.Records, c.FanOut, s.Round(time.Second), maxScoring)
	}
	if hold := c.consumerHold(); c.uses(EngineNATS) && c.AckWait < hold {
		return narrate.FlagError("ackwait", "%s is shorter than the %s a stage consumer may hold a message (a batch of %d readings at -latency %s, %d at once, and the next batch prefetched behind it): messages would be redelivered while they are being analyzed",
			c.AckWait, hold, consumerBatch, c.AnalyzeLatency, c.consumerConcurrency())
	}
	if need := c.minHeartbeat(); c.uses(EngineTemporal) && c.HeartbeatTimeout < need {
		return narrate.FlagError("heartbeat", "%s is shorter than %s, twice the longest silence of the analyze activity (one reading: %d attempts at -latency %s and their backoff, then a throttled heartbeat)",
			c.HeartbeatTimeout, need, c.MaxAttempts, c.AnalyzeLatency)
	}
	return c.validateSwitches()
}

// validateSwitches refuses a switched-off safeguard the run cannot show
// breaking: its engine is not run, or the fault it exists for is not
// scheduled.
func (c Config) validateSwitches() error {
	g := c.Safeguards
	switch {
	case !g.Bounded && !c.uses(EngineGoroutines):
		return narrate.FlagError("bounded", "false breaks the goroutines engine, which -engines leaves out")
	case !g.AckAfterPublish && !c.uses(EngineNATS):
		return narrate.FlagError("ack-after-publish", "false breaks the nats engine, which -engines leaves out")
	case !g.AckAfterPublish && !c.Crash:
		return narrate.FlagError("ack-after-publish", "false matters only when a consumer dies between its two commits: it needs -crash")
	case !g.Retry && !c.uses(EngineTemporal):
		return narrate.FlagError("retry", "false breaks the temporal engine, which -engines leaves out")
	case !g.Retry && !c.Crash:
		return narrate.FlagError("retry", "false matters only when a worker dies mid-activity: it needs -crash")
	}
	return nil
}

func (c Config) uses(e Engine) bool { return slices.Contains(c.Engines, e) }

// stageConfig is what every engine's stages run with.
func (c Config) stageConfig(poison []string) pipeline.StageConfig {
	return pipeline.StageConfig{AnalyzeLatency: c.AnalyzeLatency, MaxAttempts: c.MaxAttempts, PoisonKeys: poison}
}

// sinkOptions are the sink's faults the switches ask for.
func (c Config) sinkOptions() pipeline.SinkOptions {
	return pipeline.SinkOptions{Append: !c.Safeguards.Upsert, DropRejects: !c.Safeguards.Rejects}
}

// scoring is how long one engine spends calling the scoring service, at
// the configured fan-out: the part of a run that grows with the flags.
func (c Config) scoring() time.Duration {
	worst := c.stageConfig(nil).WorstCase()
	return time.Duration(c.Records)*c.AnalyzeLatency/time.Duration(c.FanOut) + time.Duration(c.Poison)*worst
}

// deadline bounds one engine's run: its scoring three times over, plenty of
// AckWait and heartbeat rounds for the crash and the retries, and two
// minutes for everything that does not grow with the flags (processes, a
// dev server, a loaded machine). No wait inside an act is shorter than
// what the flags ask for.
func (c Config) deadline() time.Duration {
	return 2*time.Minute + 3*c.scoring() + 10*(c.AckWait+c.HeartbeatTimeout)
}

func (c Config) consumerConcurrency() int { return max(1, c.FanOut/2) }

// consumerHold is the longest a stage consumer holds an analyze batch: a
// batch in hand and the next one prefetched behind it.
func (c Config) consumerHold() time.Duration {
	return 2 * consumerBatch * c.AnalyzeLatency / time.Duration(c.consumerConcurrency())
}

// minHeartbeat is the shortest heartbeat timeout that a live analyze
// activity cannot miss: it heartbeats between readings, at most every
// 100ms and throttled to 200ms, and one reading can take WorstCase.
func (c Config) minHeartbeat() time.Duration {
	return 2 * (c.stageConfig(nil).WorstCase() + 300*time.Millisecond)
}

func engineList(es []Engine) string {
	names := make([]string, len(es))
	for i, e := range es {
		names[i] = string(e)
	}
	if len(names) == 1 {
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// InvariantFor is the invariant the demo states for a set of engines.
func InvariantFor(es []Engine) string {
	s := "the " + engineList(es) + " stores hold identical results; "
	if len(es) == 1 {
		s = "the " + engineList(es) + " store holds the expected results; "
	}
	s += "every input record is stored exactly once or rejected with a reason"
	if slices.Contains(es, EngineGoroutines) {
		s += "; the in-process pipeline never holds more lines than its bound"
	}
	return s
}
