package lab

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func post(t *testing.T, srv *httptest.Server, path, body string) (int, map[string]any) {
	t.Helper()
	resp, err := http.Post(srv.URL+path, "application/json", strings.NewReader(body))
	require.NoError(t, err)
	defer resp.Body.Close()
	var out map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
	return resp.StatusCode, out
}

// readSSE reads data events until the end event.
func readSSE(t *testing.T, body io.Reader) (ids []string, evs []Event) {
	t.Helper()
	sc := bufio.NewScanner(body)
	sc.Buffer(make([]byte, 64*1024), 4*1024*1024)
	var event string
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "id: "):
			ids = append(ids, strings.TrimPrefix(line, "id: "))
		case strings.HasPrefix(line, "event: "):
			event = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			if event == "end" {
				return ids, evs
			}
			var e Event
			require.NoError(t, json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &e))
			evs = append(evs, e)
		}
	}
	t.Fatal("the stream closed without an end event")
	return nil, nil
}

// The API: start, fault (offered, not offered, with no run), stream,
// resume with Last-Event-ID, download; bad input gets a clear message.
func TestHTTPRunFaultStreamAndBadInput(t *testing.T) {
	l := newTestLab(t)
	srv := httptest.NewServer(l.Handler())
	defer srv.Close()

	code, out := post(t, srv, "/api/modules/fake/fault", `{"name":"crash-consumer"}`)
	assert.Equal(t, http.StatusConflict, code)
	assert.Equal(t, "no run of fake is active: start the demo first (nothing was sent)", out["error"])

	code, out = post(t, srv, "/api/modules/nope/runs", `{"args":[]}`)
	assert.Equal(t, http.StatusNotFound, code)
	assert.Equal(t, `no module named "nope"; the modules are: fake`, out["error"])

	code, out = post(t, srv, "/api/modules/fake/runs", `{"args":["-hold=30s"]}`)
	require.Equal(t, http.StatusCreated, code, out)
	id := out["id"].(string)
	code, out = post(t, srv, "/api/modules/fake/runs", `{"args":[]}`)
	assert.Equal(t, http.StatusConflict, code)
	assert.Contains(t, out["error"], "one run per demo at a time")

	run, _ := l.Run(id)
	waitFor(t, run, "the demo waiting for the fault", func(e Event) bool { return e.Kind == "message" && e.Fields["id"] == "m-3" })
	code, out = post(t, srv, "/api/modules/fake/fault", `{"name":"crash"}`)
	assert.Equal(t, http.StatusConflict, code)
	assert.Contains(t, out["error"], `does not offer "crash" now; on offer: crash-consumer`)
	code, _ = post(t, srv, "/api/modules/fake/fault", `{"name":"crash-consumer"}`)
	assert.Equal(t, http.StatusAccepted, code)

	resp, err := http.Get(srv.URL + "/api/runs/" + id + "/events")
	require.NoError(t, err)
	ids, evs := readSSE(t, resp.Body)
	resp.Body.Close()
	assert.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"))
	require.NotEmpty(t, evs)
	assert.Equal(t, KindRun, evs[0].Kind)
	assert.Equal(t, KindExit, evs[len(evs)-1].Kind)
	assert.Equal(t, "0", ids[0])

	req, _ := http.NewRequest("GET", srv.URL+"/api/runs/"+id+"/events", nil)
	req.Header.Set("Last-Event-ID", "4")
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	rids, revs := readSSE(t, resp.Body)
	resp.Body.Close()
	assert.Equal(t, "5", rids[0], "resumes after the last event seen")
	assert.Equal(t, len(evs)-5, len(revs))

	resp, err = http.Get(srv.URL + "/api/runs/" + id + "/history")
	require.NoError(t, err)
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Contains(t, resp.Header.Get("Content-Disposition"), id+".jsonl")
	assert.Equal(t, len(evs), strings.Count(string(data), "\n"))

	code, out = post(t, srv, "/api/modules/fake/fault", `{"name":"crash-consumer"}`)
	assert.Equal(t, http.StatusConflict, code, "after the run: %v", out)
}

// A run of an earlier session streams from its history file.
func TestHTTPStreamsASavedRun(t *testing.T) {
	l := newTestLab(t)
	r, err := l.Start("fake", nil)
	require.NoError(t, err)
	wait(t, r)
	l2 := New(l.ctx, l.Repo, l.Tools, l.HistoryDir)
	srv := httptest.NewServer(l2.Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/api/runs/" + r.ID + "/events")
	require.NoError(t, err)
	_, evs := readSSE(t, resp.Body)
	resp.Body.Close()
	all, _, _ := r.Since(0)
	assert.Len(t, evs, len(all))
	resp, err = http.Get(srv.URL + "/api/runs/..%2Fx/events")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
}

func TestHTTPGuards(t *testing.T) {
	l := newTestLab(t)
	h := l.Handler()
	for _, tc := range []struct {
		name, method, host, ctype string
		want                      int
	}{
		{"a page elsewhere", "GET", "evil.example:8280", "", http.StatusForbidden},
		{"a rebinding name", "GET", "127.0.0.1.evil.example", "", http.StatusForbidden},
		{"a form post", "POST", "127.0.0.1:8280", "application/x-www-form-urlencoded", http.StatusUnsupportedMediaType},
		{"loopback", "GET", "127.0.0.1:8280", "", http.StatusOK},
		{"localhost", "GET", "localhost:8280", "", http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := "/api/modules"
			if tc.method == "POST" {
				path = "/api/modules/fake/runs"
			}
			req := httptest.NewRequest(tc.method, path, strings.NewReader(`{}`))
			req.Host = tc.host
			if tc.ctype != "" {
				req.Header.Set("Content-Type", tc.ctype)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			assert.Equal(t, tc.want, w.Code, w.Body.String())
		})
	}
}

func TestPageAndVendorAreServed(t *testing.T) {
	l := newTestLab(t)
	srv := httptest.NewServer(l.Handler())
	defer srv.Close()
	for _, p := range []string{"/", "/ui/lab.js", "/ui/timeline.js", "/ui/timeline.css"} {
		resp, err := http.Get(srv.URL + p)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, http.StatusOK, resp.StatusCode, p)
	}
}

func TestRedactDropsCredentials(t *testing.T) {
	assert.Equal(t, "nats://10.0.0.1:4222,nats://b:4222", redact("nats://user:secret@10.0.0.1:4222,nats://b:4222"))
	assert.Equal(t, "/home/me/.kube/config", redact("/home/me/.kube/config"))
}
