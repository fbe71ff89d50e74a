package edgeiot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// ErrAckLost is what a fault seam (GatewayConfig.AfterStore,
// ForwarderConfig.AfterHubStored) returns to make an acknowledgement count
// as lost on the way: the message stays unacknowledged and comes again.
var ErrAckLost = errors.New("acknowledgement lost on the way")

// ErrBufferFull is returned when TELEMETRY, the store-and-forward buffer,
// refuses a reading because it is at its limit.
var ErrBufferFull = errors.New("buffer at its limit")

// Publish retry bounds: the edge may be restarting under the gateway.
const (
	publishAttempt    = 2 * time.Second
	publishBackoffMin = 10 * time.Millisecond
	publishBackoffMax = 500 * time.Millisecond
)

// publish stores a message in an edge stream with a message ID, retrying
// through transient failures (an edge restart, a timeout) until ctx ends. A
// full stream is transient too, except for the buffer (refuseWhenFull):
// there the caller decides, with ErrBufferFull.
func (g *Gateway) publish(ctx context.Context, subject string, data []byte, id string, hdr nats.Header, refuseWhenFull bool) (*jetstream.PubAck, error) {
	msg := &nats.Msg{Subject: subject, Data: data, Header: hdr}
	var opts []jetstream.PublishOpt
	if !g.cfg.Safeguards.NoDedupe {
		opts = append(opts, jetstream.WithMsgID(id))
	}
	backoff := publishBackoffMin
	for {
		attempt, cancel := context.WithTimeout(ctx, publishAttempt)
		ack, err := g.js.PublishMsg(attempt, msg, opts...)
		cancel()
		switch {
		case err == nil:
			return ack, nil
		case ctx.Err() != nil:
			return nil, ctx.Err()
		case refuseWhenFull && isStreamFull(err):
			return nil, fmt.Errorf("%w (%s)", ErrBufferFull, apiDescription(err))
		case errors.Is(err, nats.ErrConnectionClosed), isBadRequest(err):
			return nil, err
		}
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
		backoff = min(2*backoff, publishBackoffMax)
	}
}

// isStreamFull reports whether a publish was refused by a discard-new stream
// at its MaxMsgs or MaxBytes limit.
func isStreamFull(err error) bool {
	var apiErr *jetstream.APIError
	if !errors.As(err, &apiErr) {
		return false
	}
	d := apiErr.Description
	return strings.Contains(d, "maximum messages exceeded") || strings.Contains(d, "maximum bytes exceeded")
}

func isBadRequest(err error) bool {
	var apiErr *jetstream.APIError
	return errors.As(err, &apiErr) && apiErr.Code == 400
}

func apiDescription(err error) string {
	var apiErr *jetstream.APIError
	if errors.As(err, &apiErr) {
		return apiErr.Description
	}
	return err.Error()
}

// mustJSON encodes values that always encode (structs of strings and numbers).
func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("encode %T: %v", v, err))
	}
	return b
}
