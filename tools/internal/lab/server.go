package lab

import (
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"mime"
	"net"
	"net/http"
	"os"
	"path"
	"strconv"
	"strings"
)

// The page: plain HTML, CSS and JavaScript written for the lab, plus uPlot
// (npm, through package-lock.json) for the charts, which `make lab` copies
// into ui/vendor/ before building so that it is embedded too.
//
//go:embed ui
var ui embed.FS

// Vendored front-end files: where they are embedded, and where npm ci puts
// them (the fallback when the lab was built without `make lab`).
var vendor = map[string]string{
	"uPlot.iife.min.js": "node_modules/uplot/dist/uPlot.iife.min.js",
	"uPlot.min.css":     "node_modules/uplot/dist/uPlot.min.css",
}

// Handler is the lab's web interface: the page, its JSON API and the event
// streams. It answers only requests addressed to a loopback host, and
// changes state only on POSTs with a JSON body, so a web page elsewhere
// cannot drive it.
func (l *Lab) Handler() http.Handler {
	mux := http.NewServeMux()
	static, _ := fs.Sub(ui, "ui")
	mux.Handle("GET /ui/", http.StripPrefix("/ui/", http.FileServerFS(static)))
	mux.HandleFunc("GET /vendor/{file}", l.vendorFile)
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		http.ServeFileFS(w, r, static, "index.html")
	})
	mux.HandleFunc("GET /api/modules", l.apiModules)
	mux.HandleFunc("GET /api/modules/{name}/flags", l.apiFlags)
	mux.HandleFunc("POST /api/modules/{name}/runs", l.apiStart)
	mux.HandleFunc("POST /api/modules/{name}/fault", l.apiFault)
	mux.HandleFunc("POST /api/modules/{name}/stop", l.apiStop)
	mux.HandleFunc("GET /api/runs", l.apiRuns)
	mux.HandleFunc("GET /api/runs/{id}/events", l.apiEvents)
	mux.HandleFunc("GET /api/runs/{id}/history", l.apiDownload)
	return guard(mux)
}

// guard refuses a Host that is not loopback (DNS rebinding) and a POST that
// is not JSON (a cross-site form cannot send one without the page's consent).
func guard(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, _, err := net.SplitHostPort(r.Host)
		if err != nil {
			host = r.Host
		}
		if ip := net.ParseIP(strings.Trim(host, "[]")); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
			httpError(w, http.StatusForbidden, fmt.Errorf("the lab answers on 127.0.0.1 only, not %q", r.Host))
			return
		}
		if r.Method == http.MethodPost {
			if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
				httpError(w, http.StatusUnsupportedMediaType, errors.New("send JSON (Content-Type: application/json)"))
				return
			}
		}
		h.ServeHTTP(w, r)
	})
}

