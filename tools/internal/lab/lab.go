package lab

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/patternlab/patternlab/tools/internal/repo"
)

// Lab runs demos, one run per demo at a time, and keeps their histories.
type Lab struct {
	Repo       *repo.Repo
	Tools      *Toolchain
	HistoryDir string // one JSON-lines file per run

	ctx    context.Context // runs end with it
	mu     sync.Mutex
	runs   map[string]*Run // by ID, this session's
	active map[string]*Run // by module name
	wg     sync.WaitGroup
}

// New returns a lab whose runs are stopped when ctx ends.
func New(ctx context.Context, r *repo.Repo, tc *Toolchain, historyDir string) *Lab {
	return &Lab{Repo: r, Tools: tc, HistoryDir: historyDir, ctx: ctx,
		runs: map[string]*Run{}, active: map[string]*Run{}}
}

// Modules is the catalog, read afresh (a module added while the lab runs
// shows up on reload).
func (l *Lab) Modules() ([]Module, error) { return Catalog(l.Repo) }

// Start starts a run of the module called name with args. It refuses an
// unknown module and a module that is already running.
func (l *Lab) Start(name string, args []string) (*Run, error) {
	mods, err := l.Modules()
	if err != nil {
		return nil, err
	}
	m, err := Find(mods, name)
	if err != nil {
		return nil, err
	}
	if err := l.ctx.Err(); err != nil {
		return nil, fmt.Errorf("the lab is shutting down")
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if r := l.active[m.Name]; r != nil {
		return nil, fmt.Errorf("%s is %w (run %s): stop it first, one run per demo at a time", m.Name, ErrBusy, r.ID)
	}
	if err := os.MkdirAll(l.HistoryDir, 0o755); err != nil {
		return nil, err
	}
	id, f, err := newHistoryFile(l.HistoryDir, m.Name, time.Now())
	if err != nil {
		return nil, err
	}
	args = append([]string{}, args...)
	r := newRun(id, m, args, f)
	ctx, cancel := context.WithCancel(l.ctx)
	r.cancel = cancel // before Start returns: a Stop right after it must stop the run
	l.runs[id], l.active[m.Name] = r, r
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		r.execute(ctx, l.Tools, m, header(m, args))
		l.mu.Lock()
		delete(l.active, m.Name)
		l.mu.Unlock()
		if r.Status().Refused {
			// a flag value the demo refused: the page shows why, and the
			// history keeps no run that never ran
			_ = os.Remove(r.File)
		}
	}()
	return r, nil
}

// Wait waits for every run to end (after the lab's context is cancelled,
// they are being stopped).
func (l *Lab) Wait() { l.wg.Wait() }

// Run returns a run of this session by ID.
func (l *Lab) Run(id string) (*Run, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	r, ok := l.runs[id]
	return r, ok
}

// Active returns the running run of each module that has one.
func (l *Lab) Active() map[string]Status {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := map[string]Status{}
	for name, r := range l.active {
		out[name] = r.Status()
	}
	return out
}

// header is the history's first event: what ran, where its servers are.
func header(m Module, args []string) map[string]any {
	return map[string]any{"module": m.Name, "dir": m.Dir, "title": m.Title, "invariant": m.Invariant,
		"args": args, "servers": Servers()}
}

// Server says where one kind of server a demo may use comes from.
type Server struct {
	Name     string `json:"name"`     // "NATS"
	Env      string `json:"env"`      // the variable that points the demos at a real one
	Embedded bool   `json:"embedded"` // the variable is unset: each demo starts its own
	Where    string `json:"where"`    // the variable's value, without credentials
}

