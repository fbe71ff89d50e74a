package deadletter_test

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/kit/deadletter"
	"github.com/patternlab/patternlab/kit/labtest"
)

func TestMain(m *testing.M) { labtest.VerifyNoLeaks(m) }

func TestSendKeepsReasonSubjectAndHeaders(t *testing.T) {
	s := labtest.NATS(t)
	js := labtest.JetStream(t, s.ClientURL())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	q, err := deadletter.Open(ctx, js, "TOY_DLQ", "toy.dlq")
	require.NoError(t, err)

	orig := nats.NewMsg("toy.payments")
	orig.Header.Set("Nats-Msg-Id", "pay-7")
	orig.Data = []byte("{not json")
	require.NoError(t, q.Send(ctx, "malformed", deadletter.FromMsg(orig, "malformed JSON")))
	require.NoError(t, q.Send(ctx, "malformed", deadletter.Letter{Subject: "toy.payments", Data: []byte("{}"), Reason: "zero amount"}))
	require.NoError(t, q.Send(ctx, "malformed", deadletter.Letter{Subject: "toy.payments", Data: []byte("[]"), Reason: "zero amount"}))
	assert.ErrorIs(t, q.Send(ctx, "x", deadletter.Letter{Subject: "toy.payments"}), deadletter.ErrNoReason)

	letters, err := deadletter.Read(ctx, js, q.Stream())
	require.NoError(t, err)
	require.Len(t, letters, 3)
	assert.Equal(t, "toy.payments", letters[0].Subject)
	assert.Equal(t, "malformed JSON", letters[0].Reason)
	assert.Equal(t, "pay-7", letters[0].Header.Get("Nats-Msg-Id"))
	assert.Equal(t, []byte("{not json"), letters[0].Data)
	assert.Equal(t, []deadletter.ReasonCount{{"zero amount", 2}, {"malformed JSON", 1}}, deadletter.CountByReason(letters))
}

// Two consumers refuse the same stored message: with its ID set, the stream
// keeps one letter, and the original's own Nats-Msg-Id is not lost.
func TestSendWithIDStoresOneLetterPerMessage(t *testing.T) {
	s := labtest.NATS(t)
	js := labtest.JetStream(t, s.ClientURL())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	q, err := deadletter.Open(ctx, js, "TOY_DLQ", "toy.dlq")
	require.NoError(t, err)
	orig := nats.NewMsg("toy.ledger")
	orig.Header.Set("Nats-Msg-Id", "client-1")
	orig.Data = []byte("{not json")
	for range 2 {
		l := deadletter.FromMsg(orig, "malformed JSON")
		l.ID = "TOY.42"
		require.NoError(t, q.Send(ctx, "malformed", l))
	}
	other := deadletter.FromMsg(orig, "malformed JSON")
	other.ID = "TOY.43"
	require.NoError(t, q.Send(ctx, "malformed", other))

	letters, err := deadletter.Read(ctx, js, q.Stream())
	require.NoError(t, err)
	require.Len(t, letters, 2, "one letter per ID")
	assert.Equal(t, "TOY.42", letters[0].Header.Get("Nats-Msg-Id"))
	assert.Equal(t, "client-1", letters[0].Header.Get(deadletter.HeaderOriginalMsgID))
	assert.Equal(t, "TOY.43", letters[1].Header.Get("Nats-Msg-Id"))
}

// A consumer with a dead-letter stream of its own builds the message with
// NewMsg, publishes it its own way, and Read reads it back like any letter.
func TestNewMsgIsReadBackByRead(t *testing.T) {
	s := labtest.NATS(t)
	js := labtest.JetStream(t, s.ClientURL())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "OWN_DLQ", Subjects: []string{"own.dlq.*"}, Retention: jetstream.WorkQueuePolicy})
	require.NoError(t, err)

	_, err = deadletter.NewMsg("own.dlq.x", deadletter.Letter{Subject: "devices.x.telemetry"})
	assert.ErrorIs(t, err, deadletter.ErrNoReason)
	m, err := deadletter.NewMsg("own.dlq.x", deadletter.Letter{
		Subject: "devices.x.telemetry", Header: nats.Header{"Kind": []string{"malformed"}}, Data: []byte("\x00"), Reason: "not JSON",
	})
	require.NoError(t, err)
	_, err = js.PublishMsg(ctx, m, jetstream.WithMsgID("dl-1"))
	require.NoError(t, err)

	letters, err := deadletter.Read(ctx, js, "OWN_DLQ")
	require.NoError(t, err)
	require.Len(t, letters, 1)
	assert.Equal(t, "devices.x.telemetry", letters[0].Subject)
	assert.Equal(t, "not JSON", letters[0].Reason)
	assert.Equal(t, "malformed", letters[0].Header.Get("Kind"))
	assert.Equal(t, "dl-1", letters[0].Header.Get(nats.MsgIdHdr))
}
