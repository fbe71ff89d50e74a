package operator

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
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/patternlab/patternlab/kit/natsembed"
)

// hub is the demo's NATS hub: embedded (the default) or the one NATS_URL
// names, with the registry opened twice: once on the operator's own
// connection, once on the judge's, so that what the hub saw from the
// operator can be told apart.
type hub struct {
	target   *natsembed.Target
	bucket   string
	operator *KVHub    // on the connection named OperatorUser
	judge    *KVHub    // on the demo's own connection
	audit    *hubAudit // nil on an external hub
	conns    []*nats.Conn
}

func startDemoHub(ctx context.Context, cfg Config) (*hub, error) {
	h := &hub{target: &natsembed.Target{URL: cfg.HubURL}}
	if cfg.HubURL == "" {
		o := natsembed.Options{Name: "hub"}
		if cfg.Protect {
			o.Protect = []string{"$KV." + HubBucket + ".>"}
		}
		srv, err := natsembed.Start(o)
		if err != nil {
			return nil, fmt.Errorf("start hub: %w", err)
		}
		// Before anyone connects: the server traces each client's protocol
		// from its first line on.
		h.audit = &hubAudit{client: OperatorUser}
		srv.NATS().SetLoggerV2(h.audit, false, true, false)
		h.target = &natsembed.Target{URL: srv.ClientURL(), Embedded: srv}
	}
	h.bucket = h.target.Unique(HubBucket)
	var err error
	// No reconnect buffer: while the hub is away a request fails at once
	// and the work queue's backoff decides when to try again.
	if h.operator, err = h.open(ctx, OperatorUser, nats.ReconnectWait(50*time.Millisecond), nats.ReconnectBufSize(-1)); err != nil {
		h.close()
		return nil, err
	}
	if h.judge, err = h.open(ctx, "demo-judge"); err != nil {
		h.close()
		return nil, err
	}
	if h.target.External() {
		js, _ := jetstream.New(h.conns[len(h.conns)-1])
		h.target.OnClose(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_ = js.DeleteKeyValue(ctx, h.bucket)
		})
	}
	return h, nil
}

func (h *hub) open(ctx context.Context, name string, opts ...nats.Option) (*KVHub, error) {
	nc, err := natsembed.Connect(h.target.URL, name, opts...)
	if err != nil {
		return nil, err
	}
	h.conns = append(h.conns, nc)
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("jetstream: %w", err)
	}
	return OpenKVHub(ctx, js, h.bucket)
}

// close deletes what the demo created on an external hub (its bucket), then
// closes the connections and the embedded server.
func (h *hub) close() {
	h.target.Close()
	for _, nc := range h.conns {
		nc.Close()
	}
}

func (d *demo) describeHub() {
	if d.h.target.External() {
		d.n.Step("hub", "external NATS at %s (from %s): the registry is the bucket %q, created for this run and deleted on exit",
			natsembed.Redact(d.h.target.URL), natsembed.EnvURL, d.h.bucket)
		return
	}
	d.n.Step("hub", "embedded nats-server with JetStream; its key-value bucket %q lists the plants the hub routes", d.h.bucket)
	if d.cfg.Protect {
		d.n.Step("hub", "only the operator's user may write $KV.%s.>; other clients may not call the JetStream API", d.h.bucket)
	}
}

// hubAudit is the hub's own record of the JetStream requests one client
// sent: nats-server's protocol trace, kept in memory. The demo measures the
// operator's retries with it, from the outside: a request the hub saw is an
// attempt, whatever the operator's counters say.
type hubAudit struct {
	client string

	mu    sync.Mutex
	times []time.Time
}

// Tracef implements nats-server's Logger: it keeps the time of each
// JetStream API request from the audited client ("<<- [PUB $JS.API....").
func (a *hubAudit) Tracef(format string, v ...any) {
	line := fmt.Sprintf(format, v...)
	if strings.Contains(line, ":"+a.client+`"`) && strings.Contains(line, "<<- [PUB $JS.API.") {
		a.mu.Lock()
		a.times = append(a.times, time.Now())
		a.mu.Unlock()
	}
}

func (a *hubAudit) Noticef(string, ...any) {}
func (a *hubAudit) Warnf(string, ...any)   {}
func (a *hubAudit) Fatalf(string, ...any)  {}
func (a *hubAudit) Errorf(string, ...any)  {}
func (a *hubAudit) Debugf(string, ...any)  {}

// since lists the requests seen after t.
func (a *hubAudit) since(t time.Time) []time.Time {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []time.Time
	for _, at := range a.times {
		if at.After(t) {
			out = append(out, at)
		}
	}
	return out
}

// stopJetStream takes the hub's JetStream away while the server keeps
// answering: every registry request is refused at once ("no responders"),
// and the hub still sees it. startJetStream brings it back on the same
// store.
func (h *hub) stopJetStream() error {
	return h.target.Embedded.NATS().GlobalAccount().DisableJetStream()
}

func (h *hub) startJetStream() error {
	return h.target.Embedded.NATS().GlobalAccount().EnableJetStream(nil, nil)
}

// gaps renders request times as offsets from the first and the gaps between.
func gaps(times []time.Time) (offsets, between string) {
	var o, g []string
	for i, t := range times {
		o = append(o, "+"+t.Sub(times[0]).Round(time.Millisecond).String())
		if i > 0 {
			g = append(g, t.Sub(times[i-1]).Round(time.Millisecond).String())
		}
	}
	return strings.Join(o, ", "), strings.Join(g, ", ")
}

// forge writes reg into the registry from a client that is not the operator
// (the server's guest user), as a plain publish on the bucket's subject. It
// returns the server's refusal, or nil once the forged registration is
// visible in the registry.
func (h *hub) forge(ctx context.Context, reg Registration) (refusal error, err error) {
	nc, err := natsembed.Connect(h.target.Embedded.GuestURL(), "stranger", nats.ErrorHandler(func(*nats.Conn, *nats.Subscription, error) {}))
	if err != nil {
		return nil, err
	}
	defer nc.Close()
	data, err := json.Marshal(reg)
	if err != nil {
		return nil, err
	}
	if err := nc.Publish("$KV."+h.bucket+"."+reg.Plant, data); err != nil {
		return nil, fmt.Errorf("stranger's publish: %w", err)
	}
	if err := nc.Flush(); err != nil {
		return nil, fmt.Errorf("stranger's flush: %w", err)
	}
	// The server's -ERR arrives before the flush's PONG.
	if last := nc.LastError(); errors.Is(last, nats.ErrPermissionViolation) {
		return last, nil
	}
	// Not refused: JetStream stores it asynchronously; wait until it shows.
	err = wait.PollUntilContextTimeout(ctx, 5*time.Millisecond, 10*time.Second, true, func(ctx context.Context) (bool, error) {
		got, err := h.judge.Lookup(ctx, reg.Plant)
		return err == nil && got.Site == reg.Site, nil
	})
	if err != nil {
		return nil, fmt.Errorf("the stranger's write was neither refused nor stored: %w", err)
	}
	return nil, nil
}
