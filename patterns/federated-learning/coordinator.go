package federatedlearning

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nuid"

	"github.com/patternlab/patternlab/kit/deadletter"
	"github.com/patternlab/patternlab/kit/natsembed"
)

// Coordinator runs federated averaging: round after round it broadcasts the
// global model, collects the selected sites' updates from the updates
// stream until all came or the deadline passed, aggregates them and commits
// the result to the model store. Everything it needs to resume is in that
// store; nothing is kept only in its memory.
type Coordinator struct {
	Name       string
	URL        string
	Names      Names
	Roster     []string // enrolled sites
	PerRound   int      // sites selected per round
	Rounds     int      // train until this round is committed
	Aggregator string
	Trim       int
	Quorum     int           // fewest updates a round commits with
	Deadline   time.Duration // 0: wait for every selected site (the -round-deadline=false switch)
	// GiveUpAfter bounds a round without a deadline: Run returns ErrStalled
	// when a round is still open that long after its broadcast.
	GiveUpAfter time.Duration
	AckWait     time.Duration // redelivery of an update pulled but not acknowledged
	Dedupe      bool          // count an update only for its own open round, once per site
	Resume      bool          // start from the committed model (false: from scratch)
	Seed        uint64
	// CrashAfter, when > 0, makes Run return ErrCrashed right after
	// committing that round, without any cleanup: a crash between rounds.
	CrashAfter int
	// BeforeRound runs before each round opens (the lab injects its faults
	// there); the coordinator then drains what is already in the stream.
	BeforeRound func(ctx context.Context, round int) error
	// Events is told what happens; nil methods are skipped.
	Events CoordinatorEvents
}

// CoordinatorEvents are the coordinator's observable steps.
type CoordinatorEvents struct {
	Resumed    func(from Commit, revision uint64)
	Opened     func(rs RoundStart)
	Ignored    func(u Update, why string)
	DeadLetter func(subject, reason string)
	Closed     func(r RoundReport)
}

// RoundReport is one round as the coordinator closed it.
type RoundReport struct {
	Round     int
	Selected  []string
	Counted   []Counted
	Missing   []string // selected sites without a counted update
	TimedOut  bool     // closed by the deadline
	Committed bool     // false: below quorum, the model is unchanged
	Revision  uint64
	Took      time.Duration
}

// ErrStalled says a round without a deadline waited GiveUpAfter in vain.
var ErrStalled = errors.New("round stalled")

// ErrCrashed is Run's result after CrashAfter.
var ErrCrashed = errors.New("coordinator crashed (injected)")

// Report is what Run did.
type Report struct {
	StartRound int // the first round this coordinator opened
	LastRound  int // the last round it committed
}

// Run trains until round Rounds is committed, ctx ends or it crashes.
func (c *Coordinator) Run(ctx context.Context) (Report, error) {
	nc, err := natsembed.Connect(c.URL, c.Name)
	if err != nil {
		return Report{}, err
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return Report{}, err
	}
	store, err := OpenModelStore(ctx, js, c.Names.Bucket)
	if err != nil {
		return Report{}, err
	}
	dlq, err := deadletter.Open(ctx, js, c.Names.DLQ, c.Names.DeadLetters())
	if err != nil {
		return Report{}, err
	}
	stream, err := js.Stream(ctx, c.Names.Stream)
	if err != nil {
		return Report{}, fmt.Errorf("updates stream %s: %w", c.Names.Stream, err)
	}
	cons, floor, err := c.takeOver(ctx, stream)
	if err != nil {
		return Report{}, err
	}
	it, err := cons.Messages(jetstream.PullMaxMessages(64))
	if err != nil {
		return Report{}, err
	}
	defer it.Stop()

	// Updates up to the ack floor were handled by a predecessor.
	r := &run{c: c, stream: stream, it: it, dlq: dlq, counted: map[string]int{}, global: NewModel(), lastSeq: floor}
	last, rev, err := store.Load(ctx)
	switch {
	case errors.Is(err, ErrNoCommit):
	case err != nil:
		return Report{}, err
	case c.Resume:
		r.global, r.round = Model{Weights: last.Weights}, last.Round
		for _, k := range last.Counted {
			r.counted[k.Digest] = last.Round
		}
		if c.Events.Resumed != nil {
			c.Events.Resumed(last, rev)
		}
	}
	rep := Report{StartRound: r.round + 1}
	for r.round < c.Rounds {
		round := r.round + 1
		if c.BeforeRound != nil {
			if err := c.BeforeRound(ctx, round); err != nil {
				return rep, err
			}
		}
		rr, next, err := r.play(ctx, nc, round)
		if err != nil {
			return rep, err
		}
		if rr.Committed {
			commit := Commit{Round: round, Weights: next.Weights, Aggregator: c.Aggregator, Trim: c.Trim,
				Counted: rr.Counted, Coordinator: c.Name}
			if rev, err = store.Save(ctx, commit, rev); err != nil {
				return rep, err
			}
			rr.Revision = rev
			r.global = next
			rep.LastRound = round
		}
		r.round = round
		if c.Events.Closed != nil {
			c.Events.Closed(rr)
		}
		if c.CrashAfter == round {
			return rep, ErrCrashed
		}
	}
	return rep, nil
}

