package temporaldev

import (
	"context"
	"fmt"
	"os"

	"go.temporal.io/sdk/client"
)

// Target is where a demo's Temporal lives: an existing server named by
// TEMPORAL_ADDRESS, or a dev server started for the demo.
type Target struct {
	Address   string
	Namespace string
	Embedded  *Server // nil when external
}

// FromEnv uses TEMPORAL_ADDRESS (and TEMPORAL_NAMESPACE) when set, otherwise
// starts a dev server with the given options. Options, and the lab's dynamic
// config (LabDynamicConfig), apply only to a dev server started here: an
// external server is used as its operator configured it.
func FromEnv(ctx context.Context, o Options) (*Target, error) {
	ns := os.Getenv(EnvNamespace)
	if ns == "" {
		ns = "default"
	}
	if addr := os.Getenv(EnvAddress); addr != "" {
		return &Target{Address: addr, Namespace: ns}, nil
	}
	s, err := Start(ctx, o)
	if err != nil {
		return nil, err
	}
	return &Target{Address: s.Address(), Namespace: ns, Embedded: s}, nil
}

// Describe says in one line what the target is, for the narration.
func (t *Target) Describe() string {
	if t.Embedded == nil {
		return fmt.Sprintf("external Temporal at %s, namespace %s (from %s)", t.Address, t.Namespace, EnvAddress)
	}
	if ui := t.Embedded.UIURL(); ui != "" {
		return fmt.Sprintf("Temporal dev server at %s, Web UI at %s", t.Address, ui)
	}
	return fmt.Sprintf("Temporal dev server at %s", t.Address)
}

// Dial opens a client to the target. TLS and API keys for a real cluster
// belong in extra options built from the environment, never in code.
func (t *Target) Dial(ctx context.Context, extra ...func(*client.Options)) (client.Client, error) {
	o := client.Options{HostPort: t.Address, Namespace: t.Namespace, Logger: quietLogger{}}
	for _, f := range extra {
		f(&o)
	}
	c, err := client.DialContext(ctx, o)
	if err != nil {
		return nil, fmt.Errorf("dial temporal at %s: %w", t.Address, err)
	}
	return c, nil
}

// Close shuts down the dev server, if this process started it.
func (t *Target) Close() {
	if t.Embedded != nil {
		t.Embedded.Shutdown()
	}
}
