package backpressure

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

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
		{"an act of hours", func(c *Config) { c.ServiceRate = 1 },
			"-messages / -rate is how long the consumer needs for one act; it must stay within 10m0s, got 15000 / 1 = 4h10m0s"},
		{"no buffer", func(c *Config) { c.Buffer = 0 }, "-buffer must be between 1 and 100000 messages, got 0"},
		{"window over buffer", func(c *Config) { c.Window = 300 }, "-window must be between 1 and -buffer (256): credit beyond the stream's capacity is never used, got 300"},
		{"ack wait too short", func(c *Config) { c.AckWait = time.Millisecond }, "-ack-wait must be between 100ms and 1m0s, got 1ms"},
		{"unknown strategy", func(c *Config) { c.Strategies = []string{"bounded-channel", "magic"} },
			`-strategies: unknown strategy "magic"; choose from unbounded-buffer,bounded-channel,load-shedding,jetstream-pull`},
		{"inbox off without the crash", func(c *Config) { c.Inbox, c.Crash = false, false },
			"-inbox=false turns off a safeguard no act would exercise: -strategies must include jetstream-pull and -crash must be on (only a redelivery tests the inbox)"},
		{"credit window off without the catch-up", func(c *Config) { c.CreditWindow, c.CatchUp = false, false },
			"-credit-window=false turns off a safeguard no act would exercise: -strategies must include jetstream-pull and -catch-up must be on (a burst is what the window exists for)"},
		{"blocking off without the channel", func(c *Config) { c.Block, c.Strategies = false, []string{NameJetStream} },
			"-block=false turns off a safeguard no act would exercise: -strategies must include bounded-channel"},
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

// Issue 11: `-overload=1 -strategies=unbounded-buffer -messages=3000` ran,
// printed a failed check about the anti-pattern and then HELD. Its whole
// workload, 3,000 messages of 4 KiB (11.7 MiB), fits under the 12.5 MiB
// bound: no strategy could have broken it, so it proved nothing. Such a run
// is now refused before it starts, naming the flags.
func TestAVacuousMemoryBoundIsRefused(t *testing.T) {
	for _, args := range [][]string{
		{"-overload=1", "-strategies=unbounded-buffer", "-messages=3000"},
		{"-messages=2000", "-payload=512", "-buffer=64"}, // the old Example: 1 MiB of payload under an 8.2 MiB bound
	} {
		_, err := Command(args)
		var usage *narrate.UsageError
		require.ErrorAs(t, err, &usage, "%v", args)
		assert.Contains(t, err.Error(), "the memory bound would prove nothing", "%v", args)
		assert.Contains(t, err.Error(), "-messages", "%v", args)
	}
	c := DefaultConfig()
	assert.Greater(t, c.WorkloadSize(), MemoryBound(c.Buffer, c.PayloadSize), "the default workload can break the bound")
}

func TestDemoRejectsABadConfigBeforeDoingAnything(t *testing.T) {
	c := DefaultConfig()
	c.Overload = 0
	var usage *narrate.UsageError
	assert.ErrorAs(t, Demo(t.Context(), narrate.New(t.Output()), c), &usage)
}

func TestCommandParsesEveryFlag(t *testing.T) {
	cfg := DefaultConfig()
	require.NoError(t, Flags(&cfg).Parse([]string{"-messages=4000", "-strategies=jetstream-pull,bounded-channel", "-inbox=false", "-ack-wait=2s"}))
	assert.Equal(t, 4000, cfg.Messages)
	assert.Equal(t, []string{NameJetStream, NameBounded}, cfg.Strategies)
	assert.Equal(t, []string{NameBounded, NameJetStream}, cfg.selected(), "run in the demo's order")
	assert.False(t, cfg.Inbox)
	assert.Equal(t, 2*time.Second, cfg.AckWait)
	_, err := Command([]string{"-messages=4000", "stray"})
	var usage *narrate.UsageError
	assert.ErrorAs(t, err, &usage, "arguments after the flags are refused")
}

// pattern.yaml states the invariant the demo checks, with the bound spelled
// out: the same sentence (one fact, checked in one place).
func TestPatternYAMLStatesTheDemosInvariant(t *testing.T) {
	data, err := os.ReadFile("pattern.yaml")
	require.NoError(t, err)
	var meta struct {
		Invariant string `yaml:"invariant"`
	}
	require.NoError(t, yaml.Unmarshal(data, &meta))
	stated := strings.Join(strings.Fields(meta.Invariant), " ")
	want := strings.Replace(Invariant, "within the stated bound", "within "+BoundFormula, 1)
	want = strings.NewReplacer("kept", "keeps", "was processed", "is processed").Replace(want)
	assert.Equal(t, want, stated)
}
