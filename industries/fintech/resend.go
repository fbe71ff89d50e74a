package fintech

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/patternlab/patternlab/industries/fintech/traffic"
)

// FaultResendInstruction is the business day's second fault on demand (the
// lab's button): the payer's bank sends the last ordinary instruction the
// office took in once more, as a bank that timed out waiting for an answer
// would. Ordinary is the day's Resendable: not a planted case (most of
// which are refused anyway, so a resend of one would show nothing) and
// not sent around the risk outage.
// The payment's key (the instruction's end-to-end ID) must absorb it:
// -idempotency=false makes it a second payment, and the verdict says
// applied twice. The resent message is planned when it is accepted and
// fired when the office takes it in, and the audit counts it among the
// day's messages.
const FaultResendInstruction = "resend-instruction"

// offerResend offers resend-instruction while the office takes the day's
// messages in.
func (o *office) offerResend() {
	o.d.n.Offer(FaultResendInstruction, "banks",
		"the payer's bank sends the last ordinary instruction the office took in once more: the payment key must absorb it", o.resend)
}

func (o *office) resend() error {
	o.mu.Lock()
	defer o.mu.Unlock() // held until the resend is registered: the office takes it in after
	switch {
	case o.intakeClosed:
		return errors.New("the office has taken in every message of the day")
	case o.last == nil:
		return errors.New("no ordinary instruction has arrived yet: nothing to resend")
	}
	in := o.lastIn
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ack, err := o.d.js.Publish(ctx, o.d.names.instructions(in.PayerBank()), o.last)
	if err != nil {
		return fmt.Errorf("resend %s: %w", in.ID, err)
	}
	o.resent[ack.Sequence] = o.d.n.Plan(in.PayerBank(), "an instruction resent on request in the lab")
	o.want++
	o.resends++
	return nil
}

// tookIn remembers the last ordinary instruction taken in, and fires the
// planned fault of a resend when its message arrives.
func (o *office) tookIn(m jetstream.Msg, seq uint64, in traffic.Instruction) {
	o.mu.Lock()
	if o.d.day.Resendable[in.ID] {
		o.last, o.lastIn = append([]byte(nil), m.Data()...), in
	}
	p := o.resent[seq]
	delete(o.resent, seq)
	o.mu.Unlock()
	if p != nil {
		p.Fire("%s sends instruction %s again (requested in the lab): the office takes it in at seq %d, and the payment key %s must absorb it",
			in.PayerBank(), in.ID, seq, in.ID)
	}
}
