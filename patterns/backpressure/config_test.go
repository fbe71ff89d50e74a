package backpressure

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/kit/narrate"
)

func TestDefaultConfigIsValid(t *testing.T) {
	require.NoError(t, DefaultConfig().Validate())
}

func TestConfigRejectsBadValuesWithAClearMessage(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Config)
		want string
	}{
		{"no messages", func(c *Config) { c.Messages = 0 }, "-messages must be between 1 and 10000000, got 0"},
		{"negative rate", func(c *Config) { c.ServiceRate = -5 }, "-rate (the consumer's msg/s) must be between 1 and 100000, got -5"},
		{"overload below 1", func(c *Config) { c.Overload = 0.5 }, "-overload must be between 1 (producer as fast as the consumer) and 1000, got 0.5"},
		{"payload without room for the ID", func(c *Config) { c.PayloadSize = 4 }, "-payload must be between 8 and 262144 bytes, got 4"},
		{"workload too big", func(c *Config) { c.Messages, c.PayloadSize = 1_000_000, 1024 },
			"-messages × -payload must stay within 512.0 MiB (the unbounded buffer may hold all of it), got 1000000 × 1024 B = 976.6 MiB"},
		{"no buffer", func(c *Config) { c.Buffer = 0 }, "-buffer must be between 1 and 100000 messages, got 0"},
		{"window over buffer", func(c *Config) { c.Window = 300 }, "-window must be between 1 and -buffer (256): credit beyond the stream's capacity is never used, got 300"},
		{"ack wait too short", func(c *Config) { c.AckWait = time.Millisecond }, "-ack-wait must be between 100ms and 1m0s, got 1ms"},
		{"unknown strategy", func(c *Config) { c.Strategies = []string{"bounded-channel", "magic"} },
			`-strategies: unknown strategy "magic"; choose from unbounded-buffer,bounded-channel,load-shedding,jetstream-pull`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := DefaultConfig()
			tt.edit(&c)
			err := c.Validate()
			var usage *narrate.UsageError
			require.ErrorAs(t, err, &usage, "a bad flag is a usage error (exit 2)")
			assert.Equal(t, tt.want, err.Error())
		})
	}
}

func TestDemoRejectsABadConfigBeforeDoingAnything(t *testing.T) {
	c := DefaultConfig()
	c.Overload = 0
	var usage *narrate.UsageError
	assert.ErrorAs(t, Demo(t.Context(), narrate.New(t.Output()), c), &usage)
}

// pattern.yaml states the invariant the demo checks; it must state the same
// bound (one fact, checked in one place).
func TestPatternYAMLStatesTheDemosBound(t *testing.T) {
	data, err := os.ReadFile("pattern.yaml")
	require.NoError(t, err)
	text := strings.Join(strings.Fields(string(data)), " ")
	assert.Contains(t, text, BoundFormula)
	assert.Contains(t, text, "every accepted message is processed exactly once or counted as shed")
}

func TestConfigSelectsStrategiesInDemoOrder(t *testing.T) {
	c := DefaultConfig()
	assert.Equal(t, StrategyNames, c.selected())
	c.Strategies = []string{NameJetStream, NameUnbounded}
	assert.Equal(t, []string{NameUnbounded, NameJetStream}, c.selected())
}
