package traffic

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"
)

// Currency is the one currency this clearing system clears (a euro
// automated clearing house: SEPA credit transfers).
const Currency = "EUR"

// CycleDate is the business day of the clearing cycle.
var CycleDate = time.Date(2026, time.March, 2, 0, 0, 0, 0, time.UTC)

// DayConfig sizes a generated day.
type DayConfig struct {
	Seed     uint64
	Banks    []string // bank codes, one subject token each
	Accounts int      // customer accounts per bank
	Payments int      // random customer payments, besides the planted ones
	DupEvery int      // every n-th instruction is delivered two or three times (0: never)
	// Outage is how many payments arrive while the risk service is down:
	// the planted ones the outage must not let through come first.
	Outage int
}

// Account is one customer account and what it holds at the start of the day.
type Account struct {
	Name    string `json:"name"`
	Opening int64  `json:"opening"` // cents
}

// Bank is the account's bank.
func (a Account) Bank() string { return Bank(a.Name) }

// Planted are the instructions and accounts the day holds on purpose, so
// that every rule and every fault of the demo meets a case it exists for.
type Planted struct {
	Corporate   string // a large account that sends the planted payments
	Broke       string // an account that tries to pay more than it holds
	Burst       string // an account that sends more payments in a row than the velocity limit allows
	Blocked     string // an account on the sanctions list
	Closing     string // an account its bank closes mid-day
	CloseAt     time.Time
	OutageAt    time.Time // the risk service goes down at the first payment after this
	Overdraft   string    // Broke's payment
	BurstIDs    []string  // Burst's payments, in order
	ToBlocked   string    // a payment to Blocked, screened normally
	OverLimit   string    // a payment above the clearing limit, screened normally
	Foreign     string    // a payment in a currency this system does not clear
	InOutage    []string  // a payment to Blocked and one above the limit, sent while the risk service is down
	AfterClose  []string  // payments to Closing after it closed
	LostDebit   string    // its debit applies, and its answer is lost
	LatePivot   string    // its credit fails four times; the fifth applies and its answer is lost
	Race        [2]string // two payments from one account at the same instant
	Duplicated  []string  // instructions delivered more than once
	MalformedAt []int     // indexes in Messages of the malformed messages
}

// Day is one business day of traffic.
type Day struct {
	Accounts     []Account
	Instructions []Instruction // each once, in time order
	Messages     []Message     // what the banks publish, in order: duplicates and malformed ones included
	Planted      Planted
	// Resendable are the instructions a resend keeps the story exact for:
	// neither planted nor sent around the risk outage. The day duplicates
	// only these, and the lab's resend button sends only these again.
	Resendable map[string]bool
}

// Message is one message as a bank publishes it.
type Message struct {
	Data []byte
	// ID is the instruction it carries ("" for a malformed one) and Copy
	// which delivery of it this is (1, then 2 and 3 for a resend).
	ID   string
	Copy int
}

// Clearing limits the generator keeps to (the risk service's defaults).
const (
	MaxAmount      = 100_000_00 // above it a payment belongs to the RTGS system
	VelocityMax    = 5          // payments per payer within the window
	VelocityWindow = 15 * time.Minute
)

// Generate builds the day of cfg: the same seed gives the same day.
func Generate(cfg DayConfig) Day {
	g := &gen{cfg: cfg, rng: rand.New(rand.NewPCG(cfg.Seed, 0x9e3779b97f4a7c15))}
	g.accounts()
	g.plant()
	g.traffic()
	return g.finish()
}

type draft struct {
	Instruction
	tag string // the Planted field it fills, "" for random traffic
}

type gen struct {
	cfg      DayConfig
	rng      *rand.Rand
	day      Day
	special  map[string]bool
	ordinary []string // accounts random traffic uses
	drafts   []draft
	at       func(h, m, s int) time.Time
}

func (g *gen) accounts() {
	g.special = map[string]bool{}
	g.at = func(h, m, s int) time.Time {
		return CycleDate.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(s)*time.Second)
	}
	for bi, b := range g.cfg.Banks {
		for i := 1; i <= g.cfg.Accounts; i++ {
			a := Account{Name: fmt.Sprintf("%s-%04d", b, i)}
			// Retail balances are long-tailed too: a median of 8,000.00.
			a.Opening = round(math.Exp(math.Log(8_000_00) + 0.9*g.rng.NormFloat64()))
			switch {
			case bi == 0 && i == 1:
				a.Opening = 2_000_000_00
				g.day.Planted.Corporate = a.Name
			case bi == 0 && i == 2:
				a.Opening = 100_00
				g.day.Planted.Broke = a.Name
			case bi == 1%len(g.cfg.Banks) && i == 2:
				a.Opening = 50_000_00
				g.day.Planted.Burst = a.Name
			case bi == 2%len(g.cfg.Banks) && i == 2:
				g.day.Planted.Blocked = a.Name
			case bi == len(g.cfg.Banks)-1 && i == 2:
				g.day.Planted.Closing = a.Name
			default:
				g.ordinary = append(g.ordinary, a.Name)
			}
			g.day.Accounts = append(g.day.Accounts, a)
		}
	}
	for _, s := range []string{g.day.Planted.Corporate, g.day.Planted.Broke, g.day.Planted.Burst, g.day.Planted.Blocked, g.day.Planted.Closing} {
		g.special[s] = true
	}
}

