package backpressure

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

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
	Crash       bool          // crash the JetStream consumer in a last act
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
)

// DefaultConfig is the demo's default: 15,000 messages of 4 KiB, a consumer
// of 5,000 msg/s and a producer ten times faster, B = 256, W = 64.
func DefaultConfig() Config {
	return Config{
		Messages:    15_000,
		ServiceRate: 5_000,
		Overload:    10,
		PayloadSize: 4 << 10,
		Buffer:      256,
		Window:      64,
		AckWait:     time.Second,
		Seed:        1,
		Crash:       true,
	}
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
	case uint64(c.Messages)*uint64(c.PayloadSize) > MaxWorkloadSize:
		return narrate.Usagef("-messages × -payload must stay within %s (the unbounded buffer may hold all of it), got %d × %d B = %s",
			MiB(MaxWorkloadSize), c.Messages, c.PayloadSize, MiB(uint64(c.Messages)*uint64(c.PayloadSize)))
	case c.Buffer < 1 || c.Buffer > MaxBuffer:
		return narrate.Usagef("-buffer must be between 1 and %d messages, got %d", MaxBuffer, c.Buffer)
	case c.Window < 1 || c.Window > c.Buffer:
		return narrate.Usagef("-window must be between 1 and -buffer (%d): credit beyond the stream's capacity is never used, got %d", c.Buffer, c.Window)
	case c.AckWait < MinAckWait || c.AckWait > MaxAckWait:
		return narrate.Usagef("-ack-wait must be between %s and %s, got %s", MinAckWait, MaxAckWait, c.AckWait)
	}
	for _, s := range c.Strategies {
		if !slices.Contains(StrategyNames, s) {
			return narrate.Usagef("-strategies: unknown strategy %q; choose from %s", s, strings.Join(StrategyNames, ","))
		}
	}
	return nil
}

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
