package federatedlearning

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/patternlab/patternlab/kit/narrate"
	"github.com/patternlab/patternlab/kit/natsembed"
)

// Invariant is the sentence the demo's last line states (pattern.yaml holds
// the same).
const Invariant = "raw data never left a site, no update was counted twice, every round closed by its deadline, " +
	"the restarted coordinator resumed from the committed model, and the global model's accuracy is within ε " +
	"of a centrally trained model despite a poisoned site"

// Demo runs the narrated demo: a federation of cfg.Sites plants trains a
// fault classifier over NATS while the lab injects every fault of the
// schedule, then the auditor checks the invariant from the wire tap.
func Demo(ctx context.Context, n *narrate.Narrator, cfg Config) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	target, err := natsembed.FromEnv(natsembed.Options{Name: "federated-learning", Protect: Protected})
	if err != nil {
		return fmt.Errorf("start nats: %w", err)
	}
	defer target.Close()
	d := &demo{n: n, cfg: cfg, target: target, names: NamesFor(target), sched: PlanFaults(cfg)}
	return d.run(ctx)
}

type demo struct {
	n      *narrate.Narrator
	cfg    Config
	target *natsembed.Target
	names  Names
	sched  Schedule
	js     jetstream.JetStream
	tap    *Tap

	sites   []Site
	shards  map[string][]Sample
	test    []Sample
	central float64

	mu         sync.Mutex
	violations []string

	poison, straggle, drop, replay, letters, crash *narrate.PlannedFault
	release                                        chan struct{}
	late                                           chan struct{}
	lateOnce, releaseOnce                          sync.Once
	rejoined                                       bool // the dropper rejoined (beforeRound runs on the coordinator's goroutine)
	siteRuns                                       sync.WaitGroup
	siteErrs                                       chan error
}

func (d *demo) violate(format string, args ...any) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.violations = append(d.violations, fmt.Sprintf(format, args...))
}

func (d *demo) run(ctx context.Context) error {
	n, cfg := d.n, d.cfg
	n.Act("federated learning: %d plants train one fault classifier; their data stays home", cfg.Sites)
	n.Measure("nats", "%s", d.target.Describe())
	if err := d.setup(ctx); err != nil {
		return err
	}
	d.switches()
	d.data()
	siteCtx, stopSites := context.WithCancel(ctx)
	defer func() { stopSites(); d.siteRuns.Wait() }()
	if err := d.startSites(siteCtx); err != nil {
		return err
	}

	n.Act("training: %d rounds, %s aggregation, %s deadline", cfg.Rounds, cfg.Aggregator, cfg.Deadline)
	d.plan()
	err := d.train(ctx, siteCtx)
	stopSites()
	d.siteRuns.Wait()
	if errors.Is(err, ErrStalled) {
		d.n.Step("coordinator", "gives up: %v", err)
		d.violate("%v", err)
	} else if err != nil {
		return err
	}
	if err := d.siteError(); err != nil {
		return err
	}

	n.Act("audit: from the wire tap and the servers, not from the coordinator")
	if err := d.audit(ctx); err != nil {
		return err
	}
	d.mu.Lock()
	violations := append([]string(nil), d.violations...)
	d.mu.Unlock()
	n.Invariant(Invariant, violations...)
	return nil
}

// setup creates the updates stream and the tap, and shows that a guest may
// not publish on the module's subjects.
func (d *demo) setup(ctx context.Context) error {
	nc, err := natsembed.Connect(d.target.URL, "lab")
	if err != nil {
		return err
	}
	d.target.OnClose(nc.Close)
	if d.js, err = jetstream.New(nc); err != nil {
		return err
	}
	names := d.names
	if _, err := d.js.CreateStream(ctx, jetstream.StreamConfig{
		Name: names.Stream, Description: "federated-learning: the sites' model updates",
		Subjects: []string{names.Updates()}, Storage: jetstream.FileStorage, MaxMsgSize: 8 << 10,
		MaxBytes: 64 << 20, Discard: jetstream.DiscardNew,
	}); err != nil {
		return fmt.Errorf("updates stream %s: %w", names.Stream, err)
	}
	d.target.OnClose(func() {
		cctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = d.js.DeleteStream(cctx, names.Stream)
		_ = d.js.DeleteKeyValue(cctx, names.Bucket)
		_ = d.js.DeleteStream(cctx, names.DLQ)
	})
	d.n.Step("lab", "updates stream %s on %s; committed models in bucket %s; dead letters in %s",
		names.Stream, names.Updates(), names.Bucket, names.DLQ)

	tapURL, subjects := d.target.URL, []string{">"}
	if d.target.External() {
		subjects = []string{names.Prefix + ".>", "$KV." + names.Bucket + ".>"}
		d.n.Step("tap", "external server: taps the run's own subjects (%s)", strings.Join(subjects, ", "))
	} else {
		tapURL = d.target.Embedded.GuestURL()
		d.n.Step("tap", "connects as a guest and subscribes to \">\": it records every message on every subject")
	}
	if d.tap, err = StartTap(ctx, tapURL, "auditor-tap", names, subjects); err != nil {
		return err
	}
	d.target.OnClose(d.tap.Close)
	if !d.target.External() {
		return d.guest(ctx)
	}
	d.n.Step("guest", "external server: subject permissions are the operator's (the chapter shows them)")
	return nil
}

