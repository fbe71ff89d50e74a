package backpressure

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/patternlab/patternlab/kit/demoflag"
	"github.com/patternlab/patternlab/kit/narrate"
)

// Names of the strategies, in the order Demo runs them.
const (
	NameUnbounded = "unbounded-buffer"
	NameBounded   = "bounded-channel"
	NameShedding  = "load-shedding"
	NameJetStream = "jetstream-pull"
)

// StrategyNames lists every strategy Demo can run, in its order.
var StrategyNames = []string{NameUnbounded, NameBounded, NameShedding, NameJetStream}

// Config is what the demo runs: flags map one to one onto its fields.
type Config struct {
	Messages    int           // N, messages per strategy
	ServiceRate float64       // μ, the consumer's msg/s
	Overload    float64       // k: the producer offers λ = k·μ msg/s
	PayloadSize int           // bytes per message
	Buffer      int           // B: queue capacity of the bounded strategies
	Window      int           // W: JetStream MaxAckPending (credit window)
	AckWait     time.Duration // JetStream redelivery timeout
	Seed        uint64        // arrival gaps and payload bytes
	Strategies  []string      // which strategies to run; empty means all
	Crash       bool          // the JetStream consumer crashes after processing, before its ack
	CatchUp     bool          // the JetStream consumer comes back to a backlog of the whole workload

	// The safeguards the invariant depends on. Each has a flag that turns it
	// off (pattern.yaml lists them as switches); the demo then ends VIOLATED
	// with the evidence.
	Block        bool // bounded-channel: a full channel blocks the producer
	Admission    bool // load-shedding: refuse, and count, what the consumer cannot take
	StreamLimit  bool // jetstream-pull: the stream holds at most B (DiscardNew)
	CreditWindow bool // jetstream-pull: at most W delivered and unacknowledged
	Inbox        bool // jetstream-pull: the receiver skips what it already applied
}

// Limits of the demo's flags.
const (
	MaxMessages     = 10_000_000
	MaxServiceRate  = 100_000
	MaxOverload     = 1000
	MaxPayload      = 256 << 10
	MaxBuffer       = 100_000
	MinAckWait      = 100 * time.Millisecond
	MaxAckWait      = time.Minute
	MaxWorkloadSize = 512 << 20 // the unbounded buffer may hold all of it
	// MaxActDuration bounds N/μ, the time the consumer needs for one act.
	MaxActDuration = 10 * time.Minute
)

// DefaultConfig is the demo's default: 15,000 messages of 4 KiB, a consumer
// of 5,000 msg/s and a producer ten times faster, B = 256, W = 64, every act
// and every safeguard on.
func DefaultConfig() Config {
	return Config{
		Messages:     15_000,
		ServiceRate:  5_000,
		Overload:     10,
		PayloadSize:  4 << 10,
		Buffer:       256,
		Window:       64,
		AckWait:      time.Second,
		Seed:         1,
		Strategies:   slices.Clone(StrategyNames),
		Crash:        true,
		CatchUp:      true,
		Block:        true,
		Admission:    true,
		StreamLimit:  true,
		CreditWindow: true,
		Inbox:        true,
	}
}

