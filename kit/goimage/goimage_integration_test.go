//go:build integration

package goimage_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/kit/goimage"
	"github.com/patternlab/patternlab/kit/natsembed"
)

// The image of nats-server built from the module cache starts and accepts a
// client: the recipe every integration test of the lab relies on. (Its
// network alias is used by the saga and backpressure integration tests,
// whose containers reach it as nats://nats:4222.)
func TestIntegrationNATSServerImageRuns(t *testing.T) {
	goimage.RequireDocker(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	url := goimage.NATS(t, ctx)
	nc, err := natsembed.Connect(url, "probe")
	require.NoError(t, err)
	defer nc.Close()
	require.NoError(t, nc.Flush())
}
