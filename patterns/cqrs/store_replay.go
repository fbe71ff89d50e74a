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
	return s.Resume(ctx, Cursor{}, 0, nil, handlers...)
}

// Cursor is where a replay stands in the log: the next stream sequence to
// read, and the version each aggregate's history has reached there, which
// the history rule needs to judge the messages that follow. It marshals to
// JSON, so a long reader (an end-of-day run) can save it together with what
// its handlers built, and resume there after a crash. The zero Cursor is the
// start of the log.
type Cursor struct {
	Next     uint64            `json:"next"`
	Versions map[uuid.UUID]int `json:"versions,omitempty"`
}

// Resume is Replay from cursor c up to stream sequence upTo (0: the log's
// last sequence when it starts). After each page of the log it calls
// checkpoint, when given, with the cursor after that page and what the page
// did: a reader that stores both atomically, with its own state, resumes
// exactly there and counts nothing twice. An error from checkpoint stops
// the replay.
func (s *EventStore) Resume(ctx context.Context, c Cursor, upTo uint64, checkpoint func(Cursor, Replayed) error, handlers ...eh.EventHandler) (Replayed, error) {
	var r Replayed
	if upTo == 0 {
		info, err := s.stream.Info(ctx)
		if err != nil {
			return r, fmt.Errorf("replay: stream info: %w", err)
		}
		upTo = info.State.LastSeq
	}
	r.UpTo = upTo
	from := max(c.Next, 1)
	if upTo == 0 || from > upTo {
		return r, nil
	}
	versions := make(map[uuid.UUID]int, len(c.Versions)) // one int per aggregate
	for id, v := range c.Versions {
		versions[id] = v
	}
	err := readLog(ctx, s.nc, s.log.Stream, s.log.all(), from, upTo, func(page []storedMsg) error {
		var p Replayed
		for _, m := range page {
			e, ectx, err := s.nextEvent(ctx, m, versions)
			if err != nil {
				if s.failOnForeign {
					return fmt.Errorf("replay at %d: %w", m.seq, err)
				}
				p.Skipped = append(p.Skipped, Skip{Seq: m.seq, Subject: m.subject, Err: err})
				continue
			}
			hctx := withDelivery(ectx, delivery{attempt: 1, seq: m.seq})
			for _, h := range handlers {
				if err := h.HandleEvent(hctx, e); err != nil {
					return fmt.Errorf("replay %s at %d into %s: %w", e, m.seq, h.HandlerType(), err)
				}
			}
			p.Events++
		}
		r.Events += p.Events
		r.Skipped = append(r.Skipped, p.Skipped...)
		if checkpoint == nil {
			return nil
		}
		p.UpTo = page[len(page)-1].seq
		next := Cursor{Next: p.UpTo + 1, Versions: make(map[uuid.UUID]int, len(versions))}
		for id, v := range versions {
			next.Versions[id] = v
		}
		return checkpoint(next, p)
	})
	return r, err
}