// Flags declares the demo's flags on cfg, each with its range; the rules
// that span flags run last (Validate).
func Flags(cfg *Config) *demoflag.Set {
	s := demoflag.New("backpressure")
	s.Int(&cfg.Messages, "messages", 1, MaxMessages, "N: messages offered to each strategy")
	s.Float(&cfg.ServiceRate, "rate", 1, MaxServiceRate, "μ: the consumer's service rate, msg/s")
	s.Float(&cfg.Overload, "overload", 1, MaxOverload, "k: the producer offers k × rate msg/s")
	s.Int(&cfg.PayloadSize, "payload", HeaderSize, MaxPayload, "bytes per message")
	s.Int(&cfg.Buffer, "buffer", 1, MaxBuffer, "B: capacity of the bounded queues and of the JetStream stream")
	s.Int(&cfg.Window, "window", 1, MaxBuffer, "W: the JetStream consumer's credit window (MaxAckPending), at most -buffer")
	s.Duration(&cfg.AckWait, "ack-wait", MinAckWait, MaxAckWait, "JetStream AckWait: when unacked messages are redelivered")
	s.Uint64(&cfg.Seed, "seed", "seed of arrival times and payloads")
	s.List(&cfg.Strategies, "strategies", StrategyNames, "strategies to run, in the demo's order")
	s.Bool(&cfg.Crash, "crash", "act: the JetStream consumer crashes after processing a message, before its ack")
	s.Bool(&cfg.CatchUp, "catch-up", "act: the JetStream consumer comes back to a backlog of the whole workload")
	s.Bool(&cfg.Block, "block", "safeguard: a full bounded channel blocks the producer (false: it drops the message unseen)")
	s.Bool(&cfg.Admission, "admission", "safeguard: the shedder refuses what the consumer cannot take (false: it admits everything)")
	s.Bool(&cfg.StreamLimit, "stream-limit", "safeguard: the JetStream stream holds at most B (false: no limit)")
	s.Bool(&cfg.CreditWindow, "credit-window", "safeguard: at most W messages delivered and unacked (false: the consumer pulls all it can)")
	s.Bool(&cfg.Inbox, "inbox", "safeguard: the JetStream receiver skips messages it already applied (false: at-least-once)")
	// a closure, not the method value cfg.Validate: that would copy *cfg
	// now and validate the defaults
	s.Check(func() error { return cfg.Validate() })
	return s
}

// Command parses the demo's arguments: the one entry point of cmd/demo, the
// switch tests and the flag fuzz test.
func Command(args []string) (narrate.Demo, error) {
	return demoflag.Command(args, DefaultConfig(), Flags, Demo)
}

// Validate rejects values the demo cannot run well, with a message naming
// the flag, the rule and the value it got.
func (c Config) Validate() error {
	switch {
	case c.Messages < 1 || c.Messages > MaxMessages:
		return narrate.Usagef("-messages must be between 1 and %d, got %d", MaxMessages, c.Messages)
	case !(c.ServiceRate >= 1 && c.ServiceRate <= MaxServiceRate):
		return narrate.Usagef("-rate (the consumer's msg/s) must be between 1 and %d, got %v", MaxServiceRate, c.ServiceRate)
	case !(c.Overload >= 1 && c.Overload <= MaxOverload):
		return narrate.Usagef("-overload must be between 1 (producer as fast as the consumer) and %d, got %v", MaxOverload, c.Overload)
	case c.PayloadSize < HeaderSize || c.PayloadSize > MaxPayload:
		return narrate.Usagef("-payload must be between %d and %d bytes, got %d", HeaderSize, MaxPayload, c.PayloadSize)
	case c.Buffer < 1 || c.Buffer > MaxBuffer:
		return narrate.Usagef("-buffer must be between 1 and %d messages, got %d", MaxBuffer, c.Buffer)
	case c.Window < 1 || c.Window > c.Buffer:
		return narrate.Usagef("-window must be between 1 and -buffer (%d): credit beyond the stream's capacity is never used, got %d", c.Buffer, c.Window)
	case c.AckWait < MinAckWait || c.AckWait > MaxAckWait:
		return narrate.Usagef("-ack-wait must be between %s and %s, got %s", MinAckWait, MaxAckWait, c.AckWait)
	}
	if _, ok := demoflag.Product(MaxWorkloadSize, int64(c.Messages), int64(c.PayloadSize)); !ok {
		return narrate.Usagef("-messages × -payload must stay within %s (the unbounded buffer may hold all of it), got %d × %d B = %s",
			MiB(MaxWorkloadSize), c.Messages, c.PayloadSize, MiB(uint64(c.Messages)*uint64(c.PayloadSize)))
	}
	if act := c.ActDuration(); act > MaxActDuration {
		return narrate.Usagef("-messages / -rate is how long the consumer needs for one act; it must stay within %s, got %d / %v = %s",
			MaxActDuration, c.Messages, c.ServiceRate, act.Round(time.Second))
	}
	if size, bound := c.WorkloadSize(), MemoryBound(c.Buffer, c.PayloadSize); size <= bound {
		return narrate.Usagef("the memory bound would prove nothing: the whole workload (-messages %d × -payload %d B = %s) "+
			"fits under it (%s = %s with -buffer %d), so even a strategy that held everything would keep it; "+
			"raise -messages or -payload, or lower -buffer",
			c.Messages, c.PayloadSize, MiB(size), BoundFormula, MiB(bound), c.Buffer)
	}
	for _, s := range c.Strategies {
		if !slices.Contains(StrategyNames, s) {
			return narrate.Usagef("-strategies: unknown strategy %q; choose from %s", s, strings.Join(StrategyNames, ","))
		}
	}
	return c.switchesHaveTheirAct()
}

