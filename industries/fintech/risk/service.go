package risk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nats.go/micro"

	"github.com/patternlab/patternlab/industries/fintech/internal/logread"
)

// Service serves a Screener on NATS (a micro service: request on Subject,
// a Decision in reply) and records every decision in its journal stream
// before it answers, so an audit reads what the risk service decided from
// the server, not from the caller.
type Service struct {
	Subject string // where requests go: "<prefix>.risk.screen"
	Journal string // the journal's subject: "<prefix>.risk.decided"

	nc       *nats.Conn
	js       jetstream.JetStream
	screener *Screener

	mu  sync.Mutex
	svc micro.Service
}

// NewService returns a stopped service; the journal stream is created now.
func NewService(ctx context.Context, nc *nats.Conn, stream, prefix string, s *Screener) (*Service, error) {
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, err
	}
	r := &Service{Subject: prefix + ".risk.screen", Journal: prefix + ".risk.decided", nc: nc, js: js, screener: s}
	if _, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:        stream,
		Description: "the risk service's decisions, one per payment screened",
		Subjects:    []string{r.Journal + ".>"},
		Storage:     jetstream.FileStorage,
		Duplicates:  10 * time.Minute,
	}); err != nil {
		return nil, fmt.Errorf("risk journal %s: %w", stream, err)
	}
	return r, nil
}

// Start serves requests. Starting a running service does nothing.
func (r *Service) Start() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.svc != nil {
		return nil
	}
	svc, err := micro.AddService(r.nc, micro.Config{
		Name:        "risk",
		Version:     "1.0.0",
		Description: "screens payments: rules and a velocity limit",
		Endpoint:    &micro.EndpointConfig{Subject: r.Subject, Handler: micro.HandlerFunc(r.handle)},
	})
	if err != nil {
		return fmt.Errorf("start risk service: %w", err)
	}
	r.svc = svc
	// The subscription must reach the server before Start returns, or the
	// first request after it finds no responder.
	if err := r.nc.Flush(); err != nil {
		return fmt.Errorf("start risk service: %w", err)
	}
	return nil
}

// Stop takes the service down: requests find no responder until Start.
func (r *Service) Stop() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.svc == nil {
		return nil
	}
	err := r.svc.Stop()
	r.svc = nil
	if err != nil {
		return fmt.Errorf("stop risk service: %w", err)
	}
	// Stop drains the endpoint's subscription, which sends its UNSUB
	// without waiting: a request published after Stop returns could still
	// be answered. The flush's round trip means the server has it.
	if err := r.nc.Flush(); err != nil {
		return fmt.Errorf("stop risk service: %w", err)
	}
	return nil
}

// Up reports whether the service is serving.
func (r *Service) Up() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.svc != nil
}

func (r *Service) handle(req micro.Request) {
	var q Request
	if err := json.Unmarshal(req.Data(), &q); err != nil || q.Payment == "" {
		_ = req.Error("400", "not a screening request", nil)
		return
	}
	d := r.screener.Screen(q)
	data, _ := json.Marshal(d)
	m := nats.NewMsg(r.Journal + "." + q.Payment)
	m.Data = data
	m.Header.Set(jetstream.MsgIDHeader, q.Payment)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := r.js.PublishMsg(ctx, m); err != nil {
		// Not journalled, not answered: the caller fails closed.
		_ = req.Error("503", "journal: "+err.Error(), nil)
		return
	}
	_ = req.Respond(data)
}

// ErrUnavailable is the answer when no risk service answers in time: the
// reason a fail-closed caller gives the payment, "risk-unavailable".
var ErrUnavailable = errors.New("risk-unavailable")

// Client asks the risk service.
type Client struct {
	NC      *nats.Conn
	Subject string
	Timeout time.Duration // per request; 0 means 2 s
}

// Screen asks for a decision. Any failure to get one (no responder, a
// timeout, the service's own error) is ErrUnavailable: there is no third
// answer between approved and refused, and no answer is not approval.
func (c Client) Screen(ctx context.Context, q Request) (Decision, error) {
	data, err := json.Marshal(q)
	if err != nil {
		return Decision{}, err
	}
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = 2 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	reply, err := c.NC.RequestWithContext(ctx, c.Subject, data)
	if err != nil {
		return Decision{}, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	if e := reply.Header.Get(micro.ErrorHeader); e != "" {
		return Decision{}, fmt.Errorf("%w: %s", ErrUnavailable, e)
	}
	var d Decision
	if err := json.Unmarshal(reply.Data, &d); err != nil || d.Payment != q.Payment {
		return Decision{}, fmt.Errorf("%w: a reply that is not this payment's decision", ErrUnavailable)
	}
	return d, nil
}

// Decisions reads the journal back from the server: the last decision
// recorded for each payment.
func Decisions(ctx context.Context, js jetstream.JetStream, stream string) (map[string]Decision, error) {
	out := map[string]Decision{}
	err := logread.Each(ctx, js, stream, "", func(m jetstream.Msg) error {
		var d Decision
		if err := json.Unmarshal(m.Data(), &d); err != nil {
			return fmt.Errorf("risk journal %s: %w", m.Subject(), err)
		}
		out[d.Payment] = d
		return nil
	})
	return out, err
}
