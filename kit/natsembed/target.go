package natsembed

import (
	"fmt"
	"os"
	"strings"
	"sync"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nuid"
)

// Environment variables that point a demo at a real NATS deployment.
const (
	// EnvURL is the server URL (or comma-separated URLs) to use instead of an
	// embedded server.
	EnvURL = "NATS_URL"
	// EnvCreds is a credentials file (JWT + NKey) for that server.
	EnvCreds = "NATS_CREDS"
)

// Target is where a demo's NATS lives: an external server named by NATS_URL,
// or an embedded one started for the demo.
type Target struct {
	URL      string
	Embedded *Server // nil when external

	mu      sync.Mutex
	suffix  string
	cleanup []func()
}

// External reports whether the target is a server this process did not start.
func (t *Target) External() bool { return t.Embedded == nil }

// Close runs the cleanups registered with OnClose, newest first, then shuts
// down the embedded server, if any. It is safe to call more than once.
func (t *Target) Close() {
	t.mu.Lock()
	fns := t.cleanup
	t.cleanup = nil
	t.mu.Unlock()
	for i := len(fns) - 1; i >= 0; i-- {
		fns[i]()
	}
	if t.Embedded != nil {
		t.Embedded.Shutdown()
	}
}

// OnClose registers a cleanup for Close: on a shared server a demo deletes
// every stream, consumer and bucket it created, and only those.
func (t *Target) OnClose(f func()) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.cleanup = append(t.cleanup, f)
}

// Unique names a resource (stream, consumer, bucket, subject token) so it
// cannot collide with what others keep on a shared server: base itself on
// an embedded server, base_<run id> on an external one (the same id for
// every name of one Target, so related names stay recognisable).
func (t *Target) Unique(base string) string {
	if !t.External() {
		return base
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.suffix == "" {
		t.suffix = strings.ToLower(nuid.Next()[16:])
	}
	return base + "_" + t.suffix
}

// Describe says in one line what the target is, for the narration.
func (t *Target) Describe() string {
	if t.External() {
		return fmt.Sprintf("external NATS at %s (from %s): only uniquely named streams are created, and deleted on exit", Redact(t.URL), EnvURL)
	}
	return fmt.Sprintf("embedded nats-server with JetStream at %s", Redact(t.URL))
}

// FromEnv returns the server named by NATS_URL, or starts an embedded one
// with the given options when it is unset.
func FromEnv(o Options) (*Target, error) {
	if url := os.Getenv(EnvURL); url != "" {
		return &Target{URL: url}, nil
	}
	s, err := Start(o)
	if err != nil {
		return nil, err
	}
	return &Target{URL: s.ClientURL(), Embedded: s}, nil
}

// Connect dials url as client name. Credentials come from NATS_CREDS when it
// is set, never from code. Extra options are applied after the lab's defaults
// (unlimited reconnects, so a client outlives a server restart).
func Connect(url, name string, extra ...nats.Option) (*nats.Conn, error) {
	opts := []nats.Option{
		nats.Name(name),
		nats.MaxReconnects(-1),
	}
	if creds := os.Getenv(EnvCreds); creds != "" {
		opts = append(opts, nats.UserCredentials(creds))
	}
	nc, err := nats.Connect(url, append(opts, extra...)...)
	if err != nil {
		return nil, fmt.Errorf("connect %s to %s: %w", name, url, err)
	}
	return nc, nil
}
