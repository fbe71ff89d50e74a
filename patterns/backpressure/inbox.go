package backpressure

import (
	"context"
	"sync"
)

// Inbox is the idempotent receiver's memory: the IDs whose effect has been
// applied. A broker that redelivers (JetStream after AckWait, or after a
// consumer crash) may hand the same message over twice; the inbox turns that
// at-least-once delivery into exactly-once processing.
//
// It is a bitset because the lab's IDs are dense sequence numbers. In a real
// system the inbox is a table written in the same transaction as the effect,
// so it survives the consumer; here every consumer instance of a run shares
// one Inbox, as they would share that table.
type Inbox struct {
	mu      sync.Mutex
	bits    []uint64
	applied int
	skipped int
}

// NewInbox returns an inbox sized for IDs below sizeHint (it grows past it).
func NewInbox(sizeHint int) *Inbox {
	return &Inbox{bits: make([]uint64, (max(sizeHint, 0)+63)/64)}
}

// Handler wraps next so that a message whose effect was already applied is
// skipped (and counted) instead of applied again. The record is made after
// next returns, as if in the same transaction as the effect: a consumer that
// dies after this point, before its ack, leaves a redelivery that the inbox
// skips. One that dies between the effect and the record would still apply
// twice, which is why a real inbox shares the effect's transaction.
func (b *Inbox) Handler(next Handler) Handler {
	return func(ctx context.Context, m Message) error {
		if b.skip(m.ID) {
			return nil
		}
		if err := next(ctx, m); err != nil {
			return err
		}
		b.Mark(m.ID)
		return nil
	}
}

// skip reports whether id was applied, counting the skip.
func (b *Inbox) skip(id uint64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.appliedLocked(id) {
		return false
	}
	b.skipped++
	return true
}

// Applied reports whether the effect of id was already applied.
func (b *Inbox) Applied(id uint64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.appliedLocked(id)
}

func (b *Inbox) appliedLocked(id uint64) bool {
	w := id / 64
	return w < uint64(len(b.bits)) && b.bits[w]&(1<<(id%64)) != 0
}

// Mark records that the effect of id was applied. It reports whether id was
// new.
func (b *Inbox) Mark(id uint64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	w := id / 64
	if w >= uint64(len(b.bits)) {
		grown := make([]uint64, max(2*len(b.bits), int(w)+1))
		copy(grown, b.bits)
		b.bits = grown
	}
	if b.bits[w]&(1<<(id%64)) != 0 {
		return false
	}
	b.bits[w] |= 1 << (id % 64)
	b.applied++
	return true
}

// Len is the number of distinct IDs applied.
func (b *Inbox) Len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.applied
}

// Skipped is how many deliveries Handler skipped as already applied.
func (b *Inbox) Skipped() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.skipped
}