// takeOver creates this coordinator incarnation's own durable consumer on the updates
// stream, starting after the last update its predecessors acknowledged, and
// deletes theirs. A crashed predecessor's pull requests outlive it on the
// server (until they expire, or until the server notices its connection is
// gone), and updates delivered to them would come back only after AckWait;
// deleting its consumer ends them at once. It returns the consumer and the
// predecessors' ack floor.
func (c *Coordinator) takeOver(ctx context.Context, stream jetstream.Stream) (jetstream.Consumer, uint64, error) {
	var floor uint64
	var old []string
	infos := stream.ListConsumers(ctx)
	for ci := range infos.Info() {
		if strings.HasPrefix(ci.Name, Durable+"_") {
			old = append(old, ci.Name)
			floor = max(floor, ci.AckFloor.Stream)
		}
	}
	if err := infos.Err(); err != nil {
		return nil, 0, fmt.Errorf("list the coordinators' consumers: %w", err)
	}
	cfg := jetstream.ConsumerConfig{
		Durable: Durable + "_" + consumerToken(c.Name) + "_" + strings.ToLower(nuid.Next()[16:]), AckPolicy: jetstream.AckExplicitPolicy, AckWait: c.AckWait,
		FilterSubject: c.Names.Updates(), MaxAckPending: 1024, DeliverPolicy: jetstream.DeliverAllPolicy,
	}
	if floor > 0 {
		cfg.DeliverPolicy, cfg.OptStartSeq = jetstream.DeliverByStartSequencePolicy, floor+1
	}
	for _, name := range old {
		if err := stream.DeleteConsumer(ctx, name); err != nil && !errors.Is(err, jetstream.ErrConsumerNotFound) {
			return nil, 0, fmt.Errorf("take over from consumer %s: %w", name, err)
		}
	}
	cons, err := stream.CreateOrUpdateConsumer(ctx, cfg)
	if err != nil {
		return nil, 0, fmt.Errorf("coordinator consumer %s: %w", cfg.Durable, err)
	}
	return cons, floor, nil
}

// consumerToken makes a coordinator's name usable in a consumer name.
func consumerToken(name string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return '_'
	}, name)
}

// run is one coordinator's state between rounds.
type run struct {
	c       *Coordinator
	stream  jetstream.Stream
	it      jetstream.MessagesContext
	dlq     *deadletter.Queue
	global  Model
	round   int            // last round closed
	counted map[string]int // digest -> round it was counted in
	lastSeq uint64         // stream sequence of the last update handled
	open    *openRound     // the round collecting updates, if any
}

type openRound struct {
	round    int
	selected []string
	bySite   map[string]bool
	updates  []taken
}

type taken struct {
	u      Update
	digest string
}

// Select picks the round's sites: a seeded sample of perRound of the roster.
func Select(seed uint64, round int, roster []string, perRound int) []string {
	out := append([]string(nil), roster...)
	if perRound < len(out) {
		r := rand.New(rand.NewPCG(seed, uint64(round)))
		r.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
		out = out[:perRound]
	}
	slices.Sort(out)
	return out
}

// drain handles every update already stored when the round opens, before
// its broadcast: late, replayed and malformed ones are dealt with before
// anyone trains, in the order they were stored.
func (r *run) drain(ctx context.Context) error {
	info, err := r.stream.Info(ctx)
	if err != nil {
		return fmt.Errorf("updates stream info: %w", err)
	}
	for r.lastSeq < info.State.LastSeq {
		m, err := r.it.Next(jetstream.NextContext(ctx))
		if err != nil {
			return fmt.Errorf("drain updates: %w", err)
		}
		if err := r.handle(ctx, m); err != nil {
			return err
		}
	}
	return nil
}

