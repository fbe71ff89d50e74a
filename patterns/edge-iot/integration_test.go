//go:build integration

package edgeiot_test

import (
	"testing"

	edgeiot "github.com/patternlab/patternlab/patterns/edge-iot"

	"github.com/patternlab/patternlab/kit/goimage"
	"github.com/patternlab/patternlab/kit/labtest"
)

// With NATS_URL pointing at a shared server that holds streams of the
// demo's names, the demo says it does not use it, runs on its own servers
// (it cuts their link), ends HELD and leaves the shared server untouched.
func TestIntegrationLeavesForeignStreamsAlone(t *testing.T) {
	goimage.RequireDocker(t)
	url := goimage.NATS(t, t.Context())
	streams := []string{edgeiot.StreamTelemetry, edgeiot.StreamEvents, edgeiot.StreamDeadLetter,
		edgeiot.StreamHubTelemetry, edgeiot.StreamHubEvents, edgeiot.StreamHubDeadLetter}
	labtest.LeavesForeignStreamsAlone(t, url, edgeiot.Command, streams,
		"-devices=2", "-readings=10", "-outage=40", "-buffer=20")
}
