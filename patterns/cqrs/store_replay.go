package cqrs

import (
	"context"
	"fmt"

	eh "github.com/looplab/eventhorizon"
	"github.com/looplab/eventhorizon/uuid"
)

// Replayed is what a replay did: the events it handed to the handlers, the
// stream sequence it read up to, and every message it left out.
type Replayed struct {
	Events  int
	UpTo    uint64
	Skipped []Skip
}

// Replay hands every event of the log's histories, in stream order, to each
// handler in turn. It reads up to the log's last sequence when it starts, so
// events appended meanwhile are left for the live projectors. A message
// that is not part of its aggregate's history (see the history rule) is
// skipped and listed, not a reason to fail the whole log: one foreign
// message must not make every later rebuild impossible. Rebuilding a read
// model is Replay into an empty one.
func (s *EventStore) Replay(ctx context.Context, handlers ...eh.EventHandler) (Replayed, error) {
	var r Replayed
	info, err := s.stream.Info(ctx)
	if err != nil {
		return r, fmt.Errorf("replay: stream info: %w", err)
	}
	r.UpTo = info.State.LastSeq
	if r.UpTo == 0 {
		return r, nil
	}
	versions := map[uuid.UUID]int{} // one int per aggregate
	err = readLog(ctx, s.nc, s.log.Stream, s.log.all(), 1, r.UpTo, func(page []storedMsg) error {
		for _, m := range page {
			e, ectx, err := s.nextEvent(ctx, m, versions)
			if err != nil {
				if s.failOnForeign {
					return fmt.Errorf("replay at %d: %w", m.seq, err)
				}
				r.Skipped = append(r.Skipped, Skip{Seq: m.seq, Subject: m.subject, Err: err})
				continue
			}
			hctx := withDelivery(ectx, delivery{attempt: 1, seq: m.seq})
			for _, h := range handlers {
				if err := h.HandleEvent(hctx, e); err != nil {
					return fmt.Errorf("replay %s at %d into %s: %w", e, m.seq, h.HandlerType(), err)
				}
			}
			r.Events++
		}
		return nil
	})
	return r, err
}
