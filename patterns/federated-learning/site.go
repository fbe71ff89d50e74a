package federatedlearning

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/patternlab/patternlab/kit/natsembed"
)

// Agent is a site's federated-learning client, on its edge gateway: it
// waits for a round that selects it, trains the global model on its private
// shard and publishes the model it trained, nothing else. One goroutine
// (Run) owns it.
type Agent struct {
	Site     Site
	Shard    []Sample // private: never published
	Training Training
	Seed     uint64
	Names    Names
	URL      string
	Faults   AgentFaults
}

// AgentFaults are what the lab does to a site. The zero value is an honest,
// punctual site.
type AgentFaults struct {
	// PoisonScale > 0: the site is compromised and sends
	// Poison(global, local, PoisonScale) instead of its model.
	PoisonScale float64
	// StraggleRound: in that round the site's update leaves only after
	// Release is closed or StraggleFor has passed (a slow uplink). Once.
	StraggleRound int
	Release       <-chan struct{}
	StraggleFor   time.Duration
	// DropRound: in that round the site receives the model and drops off
	// the network before it answers (Run returns ErrDropped). Once.
	DropRound int
	// Delay holds every update this long (a site that is always slow).
	Delay time.Duration
	// LeakRaw: the site also uploads its raw shard (the -data-local=false
	// switch: what federated learning exists to avoid).
	LeakRaw bool
	// Lab, when set, is asked once in each round that selects the site what
	// the learner requested of it (the lab's fault buttons); the zero
	// LabRequest is nothing.
	Lab func(round int) LabRequest
	// On is told each time a fault acts ("poison", "straggle", "drop",
	// "leak"; "late" once a straggled update is stored) with the round and
	// a detail.
	On func(fault string, round int, detail string)
}

// LabRequest is a fault the learner asked a site for, for one round: at
// most one of its fields is set.
type LabRequest struct {
	Drop        bool          // receive the model and never answer this round (the site stays connected)
	StraggleFor time.Duration // hold the update this long (past the round's deadline)
	PoisonScale float64       // send Poison(global, local, PoisonScale) this round
}

// ErrDropped is Run's result when the site dropped off as told.
var ErrDropped = fmt.Errorf("site dropped off the network")

// Join connects the site and subscribes to the rounds; the returned Run
// serves them until ctx ends or the site drops. Join returns once the
// subscription is live on the server, so no round broadcast after it is
// missed.
func (a *Agent) Join(ctx context.Context) (run func(ctx context.Context) error, err error) {
	nc, err := natsembed.Connect(a.URL, a.Site.Name)
	if err != nil {
		return nil, err
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, err
	}
	rounds := make(chan *nats.Msg, 64)
	sub, err := nc.ChanSubscribe(a.Names.RoundSubject(), rounds)
	if err == nil {
		err = flush(ctx, nc)
	}
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("%s: subscribe to rounds: %w", a.Site.Name, err)
	}
	return func(ctx context.Context) error {
		defer nc.Close()
		defer func() { _ = sub.Unsubscribe() }()
		for {
			select {
			case <-ctx.Done():
				return nil
			case m := <-rounds:
				if err := a.handleRound(ctx, js, m.Data); err != nil {
					return err
				}
			}
		}
	}, nil
}

// handleRound decodes a message on the round subject and serves the round.
func (a *Agent) handleRound(ctx context.Context, js jetstream.JetStream, data []byte) error {
	var rs RoundStart
	if err := json.Unmarshal(data, &rs); err != nil {
		return nil // not a round start: nothing a site can act on
	}
	return a.serve(ctx, js, rs)
}

func (a *Agent) tell(fault string, round int, format string, args ...any) {
	if a.Faults.On != nil {
		a.Faults.On(fault, round, fmt.Sprintf(format, args...))
	}
}

func (a *Agent) serve(ctx context.Context, js jetstream.JetStream, rs RoundStart) error {
	selected := false
	for _, s := range rs.Selected {
		selected = selected || s == a.Site.Name
	}
	// Rounds start at 1: a round below that is no round the coordinator
	// sends, and round 0 would match a DropRound left at its zero value.
	if !selected || rs.Round < 1 || len(rs.Weights) != Dim {
		return nil
	}
	f := a.Faults
	var lab LabRequest
	if f.Lab != nil {
		lab = f.Lab(rs.Round)
	}
	if lab.Drop {
		return nil
	}
	if f.DropRound > 0 && f.DropRound == rs.Round {
		a.Faults.DropRound = 0 // once
		a.tell("drop", rs.Round, "received the round-%d model, drops off the network before answering", rs.Round)
		return ErrDropped
	}
	global := Model{Weights: rs.Weights}
	local := Train(global, a.Shard, a.Training, TrainSeed(a.Seed, a.Site.Name, rs.Round))
	if f.PoisonScale > 0 {
		local = Poison(global, local, f.PoisonScale)
		a.tell("poison", rs.Round, "sends its round-%d update sign-flipped and scaled ×%g", rs.Round, f.PoisonScale)
	} else if lab.PoisonScale > 0 {
		local = Poison(global, local, lab.PoisonScale)
	}
	data, err := json.Marshal(Update{Round: rs.Round, Site: a.Site.Name, Samples: len(a.Shard), Weights: local.Weights})
	if err != nil {
		return err
	}
	if f.LeakRaw && rs.Round == 1 {
		raw, err := json.Marshal(a.Shard)
		if err != nil {
			return err
		}
		if err := js.Conn().Publish(a.Names.RawSubject(a.Site.Name), raw); err != nil {
			return err
		}
		a.tell("leak", rs.Round, "uploads its raw shard (%d samples, %d B) to the hub", len(a.Shard), len(raw))
	}
	if f.Delay > 0 {
		t := time.NewTimer(f.Delay)
		select {
		case <-t.C:
		case <-ctx.Done():
		}
		t.Stop()
	}
	if lab.StraggleFor > 0 {
		t := time.NewTimer(lab.StraggleFor)
		select {
		case <-t.C:
		case <-ctx.Done():
		}
		t.Stop()
	}
	straggled := f.StraggleRound == rs.Round
	if straggled {
		a.Faults.StraggleRound = 0 // once
		a.tell("straggle", rs.Round, "trained round %d but its uplink is slow: the update leaves late", rs.Round)
		t := time.NewTimer(f.StraggleFor)
		select {
		case <-f.Release:
		case <-t.C:
		case <-ctx.Done():
		}
		t.Stop()
	}
	if _, err := js.Publish(ctx, a.Names.UpdateSubject(a.Site.Name), data); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("%s: publish round-%d update: %w", a.Site.Name, rs.Round, err)
	}
	if straggled {
		a.tell("late", rs.Round, "its round-%d update is stored, late", rs.Round)
	}
	return nil
}
