package operator

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/patternlab/patternlab/kit/narrate"
)

func TestConfigValidate(t *testing.T) {
	cases := []struct {
		name   string
		change func(*Config)
		ok     bool
	}{
		{"default", func(*Config) {}, true},
		{"zero bound", func(c *Config) { c.Within = 0 }, false},
		{"bound too long", func(c *Config) { c.Within = time.Hour }, false},
		{"namespace with capitals", func(c *Config) { c.Namespace = "Plants" }, false},
		{"site not a plant name", func(c *Config) { c.Site = "7-plant" }, false},
		{"site too long", func(c *Config) { c.Site = "plant-with-a-very-long-name-indeed-x" }, false},
		{"another site", func(c *Config) { c.Site = "plant-12" }, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := DefaultConfig()
			c.change(&cfg)
			err := cfg.Validate()
			if c.ok {
				assert.NoError(t, err)
				return
			}
			var usage *narrate.UsageError
			assert.True(t, errors.As(err, &usage), "want a usage error, got %v", err)
		})
	}
}
