package cqrs

import (
	"context"
	"testing"
	"time"

	eh "github.com/looplab/eventhorizon"
	"github.com/looplab/eventhorizon/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCodecRoundTrip(t *testing.T) {
	c := newCodec(DefaultLog())
	ctx := context.Background()
	id, cmd := uuid.New(), uuid.New()
	in := eh.NewEvent(MoneyWithdrawn, &MoneyMovedData{Amount: 1234, Ref: "atm"}, time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC),
		eh.ForAggregate(AccountType, id, 7), eh.WithMetadata(map[string]any{metaCommandID: cmd.String()}))
	m, err := c.encode(ctx, in)
	require.NoError(t, err)
	assert.Equal(t, "ledger.Account."+id.String(), m.Subject)
	assert.Empty(t, m.Header, "the event is all in its subject and payload")
	out, _, err := c.decode(ctx, m.Subject, m.Data)
	require.NoError(t, err)
	require.NoError(t, eh.CompareEvents(in, out))
}

func TestCodecRejectsMismatches(t *testing.T) {
	c := newCodec(DefaultLog())
	ctx := context.Background()
	id := uuid.New()
	m, err := c.encode(ctx, eh.NewEvent(AccountClosed, nil, time.Now(), eh.ForAggregate(AccountType, id, 3)))
	require.NoError(t, err)
	for name, subject := range map[string]string{
		"another aggregate": "ledger.Account." + uuid.New().String(),
		"another type":      "ledger.Loan." + id.String(),
		"outside the log":   "other.Account." + id.String(),
		"no id":             "ledger.Account",
	} {
		_, _, err := c.decode(ctx, subject, m.Data)
		assert.ErrorIs(t, err, ErrMalformedEvent, name)
	}
}

// FuzzDecodeEvent feeds arbitrary subjects and payloads to
// the decoder every reader of the log uses: it must return an event that
// matches its subject, or an error, and never panic.
func FuzzDecodeEvent(f *testing.F) {
	c := newCodec(DefaultLog())
	ctx := context.Background()
	id := uuid.MustParse("6f0c1c9e-3a43-4b8e-9a55-0f3c3c0d9a11")
	for _, e := range []eh.Event{
		eh.NewEvent(AccountOpened, &AccountOpenedData{Owner: "alice"}, time.Unix(0, 0).UTC(), eh.ForAggregate(AccountType, id, 1)),
		eh.NewEvent(MoneyDeposited, &MoneyMovedData{Amount: 5, Ref: "x"}, time.Unix(0, 0).UTC(), eh.ForAggregate(AccountType, id, 2),
			eh.WithMetadata(map[string]any{metaCommandID: id.String()})),
		eh.NewEvent(AccountClosed, nil, time.Unix(0, 0).UTC(), eh.ForAggregate(AccountType, id, 3)),
	} {
		m, err := c.encode(ctx, e)
		require.NoError(f, err)
		f.Add(m.Subject, m.Data)
	}
	f.Add("ledger.Account."+id.String(), []byte(`{"event_type":"MoneyDeposited","data":"oops"}`))
	f.Add("ledger.Account."+id.String(), []byte(`{"event_type":"Nope","data":{},"context":{"eh_aggregate_id":7}}`))
	f.Add("ledger..", []byte(`null`))
	f.Add("", []byte{})

	f.Fuzz(func(t *testing.T, subject string, data []byte) {
		e, _, err := c.decode(ctx, subject, data)
		if err != nil {
			if e != nil {
				t.Fatalf("an error and an event: %v", err)
			}
			return
		}
		typ, aid, perr := c.log.parseSubject(subject)
		if perr != nil || e.AggregateID() != aid || e.AggregateType() != typ || e.Version() < 1 || e.EventType() == "" {
			t.Fatalf("accepted an event that does not match its subject %q: %v", subject, e)
		}
	})
}