func (d *demo) guest(ctx context.Context) error {
	nc, err := natsembed.Connect(d.target.Embedded.GuestURL(), "guest", nats.ErrorHandler(func(*nats.Conn, *nats.Subscription, error) {}))
	if err != nil {
		return err
	}
	defer nc.Close()
	forged, _ := json.Marshal(Update{Round: 1, Site: SiteName(0), Samples: 1, Weights: make([]float64, Dim)})
	subject := d.names.UpdateSubject(SiteName(0))
	if err := nc.Publish(subject, forged); err != nil {
		return err
	}
	if err := flush(ctx, nc); err != nil {
		return err
	}
	refused := nc.LastError() != nil && strings.Contains(strings.ToLower(nc.LastError().Error()), "permissions violation")
	d.n.Step("guest", "publishes a forged update on %s: %s", subject, errText(nc.LastError(), "accepted"))
	d.n.Check("protected subjects", refused, "only the module's own user may publish on %s", strings.Join(Protected, ", "))
	return nil
}

func errText(err error, none string) string {
	if err == nil {
		return none
	}
	return "refused (" + err.Error() + ")"
}

// switches narrates the safeguards turned off.
func (d *demo) switches() {
	c := d.cfg
	if c.Aggregator == Mean {
		d.n.Step("lab", "SWITCH -aggregator=mean: plain FedAvg, which one poisoned update can drag anywhere")
	}
	if c.Aggregator == TrimmedMean && c.Trim == 0 {
		d.n.Step("lab", "SWITCH -trim=0: a trimmed mean that trims nothing is plain FedAvg")
	}
	if !c.Dedupe {
		d.n.Step("lab", "SWITCH -dedupe=false: the coordinator counts every update message, whatever its round or site")
	}
	if !c.RoundDeadline {
		d.n.Step("lab", "SWITCH -round-deadline=false: a round waits for every selected site")
	}
	if !c.Resume {
		d.n.Step("lab", "SWITCH -resume=false: a restarted coordinator ignores the committed model")
	}
	if !c.DataLocal {
		d.n.Step("lab", "SWITCH -data-local=false: every site also uploads its raw shard to the hub")
	}
}

// data generates the plants' shards, the held-out set and the reference.
func (d *demo) data() {
	c := d.cfg
	d.sites = Fleet(c.Seed, c.Sites, c.Samples)
	d.shards = map[string][]Sample{}
	total, lo, hi := 0, 1<<30, 0
	for _, s := range d.sites {
		d.shards[s.Name] = s.Shard(c.Seed)
		total += s.Samples
		lo, hi = min(lo, s.Samples), max(hi, s.Samples)
	}
	d.n.Step("data", "%d plants, %d to %d readings each (%d in all), %d features from vibration and temperature sensors",
		c.Sites, lo, hi, total, len(Features))
	coolest, hottest := d.sites[0], d.sites[0]
	for _, s := range d.sites {
		if s.Ambient < coolest.Ambient {
			coolest = s
		}
		if s.Ambient > hottest.Ambient {
			hottest = s
		}
	}
	d.n.Step("data", "non-IID: %s runs at %.0f °C with %.0f%% faulty machines, %s at %.0f °C with %.0f%%",
		coolest.Name, coolest.Ambient, 100*coolest.FaultRate, hottest.Name, hottest.Ambient, 100*hottest.FaultRate)
	d.test = TestSet(c.Seed, d.sites, c.TestSize)
	ref := Central(c.Seed, d.sites, d.training(), c.Rounds)
	d.central = ref.Accuracy(d.test)
	d.n.Step("reference", "a model trained centrally on the pooled readings (only the lab can pool them: it plays every plant) scores %.3f on %d held-out readings",
		d.central, len(d.test))
}

func (d *demo) training() Training {
	return Training{Epochs: d.cfg.Epochs, LearningRate: d.cfg.LR, Batch: d.cfg.Batch}
}

