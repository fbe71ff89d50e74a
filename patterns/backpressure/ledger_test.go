package backpressure

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLedgerAuditFindsEveryViolation(t *testing.T) {
	l := NewLedger(6)
	for id := range uint64(6) {
		l.Offering(id)
	}
	l.Accepted(0)
	require.NoError(t, l.Processed(0)) // fine
	l.Accepted(1)                      // lost: never processed
	l.Accepted(2)
	require.NoError(t, l.Processed(2))
	require.NoError(t, l.Processed(2)) // duplicated
	l.Shed(3, ShedQueueFull)           // fine: counted as shed
	l.Shed(4, ShedRateLimited)
	require.NoError(t, l.Processed(4)) // phantom: shed, yet processed
	// 5 was offered but has no verdict yet: processing it is a phantom too
	require.NoError(t, l.Processed(5))
	err := l.Processed(6)
	assert.ErrorIs(t, err, ErrMalformed, "a foreign ID is a malformed message: it goes to the dead letters")
	assert.ErrorContains(t, err, "message 6 was never produced (the producer made 6)")

	a := l.Audit()
	assert.Equal(t, 3, a.Accepted)
	assert.Equal(t, 2, a.Shed)
	assert.Equal(t, map[ShedReason]int{ShedQueueFull: 1, ShedRateLimited: 1}, a.ShedBy)
	assert.Equal(t, []uint64{1}, a.Lost)
	assert.Equal(t, []uint64{2}, a.Duplicated)
	assert.Equal(t, []uint64{4, 5}, a.Phantom)
	assert.Equal(t, []string{
		"1 accepted messages never processed (e.g. [1])",
		"1 messages processed more than once (e.g. [2])",
		"2 messages processed without being accepted (e.g. [4 5])",
	}, a.Violations())
}

func TestLedgerCleanRunHasNoViolations(t *testing.T) {
	l := NewLedger(100)
	for id := range uint64(100) {
		l.Offering(id)
		if id%4 == 0 {
			l.Shed(id, ShedRateLimited)
			continue
		}
		l.Accepted(id)
		require.NoError(t, l.Processed(id))
	}
	a := l.Audit()
	assert.Empty(t, a.Violations())
	assert.Equal(t, 100, a.Offered)
	assert.Equal(t, 75, a.Processed)
	assert.Zero(t, l.Backlog())
}

func TestPercentileNearestRank(t *testing.T) {
	var a Audit
	assert.Zero(t, a.Percentile(0.99))
	for i := 1; i <= 100; i++ {
		a.Latencies = append(a.Latencies, time.Duration(i)*time.Millisecond)
	}
	assert.Equal(t, 50*time.Millisecond, a.Percentile(0.50))
	assert.Equal(t, 99*time.Millisecond, a.Percentile(0.99))
	assert.Equal(t, 100*time.Millisecond, a.Percentile(1))
	assert.Equal(t, time.Millisecond, a.Percentile(0.001))
}

func TestInboxRemembersAppliedIDs(t *testing.T) {
	b := NewInbox(10)
	assert.False(t, b.Applied(3))
	assert.True(t, b.Mark(3))
	assert.False(t, b.Mark(3), "marking twice is not new")
	assert.True(t, b.Applied(3))
	assert.True(t, b.Mark(1_000_000), "grows past its size hint")
	assert.True(t, b.Applied(1_000_000))
	assert.False(t, b.Applied(999_999))
	assert.Equal(t, 2, b.Len())
}

func TestMemoryBound(t *testing.T) {
	assert.Equal(t, uint64(8<<20+4*256*(4096+512)), MemoryBound(256, 4096))
	assert.Equal(t, "12.5 MiB", MiB(MemoryBound(256, 4096)))
}