// play opens the round, collects until every selected site answered or the
// deadline, and aggregates.
func (r *run) play(ctx context.Context, nc *nats.Conn, round int) (RoundReport, Model, error) {
	c := r.c
	sel := Select(c.Seed, round, c.Roster, c.PerRound)
	r.open = &openRound{round: round, selected: sel, bySite: map[string]bool{}}
	defer func() { r.open = nil }()
	if err := r.drain(ctx); err != nil {
		return RoundReport{}, Model{}, err
	}
	start := time.Now()
	rs := RoundStart{Round: round, Selected: sel, Weights: r.global.Weights, Coordinator: c.Name}
	data, err := json.Marshal(rs)
	if err != nil {
		return RoundReport{}, Model{}, err
	}
	if c.Events.Opened != nil {
		c.Events.Opened(rs)
	}
	if err := nc.Publish(c.Names.RoundSubject(), data); err != nil {
		return RoundReport{}, Model{}, fmt.Errorf("broadcast round %d: %w", round, err)
	}
	collect, cancel := ctx, context.CancelFunc(func() {})
	switch {
	case c.Deadline > 0:
		collect, cancel = context.WithDeadline(ctx, start.Add(c.Deadline))
	case c.GiveUpAfter > 0:
		collect, cancel = context.WithDeadline(ctx, start.Add(c.GiveUpAfter))
	}
	defer cancel()
	rr := RoundReport{Round: round, Selected: sel}
	for !r.complete() {
		m, err := r.it.Next(jetstream.NextContext(collect))
		if err != nil {
			if collect.Err() != nil && ctx.Err() == nil {
				if c.Deadline == 0 {
					return rr, Model{}, fmt.Errorf("round %d still open %s after its broadcast, waiting for %s: past its deadline: %w",
						round, c.GiveUpAfter, strings.Join(r.missing(), ", "), ErrStalled)
				}
				rr.TimedOut = true
				break
			}
			return rr, Model{}, fmt.Errorf("collect round %d: %w", round, err)
		}
		if err := r.handle(ctx, m); err != nil {
			return rr, Model{}, err
		}
	}
	o := r.open
	slices.SortStableFunc(o.updates, func(a, b taken) int { return strings.Compare(a.u.Site, b.u.Site) })
	var cs []Contribution
	for _, t := range o.updates {
		cs = append(cs, Contribution{Site: t.u.Site, Samples: t.u.Samples, Weights: t.u.Weights})
		rr.Counted = append(rr.Counted, Counted{Site: t.u.Site, Round: t.u.Round, Digest: t.digest})
		r.counted[t.digest] = round
	}
	rr.Missing = r.missing()
	rr.Took = time.Since(start)
	if len(cs) < max(c.Quorum, MinContributions(c.Aggregator, c.Trim)) {
		return rr, r.global, nil
	}
	next, err := Aggregate(c.Aggregator, c.Trim, cs)
	if err != nil {
		return rr, Model{}, err
	}
	rr.Committed = true
	return rr, next, nil
}

func (r *run) missing() []string {
	var out []string
	for _, s := range r.open.selected {
		if !r.open.bySite[s] {
			out = append(out, s)
		}
	}
	return out
}

func (r *run) complete() bool {
	o := r.open
	if r.c.Dedupe {
		for _, s := range o.selected {
			if !o.bySite[s] {
				return false
			}
		}
		return true
	}
	return len(o.updates) >= len(o.selected) // without dedupe, a count of messages
}

// handle decides about one stored update and acknowledges it: counted,
// ignored (late, replayed, duplicate) or dead-lettered (malformed, foreign).
func (r *run) handle(ctx context.Context, m jetstream.Msg) error {
	if md, err := m.Metadata(); err == nil {
		r.lastSeq = max(r.lastSeq, md.Sequence.Stream)
	}
	site := strings.TrimPrefix(m.Subject(), r.c.Names.Prefix+".update.")
	u, err := DecodeUpdate(m.Data(), site, r.c.Roster)
	if err != nil {
		kind := "malformed"
		switch {
		case errors.Is(err, ErrForeign):
			kind = "foreign"
		case errors.Is(err, ErrShape):
			kind = "shape"
		}
		if err := r.dlq.Send(ctx, kind, deadletter.FromJetStream(m, err.Error())); err != nil {
			return err // not acknowledged: redelivered, nothing lost
		}
		if r.c.Events.DeadLetter != nil {
			r.c.Events.DeadLetter(m.Subject(), err.Error())
		}
		return m.Ack()
	}
	digest := Digest(m.Data())
	o := r.open
	why := ""
	switch {
	case r.c.Dedupe && u.Round != o.round:
		why = r.stale(u, digest)
	case r.c.Dedupe && o.bySite[u.Site]:
		why = fmt.Sprintf("duplicate: %s already counted for round %d", u.Site, o.round)
	case !slices.Contains(o.selected, u.Site):
		why = fmt.Sprintf("%s was not selected for round %d", u.Site, o.round)
	}
	if why != "" {
		if r.c.Events.Ignored != nil {
			r.c.Events.Ignored(u, why)
		}
		return m.Ack()
	}
	o.bySite[u.Site] = true
	o.updates = append(o.updates, taken{u: u, digest: digest})
	return m.Ack()
}

func (r *run) stale(u Update, digest string) string {
	if at, ok := r.counted[digest]; ok {
		return fmt.Sprintf("replay: already counted in round %d", at)
	}
	if u.Round <= r.round {
		return fmt.Sprintf("late: round %d closed without it", u.Round)
	}
	return fmt.Sprintf("round %d is not open", u.Round)
}