// plan schedules the faults: each must fire, or the verdict says so.
func (d *demo) plan() {
	s, n := d.sched, d.n
	d.poison = n.Plan(s.Poisoned, "compromised: poisoned updates")
	d.letters = n.Plan("lab", fmt.Sprintf("malformed and foreign updates before round %d", s.DeadLetterRound))
	d.straggle = n.Plan(s.Straggler, fmt.Sprintf("straggles in round %d", s.StraggleRound))
	d.replay = n.Plan("network", fmt.Sprintf("replays %s's round-%d update", s.ReplaySite, s.StraggleRound))
	d.crash = n.Plan("coordinator-1", fmt.Sprintf("crashes after committing round %d", s.CrashAfter))
	d.drop = n.Plan(s.Dropper, fmt.Sprintf("drops out in round %d", s.DropRound))
}

func (d *demo) agent(site Site) *Agent {
	s := d.sched
	a := &Agent{Site: site, Shard: d.shards[site.Name], Training: d.training(), Seed: d.cfg.Seed, Names: d.names, URL: d.target.URL}
	a.Faults.LeakRaw = !d.cfg.DataLocal
	a.Faults.On = func(fault string, round int, detail string) { d.siteFault(site.Name, fault, detail) }
	switch site.Name {
	case s.Poisoned:
		a.Faults.PoisonScale = d.cfg.PoisonScale
	case s.Straggler:
		a.Faults.StraggleRound, a.Faults.Release, a.Faults.StraggleFor = s.StraggleRound, d.release, d.cfg.straggleFor()
	case s.Dropper:
		a.Faults.DropRound = s.DropRound
	}
	return a
}

func (d *demo) siteFault(site, fault, detail string) {
	switch fault {
	case "poison":
		if d.poison.Fired() == 0 {
			d.poison.Fire("compromised: %s, and every round after", detail)
		}
	case "straggle":
		d.straggle.Fire("%s", detail)
	case "late":
		d.lateOnce.Do(func() { close(d.late) })
	case "drop":
		d.drop.Fire("%s", detail)
	case "leak":
		d.n.Step(site, "%s", detail)
	}
}

func (d *demo) startSites(ctx context.Context) error {
	d.release, d.late = make(chan struct{}), make(chan struct{})
	d.siteErrs = make(chan error, 2*len(d.sites))
	for _, site := range d.sites {
		if err := d.join(ctx, site); err != nil {
			return err
		}
	}
	d.n.Step("sites", "%d gateways joined: each trains on its own shard and publishes only its model (%d weights)", len(d.sites), Dim)
	return nil
}

func (d *demo) join(ctx context.Context, site Site) error {
	run, err := d.agent(site).Join(ctx)
	if err != nil {
		return err
	}
	d.siteRuns.Add(1)
	go func() {
		defer d.siteRuns.Done()
		if err := run(ctx); err != nil && !errors.Is(err, ErrDropped) {
			d.siteErrs <- err
		}
	}()
	return nil
}

func (d *demo) siteError() error {
	select {
	case err := <-d.siteErrs:
		return err
	default:
		return nil
	}
}

// train runs coordinator-1 until its crash, then coordinator-2 to the end.
// It returns the stall of a round without a deadline, if one stalled.
func (d *demo) train(ctx, siteCtx context.Context) error {
	c1 := d.coordinator("coordinator-1", siteCtx)
	c1.CrashAfter = d.sched.CrashAfter
	_, err := c1.Run(ctx)
	switch {
	case errors.Is(err, ErrCrashed):
		d.crash.Fire("crashes right after committing round %d: no cleanup, its connection just drops", d.sched.CrashAfter)
	case errors.Is(err, ErrStalled):
		return err
	case err != nil:
		return err
	}
	c2 := d.coordinator("coordinator-2", siteCtx)
	c2.Resume = d.cfg.Resume
	if !d.cfg.Resume {
		d.n.Step("coordinator-2", "starts from scratch: ignores the committed model")
	}
	_, err = c2.Run(ctx)
	return err
}

func (d *demo) coordinator(name string, siteCtx context.Context) *Coordinator {
	c := d.cfg
	co := &Coordinator{Name: name, URL: d.target.URL, Names: d.names, Roster: Roster(c.Sites), PerRound: c.PerRound,
		Rounds: c.Rounds, Aggregator: c.Aggregator, Trim: c.Trim, Quorum: c.Quorum, AckWait: c.ackWait(),
		Dedupe: c.Dedupe, Resume: true, Seed: c.Seed}
	if c.RoundDeadline {
		co.Deadline = c.Deadline
	} else {
		co.GiveUpAfter = c.giveUpAfter()
	}
	co.BeforeRound = func(ctx context.Context, round int) error { return d.beforeRound(ctx, siteCtx, round) }
	co.Events = CoordinatorEvents{
		Resumed: func(from Commit, rev uint64) {
			d.n.Step(name, "starts: resumes from round %d's model, committed by %s (bucket %s, revision %d)", from.Round, from.Coordinator, d.names.Bucket, rev)
		},
		Ignored: func(u Update, why string) {
			d.n.Step(name, "ignores %s's round-%d update: %s", u.Site, u.Round, why)
		},
		DeadLetter: func(subject, reason string) {
			d.n.Step(name, "dead-letters a message on %s: %s", subject, reason)
		},
		Closed: func(r RoundReport) { d.closed(name, r) },
	}
	return co
}

