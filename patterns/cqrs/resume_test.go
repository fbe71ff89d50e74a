package cqrs

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	eh "github.com/looplab/eventhorizon"
	"github.com/looplab/eventhorizon/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sync/errgroup"

	"github.com/patternlab/patternlab/kit/labtest"
)

// seqs records the log sequence of every event it is handed.
type seqs []uint64

func (s *seqs) HandlerType() eh.EventHandlerType { return "seqs" }
func (s *seqs) HandleEvent(ctx context.Context, _ eh.Event) error {
	*s = append(*s, LogSequence(ctx))
	return nil
}

// A reader that checkpoints its cursor after each page and is stopped
// there resumes from the saved cursor (through JSON, as a file would hold
// it) and sees exactly the rest of the log: no event twice, none missed,
// and the history rule still judges what comes next by the versions the
// cursor carried.
//
// Fault: crash | target: a reader, stopped after checkpointing its cursor | invariant: resumed from the saved cursor it sees exactly the rest of the log: no event twice, none missed
func TestResumeFromACheckpointSeesExactlyTheRest(t *testing.T) {
	srv := labtest.NATS(t)
	ctx := context.Background()
	store, _ := writer(t, srv.ClientURL())
	// 60 accounts of 10 events each, written in batches: more than a page
	// of the log, one history crossing the page boundary (batches
	// of 10 from seq 1: 511..520).
	var a uuid.UUID
	var g errgroup.Group
	for i := range 60 {
		h := (&history{id: uuid.New()}).add(AccountOpened, &AccountOpenedData{Owner: "owner"}, uuid.New())
		for range 9 {
			h.add(MoneyDeposited, &MoneyMovedData{Amount: 1}, uuid.New())
		}
		if i == 0 { // first, so that its history is all in the first page
			a = h.id
			require.NoError(t, store.Save(ctx, h.events, 0))
			continue
		}
		g.Go(func() error { return store.Save(ctx, h.events, 0) })
	}
	require.NoError(t, g.Wait())
	// A stale copy of a's second event, appended around the version check:
	// only the versions a cursor carries tell a resumed reader to skip it.
	first, err := store.Load(ctx, a)
	require.NoError(t, err)
	stale := publishRaw(t, srv.ClientURL(), "ledger.Account."+a.String(), encoded(t, first[1]), nil)

	var all seqs
	whole, err := store.Replay(ctx, &all)
	require.NoError(t, err)
	require.Len(t, whole.Skipped, 1)
	require.Equal(t, stale, whole.Skipped[0].Seq)

	var saved []string
	var pages int
	stop := errors.New("stopped after the first page")
	var head seqs
	_, err = store.Resume(ctx, Cursor{}, whole.UpTo, func(c Cursor, p Replayed) error {
		pages++
		raw, err := json.Marshal(c)
		require.NoError(t, err)
		saved = append(saved, string(raw))
		assert.Equal(t, c.Next-1, p.UpTo, "a page ends just before the cursor")
		return stop
	}, &head)
	require.ErrorIs(t, err, stop)
	require.Equal(t, 1, pages)

	var c Cursor
	require.NoError(t, json.Unmarshal([]byte(saved[0]), &c))
	require.Positive(t, c.Versions[a], "the cursor carries the versions reached")
	var tail seqs
	rest, err := store.Resume(ctx, c, whole.UpTo, nil, &tail)
	require.NoError(t, err)
	assert.Equal(t, []uint64(all), append(append([]uint64(nil), head...), tail...), "head + tail == the whole replay")
	require.Len(t, rest.Skipped, 1, "the stale copy is still left out")
	assert.ErrorIs(t, rest.Skipped[0].Err, ErrNotNextVersion)

	var fresh seqs
	_, err = store.Resume(ctx, Cursor{Next: c.Next}, whole.UpTo, nil, &fresh)
	require.NoError(t, err)
	assert.Less(t, len(fresh), len(tail), "without the versions, the rest of each history looks out of order")

	done, err := store.Resume(ctx, Cursor{Next: whole.UpTo + 1}, whole.UpTo, nil, &fresh)
	require.NoError(t, err)
	assert.Zero(t, done.Events, "a cursor past the cut-off reads nothing")
}
