package hub

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/patternlab/patternlab/industries/manufacturing/edge"
	"github.com/patternlab/patternlab/industries/manufacturing/floor"
	"github.com/patternlab/patternlab/industries/manufacturing/plant"
	edgeiot "github.com/patternlab/patternlab/patterns/edge-iot"
)

// StopEvents counts, per stop event ID, the messages HUB_EVENTS holds:
// exactly one each when nothing was lost or duplicated on the way.
func StopEvents(ctx context.Context, js jetstream.JetStream) (map[string]int, []edge.StopEvent, error) {
	recs, err := edge.ReadAll(ctx, js, edgeiot.StreamHubEvents, "")
	if err != nil {
		return nil, nil, err
	}
	copies := map[string]int{}
	var events []edge.StopEvent
	for _, rec := range recs {
		e, err := edge.DecodeStopEvent(rec.Data)
		if err != nil {
			continue // not ours: edge-iot's own alerts and aggregates share the stream
		}
		if copies[e.ID]++; copies[e.ID] == 1 {
			events = append(events, e)
		}
	}
	return copies, events, nil
}

// StopService is the cloud-only design the switch -local-stop=false
// shows: the edges report anomalies and the hub decides to stop the line,
// sending each machine the command back across the WAN link with
// edge-iot's Dispatcher (resent until the machine acknowledges).
type StopService struct {
	floor    plant.Floor
	js       jetstream.JetStream
	dispatch *edgeiot.Dispatcher
	retry    time.Duration
	deadline time.Duration

	mu      sync.Mutex
	decided map[string]bool
	err     error
	sends   sync.WaitGroup
}

// NewStopService decides on nc, a connection to the hub.
// A command is resent every retry for at most deadline: longer than the
// longest outage the line may have to wait out.
func NewStopService(nc *nats.Conn, f plant.Floor, retry, deadline time.Duration) (*StopService, error) {
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, err
	}
	return &StopService{floor: f, js: js, dispatch: edgeiot.NewDispatcher(nc), retry: retry, deadline: deadline, decided: map[string]bool{}}, nil
}

// Run reads the anomalies arriving in HUB_EVENTS until ctx ends.
func (s *StopService) Run(ctx context.Context) error {
	stream, err := s.js.Stream(ctx, edgeiot.StreamHubEvents)
	if err != nil {
		return err
	}
	cons, err := stream.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{})
	if err != nil {
		return err
	}
	cc, err := cons.Consume(func(m jetstream.Msg) {
		e, err := edge.DecodeStopEvent(m.Data())
		if err != nil || e.Kind != edge.KindAnomaly {
			return
		}
		s.mu.Lock()
		seen := s.decided[e.ID]
		s.decided[e.ID] = true
		s.mu.Unlock()
		if seen {
			return
		}
		_, line, _, ok := s.floor.Where(e.Machine)
		if !ok {
			return
		}
		for _, mc := range line.Machines {
			s.sends.Add(1)
			go func() { // owned by s: Run waits for it
				defer s.sends.Done()
				cmd := edgeiot.DeviceCommand{ID: e.ID, Action: floor.ActionStop, Issuer: "hub"}
				sctx, cancel := context.WithTimeout(ctx, s.deadline)
				defer cancel()
				if _, err := s.dispatch.Send(sctx, mc.ID, cmd, s.retry, nil); err != nil && ctx.Err() == nil {
					s.mu.Lock()
					s.err = errors.Join(s.err, fmt.Errorf("stop %s: %w", mc.ID, err))
					s.mu.Unlock()
				}
			}()
		}
	})
	if err != nil {
		return err
	}
	<-ctx.Done()
	cc.Stop()
	<-cc.Closed()
	s.sends.Wait()
	return nil
}

// Err is what went wrong sending commands, if anything.
func (s *StopService) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}
