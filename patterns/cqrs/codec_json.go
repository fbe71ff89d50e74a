package cqrs

import (
	"context"
	"fmt"
	"time"

	json "github.com/goccy/go-json"
	eh "github.com/looplab/eventhorizon"
	"github.com/looplab/eventhorizon/uuid"
)

// eventJSON is eventhorizon's JSON event codec (codec/json) with
// github.com/goccy/go-json in place of encoding/json: the same wire format,
// byte for byte (TestEventJSONIsEventhorizonsFormat), at about half the
// cost. Encoding and decoding events was the largest part of what an append
// and a load cost on the client once the round trips were few.
type eventJSON struct{}

var _ eh.EventCodec = eventJSON{}

// wireEvent is eventhorizon's codec/json envelope (its unexported evt).
type wireEvent struct {
	EventType     eh.EventType     `json:"event_type"`
	RawData       json.RawMessage  `json:"data,omitempty"`
	Timestamp     time.Time        `json:"timestamp"`
	AggregateType eh.AggregateType `json:"aggregate_type"`
	AggregateID   string           `json:"aggregate_id"`
	Version       int              `json:"version"`
	Metadata      map[string]any   `json:"metadata"`
	Context       map[string]any   `json:"context"`
}

// MarshalEvent implements eh.EventCodec.
func (eventJSON) MarshalEvent(ctx context.Context, event eh.Event) ([]byte, error) {
	e := wireEvent{
		EventType:     event.EventType(),
		Timestamp:     event.Timestamp(),
		AggregateType: event.AggregateType(),
		AggregateID:   event.AggregateID().String(),
		Version:       event.Version(),
		Metadata:      event.Metadata(),
		Context:       eh.MarshalContext(ctx),
	}
	if event.Data() != nil {
		var err error
		if e.RawData, err = json.Marshal(event.Data()); err != nil {
			return nil, fmt.Errorf("could not marshal event data: %w", err)
		}
	}
	b, err := json.Marshal(e)
	if err != nil {
		return nil, fmt.Errorf("could not marshal event: %w", err)
	}
	return b, nil
}

// UnmarshalEvent implements eh.EventCodec.
func (eventJSON) UnmarshalEvent(ctx context.Context, b []byte) (eh.Event, context.Context, error) {
	var e wireEvent
	if err := json.Unmarshal(b, &e); err != nil {
		return nil, nil, fmt.Errorf("could not unmarshal event: %w", err)
	}
	var data eh.EventData
	if len(e.RawData) > 0 {
		var err error
		if data, err = eh.CreateEventData(e.EventType); err != nil {
			return nil, nil, fmt.Errorf("could not create event data: %w", err)
		}
		if err := json.Unmarshal(e.RawData, data); err != nil {
			return nil, nil, fmt.Errorf("could not unmarshal event data: %w", err)
		}
	}
	id, err := uuid.Parse(e.AggregateID)
	if err != nil {
		id = uuid.Nil
	}
	event := eh.NewEvent(e.EventType, data, e.Timestamp,
		eh.ForAggregate(e.AggregateType, id, e.Version),
		eh.WithMetadata(e.Metadata))
	return event, eh.UnmarshalContext(ctx, e.Context), nil
}
