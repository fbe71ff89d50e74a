package shop

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/micro"

	"github.com/patternlab/patternlab/patterns/saga/ledger"
)

// Error codes the services answer requests with.
const (
	codeDeclined  = "409" // business failure: do not retry
	codeTransient = "503" // try again
	codeBadInput  = "400"
)

// ErrBadInput is a request the service cannot read: retrying will not help.
var ErrBadInput = errors.New("bad input")

// NoteReplyLost is the journal note of an answer lost on its way back.
const NoteReplyLost ledger.NoteKind = "reply-lost"

// Request asks a service to run one step: the idempotency key, and the order
// it belongs to (the whole order, so the service needs nobody else).
type Request struct {
	Key   ledger.Key `json:"key"`
	Order Order      `json:"order"`
}

// SettleRequest asks a service to settle a key whose caller stopped trying.
type SettleRequest struct {
	Key    ledger.Key `json:"key"`
	Reason string     `json:"reason"`
}

func stepSubject(prefix string, step Step) string { return prefix + ".svc." + string(step) }
func settleSubject(prefix string, step Step) string {
	return prefix + ".svc." + string(step) + ".settle"
}
func stateSubject(prefix, service string) string { return prefix + ".state." + service }

// ReplyFaults decides which answers are lost on their way back (the Plan).
type ReplyFaults interface {
	LosesReply(k ledger.Key, attempt int) bool
}

// Endpoints serves the services to the orchestrator: each step is a NATS
// request/reply endpoint (a NATS micro service per service), which the
// Temporal activities call. The services keep running, with their state,
// when the worker process dies.
type Endpoints struct {
	services []micro.Service
	subs     []*nats.Subscription
}

// ServeEndpoints serves every service in services on nc under prefix.
// faults (nil: none) loses the answers the schedule says.
func ServeEndpoints(nc *nats.Conn, prefix string, services map[string]*Service, faults ReplyFaults) (*Endpoints, error) {
	e := &Endpoints{}
	for _, name := range Services {
		svc, ok := services[name]
		if !ok {
			continue
		}
		ms, err := micro.AddService(nc, micro.Config{Name: "saga-" + name, Version: "1.0.0", Description: "saga " + name + " service"})
		if err != nil {
			e.Stop()
			return nil, fmt.Errorf("serve %s: %w", name, err)
		}
		e.services = append(e.services, ms)
		for _, step := range Steps {
			if step.Service() != name {
				continue
			}
			if err := ms.AddEndpoint(string(step), stepHandler(svc, step, faults), micro.WithEndpointSubject(stepSubject(prefix, step))); err != nil {
				e.Stop()
				return nil, fmt.Errorf("serve %s %s: %w", name, step, err)
			}
			if _, isComp := step.Compensates(); isComp {
				continue // a compensation is retried until it succeeds: nothing to settle
			}
			if err := ms.AddEndpoint(string(step)+"-settle", settleHandler(svc, step), micro.WithEndpointSubject(settleSubject(prefix, step))); err != nil {
				e.Stop()
				return nil, fmt.Errorf("serve %s %s settle: %w", name, step, err)
			}
		}
		sub, err := ServeState(nc, prefix, svc)
		if err != nil {
			e.Stop()
			return nil, err
		}
		e.subs = append(e.subs, sub)
	}
	// The server must know the endpoints before anyone calls them: without
	// the flush a request sent at once from another connection can find
	// "no responders" (flake-hunt caught it).
	if err := nc.Flush(); err != nil {
		e.Stop()
		return nil, fmt.Errorf("serve endpoints: %w", err)
	}
	return e, nil
}

func stepHandler(svc *Service, step Step, faults ReplyFaults) micro.HandlerFunc {
	return func(req micro.Request) {
		var r Request
		if err := json.Unmarshal(req.Data(), &r); err != nil || r.Order.ID == "" || r.Key != step.Key(r.Order.ID) {
			_ = req.Error(codeBadInput, fmt.Sprintf("malformed %s request (want key %s/%s and its order): %v", step, r.Order.ID, step, err), nil)
			return
		}
		res, err := svc.Do(step, r.Order)
		var declined *ledger.DeclinedError
		switch {
		case errors.As(err, &declined):
			_ = req.Error(codeDeclined, declined.Reason, nil)
		case err != nil:
			_ = req.Error(codeTransient, err.Error(), nil)
		case !res.Duplicate && faults != nil && faults.LosesReply(res.Key, res.Attempt):
			svc.Ledger.Journal(res.Key, NoteReplyLost, res.Attempt, "the answer is lost on its way back")
		default:
			_ = req.RespondJSON(res)
		}
	}
}

