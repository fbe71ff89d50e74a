//go:build integration

package cqrs

import (
	"context"
	"testing"
	"time"

	"github.com/patternlab/patternlab/kit/goimage"
	"github.com/patternlab/patternlab/kit/labtest"
)

// TestIntegrationLeavesForeignStreamsAlone runs the demo against a separate
// nats-server (a container) on which streams named like the demo's defaults,
// LEDGER and LEDGER_DLQ, already hold someone else's data: the demo works in
// streams of its own, leaves those exactly as they were, and deletes what it
// created.
func TestIntegrationLeavesForeignStreamsAlone(t *testing.T) {
	goimage.RequireDocker(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	url := goimage.NATS(t, ctx)
	l := DefaultLog()
	labtest.LeavesForeignStreamsAlone(t, url, Command, []string{l.Stream, l.DeadLetterStream()},
		"-operations=60", "-second-burst=12", "-crash-after=3", "-ack-wait=200ms")
}
