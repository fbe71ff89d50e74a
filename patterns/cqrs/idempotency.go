package cqrs

import (
	"context"

	eh "github.com/looplab/eventhorizon"
	"github.com/looplab/eventhorizon/uuid"
)

// metaCommandID is the event metadata key under which eventhorizon's
// FromCommand option records the ID of the command that produced the event.
//
// This is where the ledger's dedupe state lives: in each account's own event
// stream, written in the same atomic append as the effect it guards. It is
// as durable as the balance itself (file storage, replicated in a cluster),
// survives any restart because loading an account folds it back, and never
// expires, unlike JetStream's Nats-Msg-Id window.
const metaCommandID = "command_id"

// commandIDOf reads the command ID an event was produced by.
func commandIDOf(e eh.Event) (uuid.UUID, bool) {
	s, ok := e.Metadata()[metaCommandID].(string)
	if !ok {
		return uuid.Nil, false
	}
	id, err := uuid.Parse(s)
	return id, err == nil
}

// noDedupe marks a context whose commands the account decides as if it had
// never seen their IDs: the demo's -dedupe=false, and nothing else.
type noDedupe struct{}

func withoutDedupe(ctx context.Context) context.Context {
	return context.WithValue(ctx, noDedupe{}, true)
}

func dedupeOff(ctx context.Context) bool { off, _ := ctx.Value(noDedupe{}).(bool); return off }
