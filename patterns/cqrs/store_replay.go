package cqrs

import (
	"context"
	"fmt"

	eh "github.com/looplab/eventhorizon"
)

// Replay hands every event in the log, in stream order, to each handler in
// turn and returns how
// many it replayed and the stream sequence it stopped at. It reads up to the
// log's last sequence when it starts, so events appended meanwhile are left
// for the live projectors. Rebuilding a read model is Replay into an empty one.
func (s *EventStore) Replay(ctx context.Context, handlers ...eh.EventHandler) (int, uint64, error) {
	info, err := s.stream.Info(ctx)
	if err != nil {
		return 0, 0, fmt.Errorf("replay: stream info: %w", err)
	}
	upTo := info.State.LastSeq
	if upTo == 0 {
		return 0, 0, nil
	}
	n := 0
	err = readLog(ctx, s.nc, s.log.Stream, s.log.all(), 1, upTo, func(page []storedMsg) error {
		for _, m := range page {
			e, ectx, err := s.codec.decode(ctx, m.subject, m.header, m.data)
			if err != nil {
				return fmt.Errorf("replay at %d: %w", m.seq, err)
			}
			hctx := withDelivery(ectx, delivery{attempt: 1, seq: m.seq})
			for _, h := range handlers {
				if err := h.HandleEvent(hctx, e); err != nil {
					return fmt.Errorf("replay %s at %d into %s: %w", e, m.seq, h.HandlerType(), err)
				}
			}
			n++
		}
		return nil
	})
	return n, upTo, err
}