func (g *gen) add(tag string, t time.Time, payer, payee string, amount int64, ccy string) {
	g.drafts = append(g.drafts, draft{Instruction: Instruction{Time: t, Payer: payer, Payee: payee, Amount: amount, Currency: ccy}, tag: tag})
}

// plant schedules the payments every rule and fault needs, at fixed times
// of the day and far enough apart that the corporate account stays within
// the velocity limit.
func (g *gen) plant() {
	p := &g.day.Planted
	corp := p.Corporate
	payee := func(i int) string { return g.ordinary[(i*7+3)%len(g.ordinary)] }
	p.CloseAt, p.OutageAt = g.at(13, 0, 0), g.at(11, 0, 0)
	g.add("LatePivot", g.at(9, 30, 0), corp, payee(1), 1_234_56, Currency)
	g.add("LostDebit", g.at(10, 0, 0), corp, payee(2), 2_345_67, Currency)
	for i := range 8 {
		g.add("BurstIDs", g.at(10, 30, 20*i), p.Burst, payee(10+i), int64(100_00+25_00*i), Currency)
	}
	g.add("Overdraft", g.at(10, 45, 0), p.Broke, payee(3), 2_500_00, Currency)
	g.add("InOutage", g.at(11, 0, 1), corp, p.Blocked, 5_000_00, Currency)
	g.add("InOutage", g.at(11, 0, 2), corp, payee(4), 250_000_00, Currency)
	g.add("ToBlocked", g.at(12, 0, 0), corp, p.Blocked, 4_000_00, Currency)
	g.add("AfterClose", g.at(14, 0, 0), corp, p.Closing, 3_100_00, Currency)
	g.add("OverLimit", g.at(14, 30, 0), corp, payee(5), 150_000_00, Currency)
	g.add("Race", g.at(15, 0, 0), corp, payee(6), 6_100_00, Currency)
	g.add("Race", g.at(15, 0, 0), corp, payee(7), 7_200_00, Currency)
	g.add("Foreign", g.at(16, 0, 0), corp, payee(8), 990_00, "USD")
	g.add("AfterClose", g.at(17, 0, 0), corp, p.Closing, 1_750_00, Currency)
}

// traffic draws the random payments: arrival times uniform over the day,
// payers by a Zipf-like popularity, amounts log-normal (a median of 60.00
// and a long tail of large transfers). A payer never sends more than it
// held at the start of the day minus what it already sent, so whatever
// order the payments settle in, no random payment is refused for funds.
func (g *gen) traffic() {
	left := map[string]int64{}
	for _, a := range g.day.Accounts {
		left[a.Name] = a.Opening
	}
	times := make([]time.Time, g.cfg.Payments)
	for i := range times {
		times[i] = g.at(8, 0, 0).Add(time.Duration(g.rng.Int64N(int64(10 * time.Hour))))
	}
	slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
	zipf := rand.NewZipf(g.rng, 1.1, 10, uint64(len(g.ordinary)-1))
	closing := g.day.Planted.Closing
	for _, t := range times {
		payer := g.ordinary[zipf.Uint64()]
		var payee string
		for payee == "" || payee == payer {
			payee = g.ordinary[g.rng.IntN(len(g.ordinary))]
			if t.Before(g.day.Planted.CloseAt) && g.rng.IntN(len(g.ordinary)) == 0 {
				payee = closing // it receives until it is closed
			}
		}
		amount := round(math.Exp(math.Log(60_00) + 1.4*g.rng.NormFloat64()))
		amount = min(amount, left[payer]/2, MaxAmount)
		if amount < 1_00 {
			continue // the payer has run dry: this payment is not sent
		}
		left[payer] -= amount
		g.add("", t, payer, payee, amount, Currency)
	}
}