// Servers reads NATS_URL, TEMPORAL_ADDRESS and KUBECONFIG from the lab's
// environment, which the demos inherit.
func Servers() []Server {
	var out []Server
	for _, s := range []struct{ name, env, embedded string }{
		{"NATS", "NATS_URL", "an in-process nats-server per demo, on loopback"},
		{"Temporal", "TEMPORAL_ADDRESS", "the Temporal dev server (cached CLI), a child process per demo, with its Web UI"},
		{"Kubernetes", "KUBECONFIG", "envtest: kube-apiserver and etcd (cached binaries), child processes per demo"},
	} {
		v := os.Getenv(s.env)
		if v == "" {
			out = append(out, Server{Name: s.name, Env: s.env, Embedded: true, Where: s.embedded})
			continue
		}
		out = append(out, Server{Name: s.name, Env: s.env, Where: redact(v)})
	}
	return out
}

// redact drops user information from URLs (nats://user:pass@host).
func redact(v string) string {
	var parts []string
	for _, p := range strings.Split(v, ",") {
		if u, err := url.Parse(strings.TrimSpace(p)); err == nil && u.User != nil {
			u.User = nil
			p = u.String()
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, ",")
}

func newHistoryFile(dir, module string, t time.Time) (string, *os.File, error) {
	base := module + "-" + t.Format("20060102-150405")
	for i := 1; ; i++ {
		id := base
		if i > 1 {
			id = fmt.Sprintf("%s-%d", base, i)
		}
		f, err := os.OpenFile(filepath.Join(dir, id+".jsonl"), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if os.IsExist(err) {
			continue
		}
		return id, f, err
	}
}

// Entry is one run in the history.
type Entry struct {
	ID      string    `json:"id"`
	Module  string    `json:"module"`
	Args    []string  `json:"args"`
	Started time.Time `json:"started"`
	Verdict string    `json:"verdict"` // HELD, VIOLATED, or "" for a run that ended without one
	Exit    *int      `json:"exit"`    // nil while running, or when the lab died under it
	Events  int       `json:"events"`
	Bytes   int64     `json:"bytes"`
}

// History lists the saved runs, newest first.
func (l *Lab) History() ([]Entry, error) {
	files, err := filepath.Glob(filepath.Join(l.HistoryDir, "*.jsonl"))
	if err != nil {
		return nil, err
	}
	var out []Entry
	for _, f := range files {
		e, err := readEntry(f)
		if err != nil {
			continue // a file that is not a run: not listed
		}
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Started.After(out[j].Started) })
	return out, nil
}

func readEntry(path string) (Entry, error) {
	f, err := os.Open(path)
	if err != nil {
		return Entry{}, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return Entry{}, err
	}
	e := Entry{ID: strings.TrimSuffix(filepath.Base(path), ".jsonl"), Bytes: st.Size()}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 4*1024*1024)
	for sc.Scan() {
		var ev Event
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			return Entry{}, fmt.Errorf("%s:%d: %w", path, e.Events+1, err)
		}
		if e.Events == 0 {
			if ev.Kind != KindRun {
				return Entry{}, fmt.Errorf("%s: the first line is not a run header", path)
			}
			e.Started = ev.Time
			e.Module, _ = ev.Fields["module"].(string)
			if a, ok := ev.Fields["args"].([]any); ok {
				for _, x := range a {
					s, _ := x.(string)
					e.Args = append(e.Args, s)
				}
			}
		}
		e.Events++
		switch {
		case ev.Kind == "invariant" && ev.OK != nil:
			e.Verdict = map[bool]string{true: "HELD", false: "VIOLATED"}[*ev.OK]
		case ev.Kind == KindExit:
			if c, ok := ev.Fields["code"].(float64); ok {
				code := int(c)
				e.Exit = &code
			}
		}
	}
	if e.Args == nil {
		e.Args = []string{}
	}
	return e, sc.Err()
}

// HistoryPath returns the file of a saved run, refusing IDs that are not
// plain names (no path may escape the history directory).
func (l *Lab) HistoryPath(id string) (string, error) {
	if id == "" || strings.ContainsAny(id, `/\`) || strings.HasPrefix(id, ".") {
		return "", fmt.Errorf("no run %q", id)
	}
	p := filepath.Join(l.HistoryDir, id+".jsonl")
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("no run %q in the history", id)
	}
	return p, nil
}
