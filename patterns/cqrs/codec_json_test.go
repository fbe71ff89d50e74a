package cqrs

import (
	"bytes"
	"context"
	"reflect"
	"testing"
	"time"

	eh "github.com/looplab/eventhorizon"
	ehjson "github.com/looplab/eventhorizon/codec/json"
	"github.com/looplab/eventhorizon/uuid"
	"github.com/stretchr/testify/require"
)

// formatSamples are events of every shape the ledger stores.
func formatSamples() []eh.Event {
	id := uuid.MustParse("6f0c1c9e-3a43-4b8e-9a55-0f3c3c0d9a11")
	at := time.Date(2026, 12, 1, 18, 0, 0, 123456789, time.UTC)
	return []eh.Event{
		eh.NewEvent(AccountOpened, &AccountOpenedData{Owner: "alice <&> \u00e9\u2028"}, at, eh.ForAggregate(AccountType, id, 1)),
		eh.NewEvent(MoneyDeposited, &MoneyMovedData{Amount: 1 << 53, Ref: "x\"y"}, at, eh.ForAggregate(AccountType, id, 2),
			eh.WithMetadata(map[string]any{metaCommandID: id.String(), "n": 1.5, "list": []any{"a", 2.0}})),
		eh.NewEvent(AccountClosed, nil, at.In(time.FixedZone("x", 3600)), eh.ForAggregate(AccountType, id, 3)),
	}
}

// The store's codec writes eventhorizon's JSON format byte for byte, and
// each reads what the other wrote as the same event.
func TestEventJSONIsEventhorizonsFormat(t *testing.T) {
	ctx := context.Background()
	ours, theirs := eventJSON{}, &ehjson.EventCodec{}
	for _, e := range formatSamples() {
		a, err := ours.MarshalEvent(ctx, e)
		require.NoError(t, err)
		b, err := theirs.MarshalEvent(ctx, e)
		require.NoError(t, err)
		require.Equal(t, string(b), string(a), "the same bytes for %s", e)

		got, _, err := ours.UnmarshalEvent(ctx, b)
		require.NoError(t, err)
		want, _, err := theirs.UnmarshalEvent(ctx, b)
		require.NoError(t, err)
		require.NoError(t, eh.CompareEvents(want, got))
	}
}

// FuzzEventJSONAgrees feeds arbitrary payloads to both decoders: they must
// agree on whether it is an event and, when it is, on the event (and write
// it back the same).
func FuzzEventJSONAgrees(f *testing.F) {
	ctx := context.Background()
	for _, e := range formatSamples() {
		b, err := eventJSON{}.MarshalEvent(ctx, e)
		require.NoError(f, err)
		f.Add(b)
	}
	f.Add([]byte(`{"event_type":"MoneyDeposited","data":"oops"}`))
	f.Add([]byte(`{"event_type":"MoneyDeposited","data":{"amount":1e400}}`))
	f.Add([]byte(`{"EVENT_TYPE":"AccountClosed","version":-1,"aggregate_id":"nope"}`))
	f.Add([]byte(`{"event_type":"AccountClosed","timestamp":"2026-13-01T00:00:00Z"}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, data []byte) {
		got, _, gotErr := eventJSON{}.UnmarshalEvent(ctx, data)
		want, _, wantErr := (&ehjson.EventCodec{}).UnmarshalEvent(ctx, data)
		if (gotErr == nil) != (wantErr == nil) {
			t.Fatalf("decoders disagree on %q: ours %v, eventhorizon's %v", data, gotErr, wantErr)
		}
		if wantErr != nil {
			return
		}
		if err := eh.CompareEvents(want, got); err != nil || !reflect.DeepEqual(want.Metadata(), got.Metadata()) {
			t.Fatalf("decoders disagree on %q: %v (metadata %v and %v)", data, err, want.Metadata(), got.Metadata())
		}
		a, errA := eventJSON{}.MarshalEvent(ctx, got)
		b, errB := (&ehjson.EventCodec{}).MarshalEvent(ctx, want)
		if (errA == nil) != (errB == nil) || !bytes.Equal(a, b) {
			t.Fatalf("encoders disagree on %q: %q (%v) and %q (%v)", data, a, errA, b, errB)
		}
	})
}