func settleHandler(svc *Service, step Step) micro.HandlerFunc {
	return func(req micro.Request) {
		var r SettleRequest
		if err := json.Unmarshal(req.Data(), &r); err != nil || r.Key.Step != string(step) || r.Key.Saga == "" || r.Reason == "" {
			_ = req.Error(codeBadInput, fmt.Sprintf("malformed settle request for %s: %v", step, err), nil)
			return
		}
		e, err := svc.Settle(step, r.Key.Saga, r.Reason)
		if err != nil {
			_ = req.Error(codeTransient, err.Error(), nil)
			return
		}
		_ = req.RespondJSON(e)
	}
}

// Stop stops serving.
func (e *Endpoints) Stop() {
	for _, s := range e.services {
		_ = s.Stop()
	}
	for _, s := range e.subs {
		_ = s.Unsubscribe()
	}
}

// Call asks the service that owns step to run it for o, and waits for the
// answer until ctx ends. A decline comes back as a *ledger.DeclinedError,
// an unreadable request as ErrBadInput; any other error may be retried.
func Call(ctx context.Context, nc *nats.Conn, prefix string, step Step, o Order) (ledger.Result, error) {
	var r ledger.Result
	err := request(ctx, nc, stepSubject(prefix, step), Request{Key: step.Key(o.ID), Order: o}, &r)
	var declined *ledger.DeclinedError
	if errors.As(err, &declined) {
		declined.Key = step.Key(o.ID)
	}
	return r, err
}

// CallSettle asks the service that owns step to settle it for saga (see
// Service.Settle) and returns the recorded entry.
func CallSettle(ctx context.Context, nc *nats.Conn, prefix string, step Step, saga, reason string) (ledger.Entry, error) {
	var e ledger.Entry
	err := request(ctx, nc, settleSubject(prefix, step), SettleRequest{Key: step.Key(saga), Reason: reason}, &e)
	return e, err
}

func request(ctx context.Context, nc *nats.Conn, subject string, body, answer any) error {
	data, err := json.Marshal(body)
	if err != nil {
		return fmt.Errorf("%w: encode %s: %v", ErrBadInput, subject, err)
	}
	m, err := nc.RequestWithContext(ctx, subject, data)
	if err != nil {
		return fmt.Errorf("%s: %w", subject, err)
	}
	switch m.Header.Get(micro.ErrorCodeHeader) {
	case "":
	case codeDeclined:
		return &ledger.DeclinedError{Reason: m.Header.Get(micro.ErrorHeader)}
	case codeBadInput:
		return fmt.Errorf("%w: %s", ErrBadInput, m.Header.Get(micro.ErrorHeader))
	default:
		return fmt.Errorf("%s: %s", subject, m.Header.Get(micro.ErrorHeader))
	}
	if err := json.Unmarshal(m.Data, answer); err != nil {
		return fmt.Errorf("%s: decode answer: %w", subject, err)
	}
	return nil
}

// ServeState answers "<prefix>.state.<service>" with the service's ledger
// snapshot, so the invariant can be checked against a service running in
// another process or container.
func ServeState(nc *nats.Conn, prefix string, svc *Service) (*nats.Subscription, error) {
	sub, err := nc.Subscribe(stateSubject(prefix, svc.Name), func(m *nats.Msg) {
		data, err := json.Marshal(svc.Ledger.Snapshot())
		if err != nil {
			data = []byte(`{}`)
		}
		_ = m.Respond(data)
	})
	if err != nil {
		return nil, fmt.Errorf("%s: serve state: %w", svc.Name, err)
	}
	if err := nc.Flush(); err != nil {
		_ = sub.Unsubscribe()
		return nil, fmt.Errorf("%s: serve state: %w", svc.Name, err)
	}
	return sub, nil
}

// FetchState asks a service, wherever it runs, for its ledger snapshot.
func FetchState(ctx context.Context, nc *nats.Conn, prefix, service string) (ledger.Snapshot, error) {
	m, err := nc.RequestWithContext(ctx, stateSubject(prefix, service), nil)
	if err != nil {
		return ledger.Snapshot{}, fmt.Errorf("fetch %s state: %w", service, err)
	}
	var s ledger.Snapshot
	if err := json.Unmarshal(m.Data, &s); err != nil {
		return ledger.Snapshot{}, fmt.Errorf("decode %s state: %w", service, err)
	}
	return s, nil
}
