package saga

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/micro"
)

// Error codes the services answer requests with.
const (
	codeDeclined  = "409" // business failure: do not retry
	codeTransient = "503" // try again
	codeBadInput  = "400"
)

func endpointSubject(prefix string, step Step) string { return prefix + ".svc." + string(step) }

// Endpoints serves the services to the orchestrator: each step is a NATS
// request/reply endpoint (a NATS micro service per service), which the
// Temporal activities call. The services keep running, with their state,
// when the worker process dies.
type Endpoints struct {
	services []micro.Service
	subs     []*nats.Subscription
}

// ServeEndpoints serves every service in services on nc.
func ServeEndpoints(nc *nats.Conn, prefix string, services map[string]*Service) (*Endpoints, error) {
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
		for _, step := range []Step{Reserve, Charge, Book, Refund, Release} {
			if step.Service() != name {
				continue
			}
			if err := ms.AddEndpoint(string(step), stepHandler(svc, step), micro.WithEndpointSubject(endpointSubject(prefix, step))); err != nil {
				e.Stop()
				return nil, fmt.Errorf("serve %s %s: %w", name, step, err)
			}
		}
		sub, err := serveState(nc, prefix, svc)
		if err != nil {
			e.Stop()
			return nil, err
		}
		e.subs = append(e.subs, sub)
	}
	return e, nil
}

func stepHandler(svc *Service, step Step) micro.HandlerFunc {
	return func(req micro.Request) {
		var o Order
		if err := json.Unmarshal(req.Data(), &o); err != nil || o.ID == "" {
			_ = req.Error(codeBadInput, fmt.Sprintf("malformed order: %v", err), nil)
			return
		}
		r, err := svc.Do(step, o)
		var declined *DeclinedError
		switch {
		case errors.As(err, &declined):
			_ = req.Error(codeDeclined, declined.Reason, nil)
		case err != nil:
			_ = req.Error(codeTransient, err.Error(), nil)
		default:
			_ = req.RespondJSON(r)
		}
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
