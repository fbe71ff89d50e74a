package manufacturing

import (
	"context"

	"github.com/patternlab/patternlab/kit/demoflag"
	"github.com/patternlab/patternlab/kit/narrate"
)

// Invariant is the sentence the demo's last line states (pattern.yaml holds
// the same).
const Invariant = "the hub's OEE, from the readings as delivered (out of order, some twice), " +
	"equals OEE recomputed from the raw readings, for every line and shift"

// Config is the demo's knobs.
type Config struct {
	Seed   uint64
	Shifts int     // shifts the plants work
	Copies float64 // share of readings the transport delivers twice
	Dedupe bool    // the safeguard: count each reading ID once (switch: -dedupe=false)
}

// DefaultConfig is what `make demo P=manufacturing` runs.
func DefaultConfig() Config { return Config{Seed: 7, Shifts: 3, Copies: 0.02, Dedupe: true} }

// Flags binds the demo's flags, with their ranges, to cfg.
func Flags(cfg *Config) *demoflag.Set {
	s := demoflag.New("manufacturing")
	s.Uint64(&cfg.Seed, "seed", "seed of the plant: same seed, same readings, same verdict")
	s.Int(&cfg.Shifts, "shifts", 1, 21, "eight-hour shifts the plants work")
	s.Float(&cfg.Copies, "copies", 0.001, 0.5, "share of readings the transport delivers twice")
	s.Bool(&cfg.Dedupe, "dedupe", "count each reading ID once at the hub (false: every copy counts)")
	return s
}

// Command parses the demo's arguments: cmd/demo, the switch test and the
// flag fuzz test all go through it.
func Command(args []string) (narrate.Demo, error) {
	cfg := DefaultConfig()
	if err := Flags(&cfg).Parse(args); err != nil {
		return nil, err
	}
	return func(ctx context.Context, n *narrate.Narrator) error { return Demo(ctx, n, cfg) }, nil
}
