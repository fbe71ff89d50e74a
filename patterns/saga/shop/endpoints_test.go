package shop_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/kit/labtest"
	"github.com/patternlab/patternlab/patterns/saga/ledger"
	"github.com/patternlab/patternlab/patterns/saga/shop"
)

type loseAll struct{}

func (loseAll) LosesReply(ledger.Key, int) bool { return true }

// serve serves fresh services under prefix "t" on a new server and returns
// them and the server's URL.
func serve(t *testing.T, faults shop.ReplyFaults) (map[string]*shop.Service, string) {
	t.Helper()
	url := labtest.NATS(t).ClientURL()
	svcs, err := shop.NewServices(shop.Options{})
	require.NoError(t, err)
	e, err := shop.ServeEndpoints(labtest.Conn(t, url), "t", svcs, faults)
	require.NoError(t, err)
	t.Cleanup(e.Stop)
	return svcs, url
}

func TestCallRunsTheStepAtItsOwner(t *testing.T) {
	svcs, url := serve(t, nil)
	nc := labtest.Conn(t, url)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r, err := shop.Call(ctx, nc, "t", shop.Charge, order7)
	require.NoError(t, err)
	assert.Equal(t, ledger.Applied, r.Effect)
	again, err := shop.Call(ctx, nc, "t", shop.Charge, order7)
	require.NoError(t, err)
	assert.True(t, again.Duplicate)

	big := order7
	big.ID, big.Qty = "order-8", shop.InitialStock+1
	_, err = shop.Call(ctx, nc, "t", shop.Reserve, big)
	var declined *ledger.DeclinedError
	require.ErrorAs(t, err, &declined)
	assert.Equal(t, "out of stock", declined.Reason)
	assert.Equal(t, shop.Reserve.Key("order-8"), declined.Key)

	_, err = shop.Call(ctx, nc, "t", shop.Book, shop.Order{})
	assert.True(t, errors.Is(err, shop.ErrBadInput), "an order without an ID: %v", err)

	s, err := shop.FetchState(ctx, nc, "t", shop.Payment)
	require.NoError(t, err)
	assert.Equal(t, svcs[shop.Payment].Ledger.Snapshot(), s)
}

// A lost reply: the step applies, the caller hears nothing and times out;
// settling then gives it the definite answer.
//
// Fault: loss | target: a step's reply: it applies, the caller hears nothing and times out | invariant: settling gives the caller the definite answer
func TestALostReplyIsSettledAfterwards(t *testing.T) {
	svcs, url := serve(t, loseAll{})
	nc := labtest.Conn(t, url)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	short, cancelShort := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancelShort()
	_, err := shop.Call(short, nc, "t", shop.Book, order7)
	require.Error(t, err, "no answer")
	// The caller gave up; on a loaded machine the service may still be on
	// its way to the booking.
	var kinds []ledger.NoteKind
	require.Eventually(t, func() bool {
		kinds = kinds[:0]
		for _, n := range svcs[shop.Shipping].Ledger.Notes(order7.ID) {
			kinds = append(kinds, n.Kind)
		}
		return len(kinds) == 2
	}, 10*time.Second, time.Millisecond, "the service is done with the request")
	assert.Equal(t, []ledger.NoteKind{ledger.NoteApplied, shop.NoteReplyLost}, kinds)
	assert.True(t, svcs[shop.Shipping].Ledger.Snapshot().Applied(shop.Book.Key(order7.ID)), "yet the shipment is booked")

	e, err := shop.CallSettle(ctx, nc, "t", shop.Book, order7.ID, "the caller gave up")
	require.NoError(t, err)
	assert.Equal(t, ledger.Applied, e.Effect, "the caller learns it applied")

	e, err = shop.CallSettle(ctx, nc, "t", shop.Book, "order-9", "the caller gave up")
	require.NoError(t, err)
	assert.Equal(t, ledger.Declined, e.Effect, "a booking that never arrived is fenced off")
	_, err = shop.Call(ctx, nc, "t", shop.Book, shop.Order{ID: "order-9", SKU: "desk", Qty: 1, Amount: 12000})
	var declined *ledger.DeclinedError
	require.ErrorAs(t, err, &declined, "and refused when it comes late")
}
