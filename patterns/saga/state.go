package saga

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/nats-io/nats.go"
)

func stateSubject(prefix, service string) string { return prefix + ".state." + service }

// serveState answers "<prefix>.state.<service>" with the service's ledger
// snapshot, so the invariant can be checked against a service running in
// another process or container.
func serveState(nc *nats.Conn, prefix string, svc *Service) (*nats.Subscription, error) {
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
	return sub, nil
}

// FetchState asks a service, wherever it runs, for its ledger snapshot.
func FetchState(ctx context.Context, nc *nats.Conn, prefix, service string) (Snapshot, error) {
	m, err := nc.RequestWithContext(ctx, stateSubject(prefix, service), nil)
	if err != nil {
		return Snapshot{}, fmt.Errorf("fetch %s state: %w", service, err)
	}
	var s Snapshot
	if err := json.Unmarshal(m.Data, &s); err != nil {
		return Snapshot{}, fmt.Errorf("decode %s state: %w", service, err)
	}
	return s, nil
}