func (d *demo) closed(name string, r RoundReport) {
	how := "every selected site answered"
	if r.TimedOut {
		how = fmt.Sprintf("closed at the %s deadline without %s", d.cfg.Deadline, strings.Join(r.Missing, ", "))
	}
	if !r.Committed {
		d.n.Step(name, "round %d: %d of %d updates, %s: below the quorum of %d, the model is unchanged", r.Round, len(r.Counted), len(r.Selected), how, d.cfg.Quorum)
		return
	}
	d.n.Step(name, "round %d: %d of %d updates, %s; %s committed as revision %d", r.Round, len(r.Counted), len(r.Selected), how, d.cfg.Aggregator, r.Revision)
}

// beforeRound injects the faults due before a round opens.
func (d *demo) beforeRound(ctx, siteCtx context.Context, round int) error {
	s := d.sched
	switch round {
	case s.DeadLetterRound:
		if d.letters.Fired() == 0 {
			return d.deadLetters(ctx)
		}
	case s.ReplayRound:
		if d.straggle.Fired() > 0 {
			d.releaseOnce.Do(func() { close(d.release) })
			select {
			case <-d.late:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		if d.replay.Fired() == 0 {
			return d.replayUpdate(ctx)
		}
	}
	// The dropper rejoins for the first round that opens after its dropout
	// fired: usually DropRound+1, later when DropRound closed before the
	// dropout was reported (without dedupe, a stale message can complete it).
	if round > s.DropRound && d.drop.Fired() > 0 && !d.rejoined {
		d.rejoined = true
		for _, site := range d.sites {
			if site.Name == s.Dropper {
				a := d.agent(site)
				a.Faults.DropRound = 0
				run, err := a.Join(siteCtx)
				if err != nil {
					return err
				}
				d.siteRuns.Add(1)
				go func() {
					defer d.siteRuns.Done()
					if err := run(siteCtx); err != nil {
						d.siteErrs <- err
					}
				}()
				d.n.Step(site.Name, "rejoins: reconnects and waits for the next round")
			}
		}
	}
	return nil
}

// deadLetters publishes what no site would send: a truncated update, one
// from a site that is not enrolled, one signed by another site, one of the
// wrong shape.
func (d *demo) deadLetters(ctx context.Context) error {
	site := d.sched.Straggler
	good, _ := json.Marshal(Update{Round: d.sched.DeadLetterRound, Site: site, Samples: 10, Weights: make([]float64, Dim)})
	short, _ := json.Marshal(Update{Round: d.sched.DeadLetterRound, Site: site, Samples: 10, Weights: make([]float64, 3)})
	foreign, _ := json.Marshal(Update{Round: d.sched.DeadLetterRound, Site: "site-99", Samples: 10, Weights: make([]float64, Dim)})
	bad := []struct {
		subject string
		data    []byte
	}{
		{d.names.UpdateSubject(site), good[:len(good)/2]},
		{d.names.UpdateSubject("site-99"), foreign},
		{d.names.UpdateSubject(d.sched.ReplaySite), good},
		{d.names.UpdateSubject(site), short},
	}
	for _, b := range bad {
		if _, err := d.js.Publish(ctx, b.subject, b.data); err != nil {
			return fmt.Errorf("publish a bad update: %w", err)
		}
	}
	d.letters.Fire("publishes %d bad updates: truncated JSON, one from site-99 (not enrolled), one signed %s on %s's subject, one with 3 weights",
		len(bad), site, d.sched.ReplaySite)
	return nil
}

// replayUpdate sends again, byte for byte, an update the tap saw counted.
func (d *demo) replayUpdate(ctx context.Context) error {
	if err := d.tap.Sync(ctx); err != nil {
		return err
	}
	subject := d.names.UpdateSubject(d.sched.ReplaySite)
	var data []byte
	for _, r := range d.tap.Records() {
		var u Update
		if r.Subject == subject && json.Unmarshal(r.Data, &u) == nil && u.Round == d.sched.StraggleRound && len(u.Weights) == Dim {
			data = r.Data
		}
	}
	if data == nil {
		return fmt.Errorf("the tap saw no round-%d update of %s to replay", d.sched.StraggleRound, d.sched.ReplaySite)
	}
	if _, err := d.js.Publish(ctx, subject, data); err != nil {
		return fmt.Errorf("replay: %w", err)
	}
	d.replay.Fire("replays %s's round-%d update, byte for byte (a retry after a lost acknowledgement)", d.sched.ReplaySite, d.sched.StraggleRound)
	return nil
}
