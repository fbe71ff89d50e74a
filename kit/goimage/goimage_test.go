package goimage

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestImageName(t *testing.T) {
	tests := map[string]string{
		"github.com/nats-io/nats-server/v2":                              "nats-server",
		"github.com/patternlab/patternlab/patterns/backpressure/cmd/app": "app",
		"example.com/Tool": "tool",
	}
	for pkg, want := range tests {
		assert.Equal(t, want, imageName(pkg), pkg)
	}
}
