package operator

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/kit/labtest"
	"github.com/patternlab/patternlab/kit/narrate"
)

func TestConfigValidate(t *testing.T) {
	cases := []struct {
		name   string
		change func(*Config)
		flag   string // the flag the usage error names; "" when valid
	}{
		{"default", func(*Config) {}, ""},
		{"bound too short for the backoff after the outage", func(c *Config) { c.Within = 500 * time.Millisecond }, "within"},
		{"bound too long", func(c *Config) { c.Within = time.Hour }, "within"},
		{"namespace with capitals", func(c *Config) { c.Namespace = "Plants" }, "namespace"},
		{"namespace too long for a suffix", func(c *Config) { c.Namespace = "plants-of-the-northern-region-of-the-west" }, "namespace"},
		{"site not a plant name", func(c *Config) { c.Site = "7-plant" }, "site"},
		{"site ending in a dash", func(c *Config) { c.Site = "plant-" }, "site"},
		{"site too long for the derived names", func(c *Config) { c.Site = "plant-with-a-long-name-xy" }, "site"},
		{"another site", func(c *Config) { c.Site = "plant-12" }, ""},
		{"schema off on a shared cluster", func(c *Config) { c.SchemaValidation, c.Kubeconfig = false, "/k" }, "schema-validation"},
		{"protect off on a shared hub", func(c *Config) { c.Protect, c.HubURL = false, "nats://h:4222" }, "protect"},
		{"switches on the embedded servers", func(c *Config) { c.SchemaValidation, c.Protect, c.Finalizer = false, false, false }, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := DefaultConfig()
			c.change(&cfg)
			err := cfg.Validate()
			if c.flag == "" {
				assert.NoError(t, err)
				return
			}
			var usage *narrate.UsageError
			require.True(t, errors.As(err, &usage), "want a usage error, got %v", err)
			assert.Equal(t, c.flag, usage.Flag)
		})
	}
}

// TestCommandParsesSwitches: each switch reaches the reconciler's Unsafe.
func TestCommandParsesSwitches(t *testing.T) {
	t.Setenv(EnvKubeconfig, "")
	t.Setenv("NATS_URL", "")
	cfg := DefaultConfig()
	var verbose bool
	require.NoError(t, Flags(&cfg, &verbose).Parse([]string{"-finalizer=false", "-resource-version=false",
		"-registration-owner=false", "-owner-references=false", "-drift-repair=false", "-within=7s"}))
	assert.Equal(t, Unsafe{NoFinalizer: true, NoResourceVersion: true, NoRegistrationOwner: true, NoOwnerReferences: true, NoDriftRepair: true}, cfg.unsafe())
	assert.Equal(t, 7*time.Second, cfg.Within)
	assert.Equal(t, Unsafe{}, DefaultConfig().unsafe(), "the default keeps every safeguard")
	_, err := Command([]string{"-within=7s", "stray"})
	assert.Error(t, err, "arguments after the flags are refused")
}

func FuzzFlags(f *testing.F) { labtest.FuzzFlags(f, Command) }
