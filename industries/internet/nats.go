package internet

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

func jetstreamOf(nc *nats.Conn) (jetstream.JetStream, error) {
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("jetstream: %w", err)
	}
	return js, nil
}

// deleteStreams removes the run's own streams from a shared server, and
// only those: their names carry the run's suffix.
func deleteStreams(js jetstream.JetStream, n Names) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, s := range []string{n.Log, n.Late, n.Dead} {
		_ = js.DeleteStream(ctx, s) // best effort on exit; a leftover carries the run's suffix
	}
}
