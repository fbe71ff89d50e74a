package edgeiot

import (
	"time"

	"github.com/patternlab/patternlab/kit/demoflag"
	"github.com/patternlab/patternlab/kit/narrate"
)

// Config is what the demo runs.
type Config struct {
	Devices   int     // machines on the plant floor
	Readings  int     // payloads per machine in act 1, in each cut of act 2, and in act 3
	Outage    int     // payloads per machine during the long outage of act 4
	Rate      float64 // payloads per second per machine
	Seed      uint64  // replays the same payloads
	Malformed float64 // share of payloads that are broken
	Anomalies float64 // share of valid readings above the alert limit
	Buffer    int     // the edge's store-and-forward buffer, in readings
	Cuts      int     // link cuts in act 2, each with an act of readings

	// The safeguards the invariant depends on; each has a switch that turns
	// it off (pattern.yaml lists them).
	Dedupe          bool // message IDs, deduplicated at the edge and at the hub
	DiscardNew      bool // a full buffer refuses new readings rather than evicting old ones
	BufferLimit     bool // the buffer has a limit at all
	DeadLetter      bool // what the gateway refuses goes to the dead-letter stream
	StoreAndForward bool // readings are stored at the edge and forwarded, not sent straight to the hub
}

// DefaultConfig is the demo `go run ./patterns/edge-iot/cmd/demo` runs.
func DefaultConfig() Config {
	return Config{
		Devices: 6, Readings: 40, Outage: 80, Rate: 200, Seed: 7,
		Malformed: 0.05, Anomalies: 0.03, Buffer: 300, Cuts: 1,
		Dedupe: true, DiscardNew: true, BufferLimit: true, DeadLetter: true, StoreAndForward: true,
	}
}

// Bounds of the flags that span several of them.
const (
	maxPayloads = 2_000_000        // payloads the whole run publishes (the audit keeps them all)
	maxPublish  = 30 * time.Minute // publishing time of the whole run at -rate
)

// Flags declares the demo's flags on cfg, with their ranges.
func Flags(cfg *Config) *demoflag.Set {
	s := demoflag.New("edge-iot")
	s.Int(&cfg.Devices, "devices", 1, 99, "machines publishing over MQTT")
	s.Int(&cfg.Readings, "readings", 1, 100_000, "payloads per machine in act 1, in each cut of act 2 and in act 3")
	s.Int(&cfg.Outage, "outage", 1, 100_000, "payloads per machine during the long outage of act 4 (devices x outage must exceed -buffer)")
	s.Float(&cfg.Rate, "rate", 1, 100_000, "payloads per second per machine")
	s.Uint64(&cfg.Seed, "seed", "seed of the simulated sensors (values, anomalies, malformed payloads)")
	s.Float(&cfg.Malformed, "malformed", 0, 0.5, "share of malformed payloads")
	s.Float(&cfg.Anomalies, "anomalies", 0, 0.5, "share of readings over the 90 °C alert limit")
	s.Int(&cfg.Buffer, "buffer", 1, 200_000, "the edge's store-and-forward buffer, in readings (at least devices x readings)")
	s.Int(&cfg.Cuts, "cuts", 1, 1000, "how many times act 2 cuts the link, each with an act of readings")
	s.Bool(&cfg.Dedupe, "dedupe", "deduplicate by message ID at the edge and at the hub (false: a redelivered reading is stored twice)")
	s.Bool(&cfg.DiscardNew, "discard-new", "a full buffer refuses new readings (false: it evicts the oldest, which the hub never gets)")
	s.Bool(&cfg.BufferLimit, "buffer-limit", "the buffer holds at most -buffer readings (false: no limit)")
	s.Bool(&cfg.DeadLetter, "dead-letter", "refused readings and malformed payloads go to the dead-letter stream (false: acknowledged and dropped)")
	s.Bool(&cfg.StoreAndForward, "store-and-forward", "store readings at the edge and forward them (false: send them straight to the hub, lost while the link is cut)")
	s.Check(cfg.Validate)
	return s
}

// Command parses the demo's flags (see Flags) into a runnable demo.
func Command(args []string) (narrate.Demo, error) {
	return demoflag.Command(args, DefaultConfig(), Flags, Demo)
}

// perDevice is how many payloads each machine publishes in the whole run.
func (c Config) perDevice() int { return c.Readings*(2+c.Cuts) + c.Outage }

// Validate says what is wrong with a configuration, as a usage error naming
// the flag: the ranges of Flags, and the rules that span flags.
func (c Config) Validate() error {
	switch {
	case c.Devices < 1 || c.Devices > 99:
		return narrate.FlagError("devices", "%d is out of range 1..99", c.Devices)
	case c.Readings < 1 || c.Readings > 100_000:
		return narrate.FlagError("readings", "%d is out of range 1..100000", c.Readings)
	case c.Outage < 1 || c.Outage > 100_000:
		return narrate.FlagError("outage", "%d is out of range 1..100000", c.Outage)
	case !(c.Rate >= 1 && c.Rate <= 100_000):
		return narrate.FlagError("rate", "%g is out of range 1..100000", c.Rate)
	case !(c.Malformed >= 0 && c.Malformed <= 0.5):
		return narrate.FlagError("malformed", "%g is out of range 0..0.5", c.Malformed)
	case !(c.Anomalies >= 0 && c.Anomalies <= 0.5):
		return narrate.FlagError("anomalies", "%g is out of range 0..0.5", c.Anomalies)
	case c.Cuts < 1 || c.Cuts > 1000:
		return narrate.FlagError("cuts", "%d is out of range 1..1000", c.Cuts)
	case c.Buffer < 1 || c.Buffer > 200_000:
		return narrate.FlagError("buffer", "%d is out of range 1..200000", c.Buffer)
	case c.Buffer < c.Devices*c.Readings:
		return narrate.FlagError("buffer", "%d must hold one act of readings (devices x readings = %d): act 2's cut must fit",
			c.Buffer, c.Devices*c.Readings)
	case c.Devices*c.Outage <= c.Buffer:
		return narrate.FlagError("outage", "act 4's outage (devices x outage = %d payloads) must exceed the buffer (%d): it is the outage longer than the buffer",
			c.Devices*c.Outage, c.Buffer)
	}
	if total, ok := demoflag.Product(maxPayloads, int64(c.Devices), int64(c.perDevice())); !ok {
		return narrate.FlagError("readings", "the run would publish %d payloads (devices x (readings x (2 + cuts) + outage)), over %d", total, maxPayloads)
	}
	if d := c.publishTime(); d > maxPublish {
		return narrate.FlagError("rate", "at %g payloads/s the machines would publish for %s, over %s", c.Rate, d.Round(time.Second), maxPublish)
	}
	return nil
}

// publishTime is how long the machines publish, in all, at the configured
// rate.
func (c Config) publishTime() time.Duration {
	return time.Duration(float64(c.perDevice()) / c.Rate * float64(time.Second))
}

// deadline bounds the whole demo: the publishing time, three times over for
// a loaded machine, plus what each act's waits take (link detection, the
// catch-up, the landing stream's redelivery after the crash) with room.
func (c Config) deadline() time.Duration {
	return 2*time.Minute + 3*c.publishTime() + time.Duration(c.Cuts)*20*time.Second
}

// safeguards turns the configuration's switches into the topology's.
func (c Config) safeguards() Safeguards {
	return Safeguards{
		NoDedupe:          !c.Dedupe,
		DiscardOld:        !c.DiscardNew,
		NoBufferLimit:     !c.BufferLimit,
		NoDeadLetter:      !c.DeadLetter,
		NoStoreAndForward: !c.StoreAndForward,
	}
}