// switchesHaveTheirAct refuses a safeguard turned off where the act that
// exercises it does not run: the run would end HELD and prove nothing.
func (c Config) switchesHaveTheirAct() error {
	needs := []struct {
		off    bool
		flag   string
		runs   bool
		reason string
	}{
		{!c.Block, "-block=false", c.runs(NameBounded), "-strategies must include " + NameBounded},
		{!c.Admission, "-admission=false", c.runs(NameShedding), "-strategies must include " + NameShedding},
		{!c.StreamLimit, "-stream-limit=false", c.runs(NameJetStream), "-strategies must include " + NameJetStream},
		{!c.CreditWindow, "-credit-window=false", c.runs(NameJetStream) && c.CatchUp, "-strategies must include " + NameJetStream + " and -catch-up must be on (a burst is what the window exists for)"},
		{!c.Inbox, "-inbox=false", c.runs(NameJetStream) && c.Crash, "-strategies must include " + NameJetStream + " and -crash must be on (only a redelivery tests the inbox)"},
	}
	for _, n := range needs {
		if n.off && !n.runs {
			return narrate.Usagef("%s turns off a safeguard no act would exercise: %s", n.flag, n.reason)
		}
	}
	return nil
}

// ActDuration is N/μ: how long the consumer needs to process one act's
// workload.
func (c Config) ActDuration() time.Duration {
	return time.Duration(float64(c.Messages) / c.ServiceRate * float64(time.Second))
}

// WorkloadSize is N·payload, the bytes of payload in one act: what a
// strategy without backpressure holds when its consumer starts late. The
// stated memory bound means something only below it.
func (c Config) WorkloadSize() uint64 { return uint64(c.Messages) * uint64(c.PayloadSize) }

// runs reports whether the demo runs strategy name.
func (c Config) runs(name string) bool {
	return len(c.Strategies) == 0 || slices.Contains(c.Strategies, name)
}

// selected lists the strategies to run, in the demo's order.
func (c Config) selected() []string {
	var names []string
	for _, n := range StrategyNames {
		if c.runs(n) {
			names = append(names, n)
		}
	}
	return names
}

// Workload is the workload every strategy gets.
func (c Config) Workload() Workload {
	return Workload{Messages: c.Messages, ServiceRate: c.ServiceRate, Overload: c.Overload, PayloadSize: c.PayloadSize, Seed: c.Seed}
}

// ShedBurst is the token bucket's burst in the load-shedding strategy: a
// quarter of the queue, so a burst can never fill it alone.
func (c Config) ShedBurst() int { return max(1, c.Buffer/4) }

// perSecond formats a rate in msg/s without a useless fraction.
func perSecond(r float64) string {
	if r == math.Trunc(r) {
		return fmt.Sprintf("%.0f msg/s", r)
	}
	return fmt.Sprintf("%.1f msg/s", r)
}
