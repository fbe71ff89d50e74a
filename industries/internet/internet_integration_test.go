//go:build integration

package internet_test

import (
	"context"
	"testing"
	"time"

	internet "github.com/patternlab/patternlab/industries/internet"
	"github.com/patternlab/patternlab/kit/goimage"
	"github.com/patternlab/patternlab/kit/labtest"
)

// TestIntegrationLeavesForeignStreamsAlone runs the whole demo (the spike,
// the clock jump, the crash mid-window and the restart, the audit) against a
// separate nats-server (a container) on which streams named like the demo's
// defaults already hold someone else's data: the demo ends HELD in streams
// and subjects of its own, leaves those exactly as they were, and deletes
// what it created.
func TestIntegrationLeavesForeignStreamsAlone(t *testing.T) {
	goimage.RequireDocker(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	url := goimage.NATS(t, ctx)
	n := internet.NamesFor(internet.StreamBase, internet.SubjectBase)
	labtest.LeavesForeignStreamsAlone(t, url, internet.Command, []string{n.Log, n.Late, n.Dead}, smallDay...)
}
