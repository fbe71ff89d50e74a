package fintech

import (
	"context"
	"errors"
	"fmt"
	"time"

	eh "github.com/looplab/eventhorizon"
	ehjson "github.com/looplab/eventhorizon/codec/json"
	"github.com/nats-io/nats.go"

	"github.com/patternlab/patternlab/industries/fintech/bank"
	"github.com/patternlab/patternlab/industries/fintech/traffic"
	"github.com/patternlab/patternlab/kit/natsembed"
	"github.com/patternlab/patternlab/kit/poll"
	"github.com/patternlab/patternlab/patterns/cqrs"
)

// forgedAmount is what the guest tries to credit an account with.
const forgedAmount = 10_000_00

// forgery is the guest's forged deposit, when the server let it in.
type forgery struct {
	Bank    string
	Account string
	Seq     uint64
}

// guest is the act where a client that is not the clearing house (a
// bank's connection, say) publishes a well-formed deposit as an
// account's next event, straight onto the books' log.
func (d *demo) guest(ctx context.Context) error {
	d.n.Act("act 3: a stranger writes on the books")
	if d.nats.External() {
		d.n.Step("guest", "skipped: on a server from %s the permissions are its operator's", natsembed.EnvURL)
		return nil
	}
	victim := d.day.Planted.Corporate
	books := d.books[traffic.Bank(victim)]
	acc, err := books.Ledger.Account(ctx, bank.AccountID(victim))
	if err != nil {
		return err
	}
	forged := eh.NewEvent(cqrs.MoneyDeposited, &cqrs.MoneyMovedData{Amount: forgedAmount, Ref: "forged"}, time.Now(),
		eh.ForAggregate(cqrs.AccountType, bank.AccountID(victim), acc.AggregateVersion()+1))
	data, err := (&ehjson.EventCodec{}).MarshalEvent(ctx, forged)
	if err != nil {
		return err
	}
	subject, err := books.Log.Subject(cqrs.AccountType, bank.AccountID(victim))
	if err != nil {
		return err
	}
	info, err := d.js.Stream(ctx, books.Log.Stream)
	if err != nil {
		return err
	}
	before, err := info.Info(ctx)
	if err != nil {
		return err
	}
	nc, err := natsembed.Connect(d.nats.Embedded.GuestURL(), "guest", nats.ErrorHandler(func(*nats.Conn, *nats.Subscription, error) {}))
	if err != nil {
		return err
	}
	defer nc.Close()
	d.n.Plan("guest", "a forged deposit published without the clearing house's credentials").
		Fire("a client without the clearing house's credentials publishes a deposit of %s as %s's next event", cents(forgedAmount), victim)
	if err := nc.Publish(subject, data); err != nil {
		return fmt.Errorf("guest publish: %w", err)
	}
	if err := nc.Flush(); err != nil {
		return fmt.Errorf("guest flush: %w", err)
	}
	if errors.Is(nc.LastError(), nats.ErrPermissionViolation) {
		d.n.Check("protected", true, "the server refused the guest's publish: permissions violation")
		return nil
	}
	var stored uint64
	err = poll.Within(ctx, 10*time.Second, 5*time.Millisecond, func() (bool, error) {
		st, err := info.Info(ctx)
		if err != nil {
			return false, err
		}
		stored = st.State.LastSeq
		return stored > before.State.LastSeq, nil
	})
	if err != nil {
		return fmt.Errorf("the guest's publish neither refused nor stored: %w", err)
	}
	d.forged = &forgery{Bank: traffic.Bank(victim), Account: victim, Seq: stored}
	d.n.Step("guest", "the server took it: %s's log grew to seq %d", traffic.Bank(victim), stored)
	return nil
}
