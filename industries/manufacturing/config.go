package manufacturing

import (
	"time"

	"github.com/patternlab/patternlab/kit/demoflag"
	"github.com/patternlab/patternlab/kit/narrate"
)

// Invariant is the sentence the demo's last line states (pattern.yaml holds
// the same).
const Invariant = "the hub's live OEE equals OEE recomputed from the raw readings archived at the edges, for every line and shift; " +
	"no stop event lost or duplicated; every line stopped within the time budget, also while its link was down; " +
	"the hub's OEE consumer held at most W readings during the catch-up"

// Config is the demo's knobs.
type Config struct {
	Seed    uint64
	Pace    time.Duration // wall time of one 5-minute interval of plant time
	Budget  time.Duration // a line must be told to stop within this of the anomalous reading
	Window  int           // W, the hub consumer's credit window
	HubRate float64       // readings/s the hub's OEE consumer handles
	Flood   int           // malformed payloads the faulty machine sends

	LocalStop, Dedupe, CreditWindow bool
}

// DefaultConfig is what `make demo P=manufacturing` runs.
func DefaultConfig() Config {
	return Config{Seed: 7, Pace: 40 * time.Millisecond, Budget: time.Second, Window: 16, HubRate: 1000, Flood: 45,
		LocalStop: true, Dedupe: true, CreditWindow: true}
}

// Flags binds the demo's flags, with their ranges, to cfg.
func Flags(cfg *Config) *demoflag.Set {
	s := demoflag.New("manufacturing")
	s.Uint64(&cfg.Seed, "seed", "seed of the plants: same seed, same readings, same verdict")
	s.Duration(&cfg.Pace, "pace", 5*time.Millisecond, time.Second, "wall time of one 5-minute interval of plant time (the time compression)")
	s.Duration(&cfg.Budget, "budget", 10*time.Millisecond, 10*time.Second, "a line must be told to stop within this of the anomalous reading")
	s.Int(&cfg.Window, "window", 1, 4096, "W: readings the hub's OEE consumer may hold delivered and unacknowledged")
	s.Float(&cfg.HubRate, "hub-rate", 100, 1e6, "readings/s the hub's OEE consumer handles")
	s.Int(&cfg.Flood, "flood", 1, 10_000, "malformed payloads machine b-l1-m3 floods its edge with")
	s.Bool(&cfg.LocalStop, "local-stop", "the edge stops a line itself (false: the hub decides, across the WAN)")
	s.Bool(&cfg.Dedupe, "dedupe", "message IDs on readings and events, and the hub counts a reading ID once (false: every copy counts)")
	s.Bool(&cfg.CreditWindow, "credit-window", "the hub's OEE consumer takes at most W readings at a time (false: the whole backlog)")
	return s
}

// Command parses the demo's arguments: cmd/demo, the switch test and the
// flag fuzz test all go through it.
func Command(args []string) (narrate.Demo, error) {
	return demoflag.Command(args, DefaultConfig(), Flags, Demo)
}