func (l *Lab) vendorFile(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	src, ok := vendor[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	if data, err := ui.ReadFile("ui/vendor/" + name); err == nil {
		serveBytes(w, name, data)
		return
	}
	data, err := os.ReadFile(l.Repo.Path(src))
	if err != nil {
		httpError(w, http.StatusInternalServerError, fmt.Errorf("%s is missing: run `make lab` (npm ci installs it)", src))
		return
	}
	serveBytes(w, name, data)
}

func serveBytes(w http.ResponseWriter, name string, data []byte) {
	w.Header().Set("Content-Type", mime.TypeByExtension(path.Ext(name)))
	_, _ = w.Write(data)
}

type moduleView struct {
	Module
	Missing []string `json:"missing"` // needs not built yet, each with how to get it
	Chapter string   `json:"chapter"` // docs page, root-relative
}

func (l *Lab) apiModules(w http.ResponseWriter, r *http.Request) {
	mods, err := l.Modules()
	if err != nil {
		httpError(w, http.StatusInternalServerError, err)
		return
	}
	views := []moduleView{}
	for _, m := range mods {
		v := moduleView{Module: m, Missing: []string{}, Chapter: "docs/" + m.Dir + ".md"}
		for _, n := range m.Needs {
			if _, err := l.Tools.ServerEnv(r.Context(), []string{n}, false, nil); err != nil {
				v.Missing = append(v.Missing, err.Error())
			}
		}
		views = append(views, v)
	}
	writeJSON(w, http.StatusOK, map[string]any{"modules": views, "servers": Servers(), "active": l.Active()})
}

func (l *Lab) module(w http.ResponseWriter, r *http.Request) (Module, bool) {
	mods, err := l.Modules()
	if err == nil {
		var m Module
		if m, err = Find(mods, r.PathValue("name")); err == nil {
			return m, true
		}
	}
	httpError(w, http.StatusNotFound, err)
	return Module{}, false
}

func (l *Lab) apiFlags(w http.ResponseWriter, r *http.Request) {
	m, ok := l.module(w, r)
	if !ok {
		return
	}
	flags, err := l.Tools.Flags(r.Context(), m)
	if err != nil {
		httpError(w, http.StatusInternalServerError, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"module": m.Name, "flags": flags})
}

func (l *Lab) apiStart(w http.ResponseWriter, r *http.Request) {
	if _, ok := l.module(w, r); !ok {
		return
	}
	var req struct {
		Args []string `json:"args"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&req); err != nil {
		httpError(w, http.StatusBadRequest, fmt.Errorf("bad request: %w", err))
		return
	}
	run, err := l.Start(r.PathValue("name"), req.Args)
	switch {
	case errors.Is(err, ErrBusy):
		httpError(w, http.StatusConflict, err)
	case err != nil:
		httpError(w, http.StatusInternalServerError, err)
	default:
		writeJSON(w, http.StatusCreated, run.Status())
	}
}

// activeRun is the module's run now, or a 409 saying there is none.
func (l *Lab) activeRun(w http.ResponseWriter, r *http.Request) (*Run, bool) {
	m, ok := l.module(w, r)
	if !ok {
		return nil, false
	}
	l.mu.Lock()
	run := l.active[m.Name]
	l.mu.Unlock()
	if run == nil {
		httpError(w, http.StatusConflict, fmt.Errorf("no run of %s is active: start the demo first (nothing was sent)", m.Name))
		return nil, false
	}
	return run, true
}

func (l *Lab) apiFault(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Name string `json:"name"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<12)).Decode(&req); err != nil || req.Name == "" {
		httpError(w, http.StatusBadRequest, errors.New(`bad request: want {"name": "<fault>"}`))
		return
	}
	run, ok := l.activeRun(w, r)
	if !ok {
		return
	}
	if err := run.Inject(req.Name); err != nil {
		httpError(w, http.StatusConflict, err)
		return
	}
	writeJSON(w, http.StatusAccepted, run.Status())
}

func (l *Lab) apiStop(w http.ResponseWriter, r *http.Request) {
	run, ok := l.activeRun(w, r)
	if !ok {
		return
	}
	run.Stop()
	writeJSON(w, http.StatusAccepted, run.Status())
}

func (l *Lab) apiRuns(w http.ResponseWriter, r *http.Request) {
	h, err := l.History()
	if err != nil {
		httpError(w, http.StatusInternalServerError, err)
		return
	}
	if h == nil {
		h = []Entry{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"active": l.Active(), "history": h})
}

// apiEvents streams a run's events as Server-Sent Events: those so far,
// then each as it comes, then an "end" event. A run of an earlier session
// streams from its file. Last-Event-ID resumes a stream.
func (l *Lab) apiEvents(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	run, live := l.Run(id)
	if !live {
		p, err := l.HistoryPath(id)
		if err != nil {
			httpError(w, http.StatusNotFound, err)
			return
		}
		if run, err = loadRun(id, p); err != nil {
			httpError(w, http.StatusInternalServerError, err)
			return
		}
	}
	flusher, ok := w.(http.Flusher)
	if !ok {
		httpError(w, http.StatusInternalServerError, errors.New("streaming unsupported"))
		return
	}
	next := 0
	if last, err := strconv.Atoi(r.Header.Get("Last-Event-ID")); err == nil {
		next = last + 1
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	for {
		evs, changed, ended := run.Since(next)
		for _, e := range evs {
			data, err := json.Marshal(e)
			if err != nil {
				return
			}
			if _, err := fmt.Fprintf(w, "id: %d\ndata: %s\n\n", next, data); err != nil {
				return
			}
			next++
		}
		if ended {
			fmt.Fprint(w, "event: end\ndata: {}\n\n")
			flusher.Flush()
			return
		}
		flusher.Flush()
		select {
		case <-changed:
		case <-r.Context().Done():
			return
		case <-l.ctx.Done():
			// the runs are being stopped: keep streaming until they end
			select {
			case <-changed:
			case <-r.Context().Done():
				return
			}
		}
	}
}

func (l *Lab) apiDownload(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	p, err := l.HistoryPath(id)
	if err != nil {
		httpError(w, http.StatusNotFound, err)
		return
	}
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.Header().Set("Content-Disposition", `attachment; filename="`+id+`.jsonl"`)
	http.ServeFile(w, r, p)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func httpError(w http.ResponseWriter, status int, err error) {
	writeJSON(w, status, map[string]string{"error": err.Error()})
}
