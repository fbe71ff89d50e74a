package sitetest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/html"
)

// listen serves h on a free port of 127.0.0.1 until ctx ends and returns
// its base URL ("http://127.0.0.1:port/").
func listen(ctx context.Context, h http.Handler) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(ln)
	}()
	stop := func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
		<-done
	}
	return "http://" + ln.Addr().String() + "/", stop, nil
}

// egress is the browser's only way off the machine: Chromium is started
// with it as its proxy (loopback goes direct), so every request any page,
// worker or the browser itself makes to another host arrives here, is
// recorded and refused. Nothing leaves; what the site asked for is a
// failure, what Chromium asks its own services for is only logged.
type egress struct {
	mu      sync.Mutex
	seen    []string
	browser map[string]int
}

// BrowserServices are the hosts Debian's Chromium calls by itself even with
// background networking off (sign-in, component updates, network time,
// optimization hints). A page's request to them would still be refused.
var BrowserServices = []string{
	"accounts.google.com", "update.googleapis.com", "clients2.google.com",
	"optimizationguide-pa.googleapis.com", "content-autofill.googleapis.com",
}

func (e *egress) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	target, host := r.URL.String(), r.URL.Hostname()
	if r.Method == http.MethodConnect {
		target, host = "https://"+r.Host+"/", strings.Split(r.Host, ":")[0]
	}
	e.mu.Lock()
	if slices.Contains(BrowserServices, host) && r.Header.Get("Referer") == "" {
		if e.browser == nil {
			e.browser = map[string]int{}
		}
		e.browser[host]++
	} else {
		e.seen = append(e.seen, target)
	}
	e.mu.Unlock()
	http.Error(w, "patternlab site test: no request may leave 127.0.0.1", http.StatusForbidden)
}

// browserCalls says which of Chromium's own services it tried, refused.
func (e *egress) browserCalls() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var parts []string
	for h, n := range e.browser {
		parts = append(parts, fmt.Sprintf("%s (%d)", h, n))
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}

// take returns the requests seen since the last call.
func (e *egress) take() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	s := e.seen
	e.seen = nil
	return s
}

// target is what a link points at: its status and, for HTML, its ids.
type target struct {
	status int
	ids    map[string]bool
	err    error
}

// resolver fetches link targets from the site server once each.
type resolver struct {
	client *http.Client
	mu     sync.Mutex
	cache  map[string]*target
}

func newResolver() *resolver {
	return &resolver{client: &http.Client{Timeout: 10 * time.Second}, cache: map[string]*target{}}
}

// check reports why a same-origin link does not resolve, or "".
func (r *resolver) check(ctx context.Context, link string) string {
	u, err := url.Parse(link)
	if err != nil {
		return "unparsable link " + link
	}
	frag := u.Fragment
	u.Fragment, u.RawFragment = "", ""
	t := r.get(ctx, u.String())
	switch {
	case t.err != nil:
		return "link " + link + ": " + t.err.Error()
	case t.status != http.StatusOK:
		return "broken link " + link + ": HTTP " + http.StatusText(t.status)
	case frag != "" && t.ids != nil && !t.ids[frag]:
		return "broken anchor " + link + ": no element with id " + frag + " on " + u.Path
	}
	return ""
}

func (r *resolver) get(ctx context.Context, u string) *target {
	r.mu.Lock()
	t, ok := r.cache[u]
	r.mu.Unlock()
	if ok {
		return t
	}
	t = &target{}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err == nil {
		var resp *http.Response
		resp, err = r.client.Do(req)
		if err == nil {
			t.status = resp.StatusCode
			if resp.StatusCode == http.StatusOK && isHTML(resp.Header.Get("Content-Type")) {
				t.ids, err = ids(resp.Body)
			}
			_ = resp.Body.Close()
		}
	}
	t.err = err
	r.mu.Lock()
	r.cache[u] = t
	r.mu.Unlock()
	return t
}

func isHTML(contentType string) bool {
	return len(contentType) >= 9 && contentType[:9] == "text/html"
}

// ids collects every id (and every <a name>) of an HTML document: the
// targets a fragment can name.
func ids(body io.Reader) (map[string]bool, error) {
	out := map[string]bool{}
	z := html.NewTokenizer(body)
	for {
		switch z.Next() {
		case html.ErrorToken:
			if errors.Is(z.Err(), io.EOF) {
				return out, nil
			}
			return out, z.Err()
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			for hasAttr {
				var k, v []byte
				k, v, hasAttr = z.TagAttr()
				if string(k) == "id" || (string(name) == "a" && string(k) == "name") {
					out[string(v)] = true
				}
			}
		}
	}
}
