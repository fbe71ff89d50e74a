//go:build integration

package manufacturing_test

import (
	"testing"

	manufacturing "github.com/patternlab/patternlab/industries/manufacturing"
	"github.com/patternlab/patternlab/industries/manufacturing/edge"
	"github.com/patternlab/patternlab/kit/goimage"
	"github.com/patternlab/patternlab/kit/labtest"
	edgeiot "github.com/patternlab/patternlab/patterns/edge-iot"
	"github.com/patternlab/patternlab/patterns/operator"
)

// With NATS_URL pointing at a shared server that holds streams of every
// name the case uses (the edges', the hub's, the archive, the hub's dead
// letters, the registry's bucket), the demo says it does not use it, runs
// on its own servers (it cuts and restarts them), ends HELD and leaves the
// shared server as it found it.
func TestIntegrationLeavesForeignStreamsAlone(t *testing.T) {
	goimage.RequireDocker(t)
	url := goimage.NATS(t, t.Context())
	streams := []string{edgeiot.StreamTelemetry, edgeiot.StreamEvents, edgeiot.StreamDeadLetter,
		edgeiot.StreamHubTelemetry, edgeiot.StreamHubEvents, edgeiot.StreamHubDeadLetter,
		edge.StreamArchive, manufacturing.HubDeadLetters, "KV_" + operator.HubBucket}
	labtest.LeavesForeignStreamsAlone(t, url, manufacturing.Command, streams)
}
