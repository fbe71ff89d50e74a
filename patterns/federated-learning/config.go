package federatedlearning

import (
	"time"

	"github.com/patternlab/patternlab/kit/demoflag"
	"github.com/patternlab/patternlab/kit/narrate"
)

// Config is the demo's knobs.
type Config struct {
	Sites       int
	PerRound    int
	Rounds      int
	Samples     int // per site, about (±50%)
	Epochs      int
	LR          float64
	Batch       int
	Seed        uint64
	Aggregator  string
	Trim        int
	Quorum      int
	Deadline    time.Duration
	Epsilon     float64
	PoisonScale float64
	TestSize    int

	// The safeguards, each with its switch.
	Dedupe        bool // -dedupe=false: count every update message, whatever its round
	RoundDeadline bool // -round-deadline=false: wait for every selected site
	Resume        bool // -resume=false: the restarted coordinator starts from scratch
	DataLocal     bool // -data-local=false: sites upload their raw shards too
}

// DefaultConfig is what `make demo P=federated-learning` runs.
func DefaultConfig() Config {
	return Config{Sites: 8, PerRound: 8, Rounds: 30, Samples: 400, Epochs: 2, LR: 1, Batch: 32, Seed: 1,
		Aggregator: TrimmedMean, Trim: 1, Quorum: 5, Deadline: 2 * time.Second, Epsilon: 0.05, PoisonScale: 10,
		TestSize: 2000, Dedupe: true, RoundDeadline: true, Resume: true, DataLocal: true}
}

// Flags binds the demo's flags, with their ranges, to cfg.
func Flags(cfg *Config) *demoflag.Set {
	s := demoflag.New("federated-learning")
	s.Int(&cfg.Sites, "sites", 5, 64, "edge sites, each with a private shard (the last one is compromised)")
	s.Int(&cfg.PerRound, "per-round", 3, 64, "sites selected per round (at most -sites)")
	s.Int(&cfg.Rounds, "rounds", 8, 500, "rounds of federated averaging")
	s.Int(&cfg.Samples, "samples", 50, 20_000, "readings per site, about (±50%)")
	s.Int(&cfg.Epochs, "epochs", 1, 50, "local epochs E per round")
	s.Float(&cfg.LR, "lr", 0.001, 10, "learning rate η of the local training")
	s.Int(&cfg.Batch, "batch", 1, 4096, "mini-batch size of the local training")
	s.Uint64(&cfg.Seed, "seed", "seed of the data, the training and the site selection")
	s.Choice(&cfg.Aggregator, "aggregator", Aggregators, "how the coordinator combines updates (mean is plain FedAvg: the poisoned site wins)")
	s.Int(&cfg.Trim, "trim", 0, 31, "values trimmed at each end of every weight by trimmed-mean")
	s.Int(&cfg.Quorum, "quorum", 1, 64, "fewest updates a round commits with")
	s.Duration(&cfg.Deadline, "deadline", 100*time.Millisecond, time.Minute, "round deadline: the round closes with the updates it has")
	s.Float(&cfg.Epsilon, "epsilon", 0, 1, "ε: the global model's accuracy may trail the central model's by at most this")
	s.Float(&cfg.PoisonScale, "poison-scale", 1, 1000, "the compromised site flips its update and scales it by this")
	s.Int(&cfg.TestSize, "test-size", 200, 100_000, "held-out readings the models are scored on")
	s.Bool(&cfg.Dedupe, "dedupe", "count an update only for its own round, once per site (false: the demo must end VIOLATED)")
	s.Bool(&cfg.RoundDeadline, "round-deadline", "close a round at its deadline (false: wait for every site; the demo must end VIOLATED)")
	s.Bool(&cfg.Resume, "resume", "a restarted coordinator resumes from the committed model (false: the demo must end VIOLATED)")
	s.Bool(&cfg.DataLocal, "data-local", "sites send model updates only (false: they upload their raw shards; the demo must end VIOLATED)")
	s.Check(func() error { return cfg.Validate() }) // a closure: cfg.Validate would bind a copy of the defaults
	return s
}

// MinDeadline is the shortest round deadline the flags allow: an honest
// site must train E epochs over its shard and publish well within it, even
// on a loaded machine (2 µs per sample and epoch is about 40 times what the
// training takes here).
func (c Config) MinDeadline() time.Duration {
	return 100*time.Millisecond + time.Duration(c.Samples*3/2*c.Epochs)*2*time.Microsecond
}

// Validate rejects combinations the demo cannot run with.
func (c Config) Validate() error {
	switch {
	case c.PerRound > c.Sites:
		return narrate.FlagError("per-round", "must be at most -sites (%d), got %d", c.Sites, c.PerRound)
	case c.Quorum > c.PerRound-1:
		return narrate.FlagError("quorum", "must be below -per-round (%d): the straggler and dropout rounds have one update less, got %d", c.PerRound, c.Quorum)
	case c.Aggregator == TrimmedMean && c.Quorum < 2*c.Trim+1:
		return narrate.FlagError("quorum", "trimmed-mean with -trim %d needs a quorum of at least %d, got %d", c.Trim, 2*c.Trim+1, c.Quorum)
	case c.Deadline < c.MinDeadline():
		return narrate.FlagError("deadline", "%s is too short for %d epochs over up to %d samples: at least %s", c.Deadline, c.Epochs, c.Samples*3/2, c.MinDeadline())
	}
	if _, ok := demoflag.Product(2_000_000_000, int64(c.Sites), int64(c.Samples), int64(c.Epochs), int64(c.Rounds)); !ok {
		return narrate.FlagError("rounds", "sites × samples × epochs × rounds must stay within 2e9 sample-steps (about a minute of training)")
	}
	if _, ok := demoflag.Product(1_000_000, int64(c.Sites), int64(c.Samples)); !ok {
		return narrate.FlagError("samples", "sites × samples must stay within 1e6 readings")
	}
	return nil
}

// Derived timings: everything waits in proportion to the round deadline.
func (c Config) straggleFor() time.Duration { return 4 * c.Deadline } // a straggler's update this late
func (c Config) roundBound() time.Duration  { return 2 * c.Deadline } // broadcast to commit, as the tap sees it
func (c Config) giveUpAfter() time.Duration { return 6 * c.Deadline } // a round without a deadline, abandoned
func (c Config) ackWait() time.Duration     { return 5*time.Second + 2*c.Deadline }

// Command parses the demo's arguments: cmd/demo, the switch test and the
// flag fuzz test all go through it.
func Command(args []string) (narrate.Demo, error) {
	return demoflag.Command(args, DefaultConfig(), Flags, Demo)
}
