package cqrs

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	eh "github.com/looplab/eventhorizon"
	"github.com/looplab/eventhorizon/uuid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/patternlab/patternlab/kit/natsembed"
	"github.com/patternlab/patternlab/kit/poll"
)

// forgedAmount is what the guest tries to credit itself: 10,000.00.
const forgedAmount = 1_000_000

// strangers is the act where messages that are not the ledger's reach its
// subjects: a guest's forged event, which the server refuses, and a legacy
// tool's undecodable message, which gets in (the tool holds the ledger's
// credentials) and must cost nothing but a dead letter.
func (d *demo) strangers(ctx context.Context) error {
	d.n.Act("act 6: strangers on the ledger's subjects")
	bob := d.work.customers[1]
	acc, err := d.ledger.Account(ctx, bob.id)
	if err != nil {
		return err
	}
	if err := d.guest(ctx, bob, acc.AggregateVersion()); err != nil {
		return err
	}
	if err := d.legacy(ctx, bob); err != nil {
		return err
	}
	if _, err := d.work.run(ctx, d.work.depositOp(bob, 5_000, "after the stranger")); err != nil {
		return fmt.Errorf("%s's deposit after the foreign message: %w", bob.name, err)
	}
	acc, err = d.ledger.Account(ctx, bob.id)
	if err != nil {
		return err
	}
	d.n.Step("ledger", "%s's next deposit of %s accepted as v%d: his history leaves the foreign message out", bob.name, Cents(5_000), acc.AggregateVersion())
	if err := d.catchUp(ctx); err != nil {
		return err
	}
	d.n.Step("projector", "balances and statements caught up with every account")
	return d.checkDeadLetters(ctx)
}

// guest publishes a well-formed, forged deposit as bob's next event, from
// a connection without the ledger's credentials.
func (d *demo) guest(ctx context.Context, bob customer, version int) error {
	if d.target.External() {
		d.n.Step("guest", "skipped: on a server from %s the permissions are its operator's", natsembed.EnvURL)
		return nil
	}
	nc, err := natsembed.Connect(d.target.Embedded.GuestURL(), "guest", nats.ErrorHandler(func(*nats.Conn, *nats.Subscription, error) {}))
	if err != nil {
		return err
	}
	defer nc.Close()
	forged := eh.NewEvent(MoneyDeposited, &MoneyMovedData{Amount: forgedAmount, Ref: "forged"}, time.Now(),
		eh.ForAggregate(AccountType, bob.id, version+1), eh.WithMetadata(map[string]any{metaCommandID: uuid.New().String()}))
	m, err := newCodec(d.log).encode(ctx, forged)
	if err != nil {
		return err
	}
	before, err := d.lastSeq(ctx)
	if err != nil {
		return err
	}
	d.n.Plan("guest", "a forged event published without the ledger's credentials").
		Fire("a client without the ledger's credentials publishes a forged deposit of %s as %s's next event (v%d)", Cents(forgedAmount), bob.name, version+1)
	if err := nc.PublishMsg(m); err != nil {
		return fmt.Errorf("guest publish: %w", err)
	}
	if err := nc.Flush(); err != nil {
		return fmt.Errorf("guest flush: %w", err)
	}
	refusal := nc.LastError() // the server's -ERR arrives before the flush's PONG
	if errors.Is(refusal, nats.ErrPermissionViolation) {
		d.n.Check("protected", true, "the server refused the guest's publish: permissions violation")
		return nil
	}
	// Not refused: the stream stores it asynchronously; say where it landed.
	stored := before
	_ = poll.Within(ctx, 10*time.Second, 5*time.Millisecond, func() (bool, error) {
		var err error
		stored, err = d.lastSeq(ctx)
		return err == nil && stored > before, nil
	})
	d.n.Check("protected", false, "the server accepted the guest's publish (%v): the log grew from seq %d to %d", refusal, before, stored)
	return nil
}

// legacy publishes, with the ledger's own credentials, a message that is not
// an event: what a tool written against an old format would send.
func (d *demo) legacy(ctx context.Context, bob customer) error {
	subject, err := d.log.Subject(AccountType, bob.id)
	if err != nil {
		return err
	}
	m := nats.NewMsg(subject)
	m.Header.Set("Legacy-Tool", "teller-export 1.2")
	m.Data = fmt.Appendf(nil, `{"account":%q,"amount":5000}`, bob.name)
	d.n.Plan("legacy", "an undecodable message on an account's subject").
		Fire("a tool with the ledger's credentials but not its code publishes %s on %s's subject", m.Data, bob.name)
	ack, err := d.js.PublishMsg(ctx, m)
	if err != nil {
		return fmt.Errorf("legacy publish: %w", err)
	}
	d.malformed = append(d.malformed, ack.Sequence)
	err = d.store.stream.DeleteMsg(ctx, ack.Sequence)
	switch {
	case errors.Is(err, jetstream.ErrMsgDeleteUnsuccessful):
		_, why, _ := strings.Cut(err.Error(), "description=")
		d.n.Step("legacy", "stored at seq %d; the server refuses to delete it (%s): it stays in the log for good", ack.Sequence, why)
	case err != nil:
		return fmt.Errorf("delete seq %d: %w", ack.Sequence, err)
	default:
		d.n.Step("legacy", "stored at seq %d, and deleted again: this log does not deny deletes", ack.Sequence)
	}
	return nil
}

// checkDeadLetters reads the dead letters back from the server: each
// undecodable message put in must be there once, with its reason.
func (d *demo) checkDeadLetters(ctx context.Context) error {
	letters, err := DeadLetters(ctx, d.js, d.log)
	if err != nil {
		return err
	}
	d.lettered = map[uint64]bool{}
	var reasons []string
	for _, l := range letters {
		d.lettered[LetterSequence(l)] = true
		reasons = append(reasons, fmt.Sprintf("seq %d: %s", LetterSequence(l), l.Reason))
	}
	sort.Strings(reasons)
	ok := len(letters) == len(d.malformed)
	for _, seq := range d.malformed {
		ok = ok && d.lettered[seq]
	}
	d.n.Check("dead-letters", ok, "%s holds %d letter(s) for the %d undecodable message(s), each with its reason, subject and headers: %s",
		d.log.DeadLetterStream(), len(letters), len(d.malformed), strings.Join(reasons, "; "))
	return nil
}

// lastSeq is the log's last stream sequence, as the server reports it.
func (d *demo) lastSeq(ctx context.Context) (uint64, error) {
	info, err := d.store.stream.Info(ctx)
	if err != nil {
		return 0, fmt.Errorf("stream info: %w", err)
	}
	return info.State.LastSeq, nil
}
