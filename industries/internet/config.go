package internet

import (
	"time"

	"github.com/patternlab/patternlab/industries/internet/clickstream"
	"github.com/patternlab/patternlab/industries/internet/eventtime"
	"github.com/patternlab/patternlab/kit/demoflag"
	"github.com/patternlab/patternlab/kit/narrate"
)

// Invariant is the sentence the demo's last line states (pattern.yaml holds
// the same).
const Invariant = "the streaming metrics equal a batch recomputation over the same log under the same lateness policy, " +
	"for every window; no event lost; every dropped event has its reason (duplicate, bot, late, malformed)"

// Config is the demo's knobs: the day's traffic, the lateness policy, the
// edge and the faults, and the safeguards (each a switch).
type Config struct {
	Traffic clickstream.Traffic
	Policy  eventtime.Policy

	Buffer  int     // the edge's capacity B, beacons
	LogRate float64 // what the log writer handles, beacons/s
	Window  int     // beacons the log writer may have unacknowledged
	Rate    float64 // how fast the usual traffic is played, beacons/s
	Crash   bool    // crash the window stage mid-window
	// CrashAfter is how many records past its last checkpoint the window
	// stage applies before the crash.
	CrashAfter int

	Time           string // "event" or "processing"
	SkewCorrection bool
	Dedupe         bool
	Bots           bool // filter crawlers
	Idempotent     bool
	LateRoute      bool
	DeadLetters    bool
	Bounded        bool
}

// DefaultConfig is what `make demo P=internet` runs.
func DefaultConfig() Config {
	return Config{
		Traffic: clickstream.DefaultTraffic(), Policy: eventtime.DefaultPolicy(),
		Buffer: 64, LogRate: 3000, Window: 32, Rate: 1500, Crash: true, CrashAfter: 40,
		Time: "event", SkewCorrection: true, Dedupe: true, Bots: true, Idempotent: true,
		LateRoute: true, DeadLetters: true, Bounded: true,
	}
}

// Safeguards are the window stage's switches as the config sets them.
func (c Config) Safeguards() eventtime.Safeguards {
	return eventtime.Safeguards{EventTime: c.Time == "event", SkewCorrection: c.SkewCorrection, Dedupe: c.Dedupe,
		Idempotent: c.Idempotent, RouteLate: c.LateRoute}
}

// Flags binds the demo's flags, with their ranges, to cfg.
func Flags(cfg *Config) *demoflag.Set {
	s := demoflag.New("internet")
	t, p := &cfg.Traffic, &cfg.Policy
	s.Uint64(&t.Seed, "seed", "seed of the day's traffic: same seed, same beacons, same verdict")
	s.Int(&t.Users, "users", 10, 2000, "people visiting the site")
	s.Int(&t.Bots, "bots", 0, 20, "crawlers, each fetching a page every 4 s for half an hour")
	s.Float(&t.Late, "held-back", 0, 0.5, "share of beacons a device holds back before sending")
	s.Duration(&t.Holdup, "holdup", 2*time.Second, time.Hour, "the longest a device holds a beacon back")
	s.Float(&t.Retries, "repeats", 0, 0.5, "share of beacons a device sends twice")
	s.Int(&t.Garbage, "malformed", 0, 1000, "malformed beacons in the day's traffic")
	s.Duration(&t.Skew, "skew", 0, 2*time.Hour, "how far ahead web-3's clock jumps")
	s.Int(&t.Factor, "spike", 1, 20, "the flash campaign's traffic, as a multiple of the usual (1: no spike)")
	s.Duration(&p.Lateness, "lateness", 0, 10*time.Minute, "allowed lateness of a window")
	s.Duration(&p.Disorder, "disorder", 0, time.Minute, "how far the watermark trails the latest event time")
	s.Int(&cfg.Buffer, "buffer", 1, 4096, "the edge's capacity B in front of the log writer, beacons")
	s.Int(&cfg.Window, "window", 1, 1024, "beacons the log writer may have unacknowledged")
	s.Float(&cfg.LogRate, "log-rate", 100, 1e6, "what the log writer handles, beacons/s")
	s.Float(&cfg.Rate, "rate", 10, 1e5, "how fast the usual traffic is played, beacons/s")
	s.Bool(&cfg.Crash, "crash", "crash the window stage mid-window, and restart it from its checkpoint")
	s.Int(&cfg.CrashAfter, "crash-after", 1, 10_000, "records the window stage applies past its checkpoint before it crashes")
	s.Choice(&cfg.Time, "time", []string{"event", "processing"}, "the windows' clock (processing: by arrival, the anti-pattern)")
	s.Bool(&cfg.SkewCorrection, "skew-correction", "correct a device's clock by its offset at send time")
	s.Bool(&cfg.Dedupe, "dedupe", "drop a device's repeat of an event already counted")
	s.Bool(&cfg.Bots, "bots-filter", "drop crawlers' events")
	s.Bool(&cfg.Idempotent, "idempotent", "write whole window results with the checkpoint (false: add each event as it is counted)")
	s.Bool(&cfg.LateRoute, "late-route", "send late events to the late-data stream with their reason")
	s.Bool(&cfg.DeadLetters, "dead-letters", "send malformed beacons to the dead letters with their reason")
	s.Bool(&cfg.Bounded, "bounded", "bound the edge's buffer (false: an unbounded queue)")
	s.Check(func() error { return cfg.Validate() })
	return s
}

// Validate rejects combinations the demo cannot run with.
func (c Config) Validate() error {
	if c.Traffic.Factor > 1 && c.LogRate >= c.Rate*float64(c.Traffic.Factor) {
		return narrate.FlagError("log-rate", "must be below the spike's rate (%.0f beacons/s = -rate × -spike) for the spike to push back, got %.0f",
			c.Rate*float64(c.Traffic.Factor), c.LogRate)
	}
	if c.LogRate <= c.Rate {
		return narrate.FlagError("log-rate", "must be above -rate (%.0f beacons/s), or the log never catches up, got %.0f", c.Rate, c.LogRate)
	}
	return nil
}

// Command parses the demo's arguments: cmd/demo, the switch test and the
// flag fuzz test all go through it.
func Command(args []string) (narrate.Demo, error) {
	return demoflag.Command(args, DefaultConfig(), Flags, Demo)
}