// finish orders the instructions, names them, and writes the messages:
// resends of every n-th instruction a few messages later, and one
// malformed message of each kind spread over the day.
func (g *gen) finish() Day {
	slices.SortStableFunc(g.drafts, func(a, b draft) int { return a.Time.Compare(b.Time) })
	p := &g.day.Planted
	for i := range g.drafts {
		d := &g.drafts[i]
		d.ID = fmt.Sprintf("pi-%06d", i+1)
		switch d.tag {
		case "LatePivot":
			p.LatePivot = d.ID
		case "LostDebit":
			p.LostDebit = d.ID
		case "BurstIDs":
			p.BurstIDs = append(p.BurstIDs, d.ID)
		case "Overdraft":
			p.Overdraft = d.ID
		case "InOutage":
			p.InOutage = append(p.InOutage, d.ID)
		case "ToBlocked":
			p.ToBlocked = d.ID
		case "AfterClose":
			p.AfterClose = append(p.AfterClose, d.ID)
		case "OverLimit":
			p.OverLimit = d.ID
		case "Race":
			if p.Race[0] == "" {
				p.Race[0] = d.ID
			} else {
				p.Race[1] = d.ID
			}
		case "Foreign":
			p.Foreign = d.ID
		}
		g.day.Instructions = append(g.day.Instructions, d.Instruction)
	}
	g.day.Resendable = map[string]bool{}
	for i, in := range g.day.Instructions {
		if !g.plantedID(in.ID) && !g.inOutage(i) {
			g.day.Resendable[in.ID] = true
		}
	}
	var later []Message // resends waiting for their turn
	bad := g.malformed()
	every := len(g.day.Instructions)/(len(bad)+1) + 1
	for i, in := range g.day.Instructions {
		g.day.Messages = append(g.day.Messages, Message{Data: in.Encode(), ID: in.ID, Copy: 1})
		if g.cfg.DupEvery > 0 && (i+1)%g.cfg.DupEvery == 0 && g.day.Resendable[in.ID] {
			p.Duplicated = append(p.Duplicated, in.ID)
			for c := 2; c <= 2+(i/g.cfg.DupEvery)%2; c++ {
				later = append(later, Message{Data: in.Encode(), ID: in.ID, Copy: c})
			}
		}
		if len(later) > 0 && (i+1)%3 == 0 {
			g.day.Messages = append(g.day.Messages, later[0])
			later = later[1:]
		}
		if (i+1)%every == 0 && len(bad) > 0 {
			p.MalformedAt = append(p.MalformedAt, len(g.day.Messages))
			g.day.Messages = append(g.day.Messages, Message{Data: bad[0]})
			bad = bad[1:]
		}
	}
	g.day.Messages = append(g.day.Messages, later...)
	return g.day
}

// plantedID reports a planted instruction: those stay single, so that the
// story of each fault is not mixed with a duplicate's.
func (g *gen) plantedID(id string) bool {
	p := g.day.Planted
	for _, x := range append(append(append([]string{p.LatePivot, p.LostDebit, p.Overdraft, p.ToBlocked, p.OverLimit, p.Foreign, p.Race[0], p.Race[1]},
		p.BurstIDs...), p.InOutage...), p.AfterClose...) {
		if x == id {
			return true
		}
	}
	return false
}

// inOutage reports a payment (by its index in the day) that may arrive
// while the risk service is down. A resend of one refused as
// risk-unavailable is refused again (its ID is taken), but the risk
// service, back up, would count its screening in the payer's velocity
// window: keeping them single keeps the story exact.
func (g *gen) inOutage(i int) bool {
	first, _ := slices.BinarySearchFunc(g.day.Instructions, g.day.Planted.OutageAt, func(in Instruction, t time.Time) int {
		return in.Time.Compare(t)
	})
	return i >= first && i < first+2*g.cfg.Outage
}

// malformed are one message of each kind the intake must dead-letter.
func (g *gen) malformed() [][]byte {
	base := func(id string) Instruction {
		return Instruction{ID: id, Time: g.at(12, 30, 0), Payer: g.ordinary[0], Payee: g.ordinary[1], Amount: 10_00, Currency: Currency}
	}
	zero, neg, ccy, same := base("bad-000001"), base("bad-000002"), base("bad-000003"), base("bad-000004")
	zero.Amount, neg.Amount, ccy.Currency, same.Payee = 0, -5_00, "EUX", same.Payer
	return [][]byte{
		[]byte(`{"id":"bad-000000","time":"2026-03-02T12:30:00Z","payer":`),
		zero.Encode(), neg.Encode(), ccy.Encode(), same.Encode(),
	}
}

func round(x float64) int64 { return int64(math.Round(x)) }
