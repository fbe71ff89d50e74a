//go:build integration

package federatedlearning_test

import (
	"context"
	"testing"
	"time"

	"github.com/patternlab/patternlab/kit/goimage"
	"github.com/patternlab/patternlab/kit/labtest"

	fl "github.com/patternlab/patternlab/patterns/federated-learning"
)

// Against a nats-server in its own container (as NATS_URL), where streams
// of the demo's default names already hold someone else's data, the demo
// still holds, creates only uniquely named streams and bucket, leaves the
// foreign ones exactly as they were and deletes its own on exit.
func TestIntegrationLeavesForeignStreamsAlone(t *testing.T) {
	goimage.RequireDocker(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	url := goimage.NATS(t, ctx)
	labtest.LeavesForeignStreamsAlone(t, url, fl.Command,
		[]string{fl.DefaultStream, fl.DefaultDLQ, "KV_" + fl.DefaultBucket})
}
