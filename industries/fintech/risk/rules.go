// Package risk screens payments before any money moves: a rules engine
// (the currency this system clears, an amount limit above which a payment
// belongs to the RTGS system, a sanctions list of blocked counterparties)
// and a velocity limit per payer account over a sliding window of business
// time. It runs as a NATS service; its clients fail closed when it is down.
package risk

import (
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/patternlab/patternlab/industries/fintech/traffic"
)

// Rules are what the risk service enforces.
type Rules struct {
	Currency  string          // the only currency cleared
	MaxAmount int64           // cents; above it the payment must go via RTGS
	Blocked   map[string]bool // accounts on the sanctions list
	// Velocity: at most VelocityMax approved payments per payer within any
	// VelocityWindow of business time. VelocityMax 0 turns the limit off
	// (the demo's -velocity=false).
	VelocityMax    int
	VelocityWindow time.Duration
}

// Rule names, in the order they are tried.
const (
	RuleCurrency = "currency"
	RuleAmount   = "amount-limit"
	RuleBlocked  = "blocked-counterparty"
	RuleVelocity = "velocity"
)

// Request asks for a payment to be screened. Payment is the key the
// decision is kept under: screening the same payment again answers the
// same decision and counts nothing twice.
type Request struct {
	Payment     string              `json:"payment"`
	Instruction traffic.Instruction `json:"instruction"`
}

// Decision is the risk service's answer.
type Decision struct {
	Payment  string `json:"payment"`
	Approved bool   `json:"approved"`
	Rule     string `json:"rule,omitempty"`   // the rule that refused it
	Reason   string `json:"reason,omitempty"` // why, for the payer's bank
}

// Screener applies the rules. It is safe for concurrent use; the velocity
// windows and the decisions are its state, which a restarted service keeps
// (here: the same Screener is served again).
type Screener struct {
	rules Rules

	mu      sync.Mutex
	recent  map[string][]time.Time // per payer: approved payments inside the window, oldest first
	decided map[string]Decision
}

// NewScreener returns a screener for rules.
func NewScreener(r Rules) *Screener {
	return &Screener{rules: r, recent: map[string][]time.Time{}, decided: map[string]Decision{}}
}

// Screen decides one payment.
func (s *Screener) Screen(req Request) Decision {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d, ok := s.decided[req.Payment]; ok {
		return d
	}
	d := s.decide(req)
	s.decided[req.Payment] = d
	return d
}

func (s *Screener) decide(req Request) Decision {
	in, r := req.Instruction, s.rules
	refuse := func(rule, format string, args ...any) Decision {
		return Decision{Payment: req.Payment, Rule: rule, Reason: fmt.Sprintf(format, args...)}
	}
	switch {
	case in.Currency != r.Currency:
		return refuse(RuleCurrency, "currency %s is not cleared here (only %s)", in.Currency, r.Currency)
	case in.Amount > r.MaxAmount:
		return refuse(RuleAmount, "amount above the clearing limit of %s: send it via RTGS", cents(r.MaxAmount))
	case r.Blocked[in.Payer]:
		return refuse(RuleBlocked, "payer %s is on the sanctions list", in.Payer)
	case r.Blocked[in.Payee]:
		return refuse(RuleBlocked, "payee %s is on the sanctions list", in.Payee)
	}
	if r.VelocityMax > 0 {
		// The sliding window: keep the payer's approved payments of the
		// last VelocityWindow before this one; refuse when they are
		// already at the limit.
		w := s.recent[in.Payer]
		from := in.Time.Add(-r.VelocityWindow)
		i := sort.Search(len(w), func(i int) bool { return w[i].After(from) })
		w = w[i:]
		if len(w) >= r.VelocityMax {
			s.recent[in.Payer] = w
			return refuse(RuleVelocity, "%s already sent %d payments in the %s before %s", in.Payer, len(w), r.VelocityWindow, in.Time.Format("15:04:05"))
		}
		// Arrivals are screened in business-time order per payer; one out
		// of order still lands in its place.
		j := sort.Search(len(w), func(j int) bool { return w[j].After(in.Time) })
		w = append(w, time.Time{})
		copy(w[j+1:], w[j:])
		w[j] = in.Time
		s.recent[in.Payer] = w
	}
	return Decision{Payment: req.Payment, Approved: true}
}

func cents(c int64) string { return fmt.Sprintf("%d.%02d", c/100, c%100) }
