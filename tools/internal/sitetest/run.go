package sitetest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/patternlab/patternlab/tools/internal/mermaid"
)

// Failure is one thing a reader would hit: the page (site-relative URL
// path), the reason, and the screenshot taken there (if any).
type Failure struct {
	Page       string
	Reason     string
	Screenshot string
}

func (f Failure) String() string {
	s := "/" + f.Page + ": " + f.Reason
	if f.Screenshot != "" {
		s += " (screenshot " + f.Screenshot + ")"
	}
	return s
}

// Report is what a run saw.
type Report struct {
	Pages, Diagrams, Links, Queries int
	Failures                        []Failure
	Log                             string // the log file, in Plan.Out
}

// Timeouts of one page: its load, its diagrams, a search.
var (
	PageTimeout   = 30 * time.Second
	RenderTimeout = 20 * time.Second
	SearchTimeout = 15 * time.Second
)

// Run serves plan.Site on 127.0.0.1, loads every page of every edition in
// one headless Chromium and returns what failed. An error means the test
// itself could not run (no browser, no site).
func Run(ctx context.Context, chromium string, plan Plan) (*Report, error) {
	if _, err := os.Stat(filepath.Join(plan.Site, "index.html")); err != nil {
		return nil, fmt.Errorf("no built site in %s (run make docs): %w", plan.Site, err)
	}
	if err := os.MkdirAll(plan.Out, 0o755); err != nil {
		return nil, err
	}
	base, stopSite, err := listen(ctx, http.FileServer(http.Dir(plan.Site)))
	if err != nil {
		return nil, err
	}
	defer stopSite()
	out := &egress{}
	proxy, stopProxy, err := listen(ctx, out)
	if err != nil {
		return nil, err
	}
	defer stopProxy()

	profile, err := os.MkdirTemp("", "patternlab-sitetest-*")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(profile)
	opts := append(mermaid.AllocatorOptions(chromium, profile),
		chromedp.ProxyServer(strings.TrimSuffix(proxy, "/")),
		chromedp.Flag("dns-prefetch-disable", true),
		// Chromium's own services (autofill hints, network time, model
		// downloads...) are not the site: quiet them, so that whatever
		// reaches the proxy came from a page.
		chromedp.Flag("disable-features", "Translate,BlinkGenPropertyTrees,AutofillServerCommunication,"+
			"OptimizationHints,OptimizationGuideModelDownloading,MediaRouter,NetworkTimeServiceQuerying,"+
			"CertificateTransparencyComponentUpdater"),
		chromedp.WindowSize(1280, 900),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(actx)
	defer cancelBrowser()
	if err := chromedp.Do(bctx); err != nil {
		return nil, fmt.Errorf("start %s: %w", chromium, err)
	}

	t := &tester{plan: plan, base: base, ctx: bctx, links: newResolver(), egress: out, report: &Report{}}
	for _, ed := range plan.Editions {
		for _, pg := range ed.Pages {
			t.page(ed, pg)
		}
	}
	for _, ed := range plan.Editions {
		t.switchByClick(ed)
	}
	for _, q := range plan.Queries {
		t.search(q)
	}
	t.report.Log = filepath.Join(plan.Out, "site-test.log")
	return t.report, t.writeLog()
}

type tester struct {
	plan   Plan
	base   string // http://127.0.0.1:port/
	ctx    context.Context
	links  *resolver
	egress *egress
	report *Report
	shots  map[string]string // page -> screenshot already taken
}

// facts is what a page shows, read in the page after its diagrams ran.
type facts struct {
	Diagrams []struct {
		SVG   bool   `json:"svg"`
		Error string `json:"error"`
	} `json:"diagrams"`
	Links  []string          `json:"links"`
	Switch map[string]string `json:"switch"`
}

// pageFacts reads the diagrams (rendered to an SVG, or Mermaid's error
// diagram and its text), the resolved href of every link, and the
// language-switch links by hreflang.
const pageFacts = `(() => ({
  diagrams: Array.from(document.querySelectorAll("div.mermaid"), d => {
    const svg = d.querySelector("svg");
    const bad = svg && (svg.getAttribute("aria-roledescription") === "error" || svg.querySelector(".error-icon, .error-text"));
    const said = bad && Array.from(svg.querySelectorAll("text, .error-text"), t => t.textContent.trim()).filter(Boolean).join(" ");
    return { svg: !!svg, error: bad ? (said || "Mermaid's error diagram").slice(0, 200) : "" };
  }),
  links: Array.from(document.querySelectorAll("a[href]"), a => a.href),
  switch: Object.fromEntries(Array.from(document.querySelectorAll("a.md-select__link[hreflang]"), a => [a.getAttribute("hreflang"), a.href])),
}))()`

// rendered: every Mermaid block has been processed (or there is none).
const rendered = `Array.from(document.querySelectorAll("div.mermaid")).every(d => d.getAttribute("data-processed") === "true" || d.querySelector("svg"))`

func (t *tester) page(ed Edition, pg string) {
	path := ed.Prefix + pg
	if os.Getenv("SITETEST_VERBOSE") != "" {
		defer func(start time.Time) { fmt.Printf("  /%s %s\n", path, time.Since(start).Round(time.Millisecond)) }(time.Now())
	}
	t.report.Pages++
	ctx, cancel := context.WithTimeout(t.ctx, PageTimeout)
	defer cancel()
	cctx, stopConsole := context.WithCancel(ctx)
	var (
		mu      sync.Mutex
		console []string
		local   []string
	)
	var wg sync.WaitGroup
	messages := chromedp.Console(cctx)
	requests := chromedp.Events(cctx, network.RequestWillBeSent)
	wg.Go(func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleException {
				mu.Lock()
				console = append(console, oneLine(m.Text+" "+m.URL, 300))
				mu.Unlock()
			}
		}
	})
	wg.Go(func() {
		for ev, err := range requests {
			if err != nil {
				return
			}
			if u := ev.Request.URL; !t.local(u) {
				mu.Lock()
				local = append(local, u)
				mu.Unlock()
			}
		}
	})
	finish := func() []string {
		stopConsole()
		wg.Wait()
		mu.Lock()
		defer mu.Unlock()
		var out []string
		for _, c := range console {
			out = append(out, "JavaScript console error: "+c)
		}
		for _, u := range local {
			out = append(out, "request leaves 127.0.0.1: "+u)
		}
		return out
	}

	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(t.base+path))
	if err != nil {
		finish()
		t.fail(ctx, path, "does not load: "+err.Error())
		return
	}
	if resp.Status != http.StatusOK {
		t.fail(ctx, path, fmt.Sprintf("HTTP %d %s", resp.Status, resp.StatusText))
	}
	if err := chromedp.Do(ctx, chromedp.Poll[chromedp.Void](rendered, chromedp.WithPollingTimeout(RenderTimeout))); err != nil {
		t.fail(ctx, path, fmt.Sprintf("Mermaid diagrams not rendered within %s: %v", RenderTimeout, err))
	}
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[[]byte](pageFacts))
	var f facts
	if err == nil {
		err = json.Unmarshal(raw, &f)
	}
	if err != nil {
		finish()
		t.fail(ctx, path, "cannot read the page: "+err.Error())
		return
	}
	for i, d := range f.Diagrams {
		t.report.Diagrams++
		switch {
		case d.Error != "":
			t.fail(ctx, path, fmt.Sprintf("Mermaid diagram %d of %d shows an error: %s", i+1, len(f.Diagrams), d.Error))
		case !d.SVG:
			t.fail(ctx, path, fmt.Sprintf("Mermaid diagram %d of %d was not rendered to an SVG", i+1, len(f.Diagrams)))
		}
	}
	t.checkSwitch(ctx, ed, pg, f.Switch)
	seen := map[string]bool{}
	for _, l := range f.Links {
		if !t.local(l) || seen[l] {
			continue
		}
		seen[l] = true
		t.report.Links++
		if why := t.links.check(ctx, l); why != "" {
			t.fail(ctx, path, why)
		}
	}
	// Let late errors (a diagram's promise, a failed image) arrive.
	_ = chromedp.Do(ctx, chromedp.Sleep(100*time.Millisecond))
	for _, why := range finish() {
		t.fail(ctx, path, why)
	}
	for _, u := range t.egress.take() {
		t.fail(ctx, path, "request leaves 127.0.0.1 (refused by the test's proxy): "+u)
	}
}

// local reports whether a URL stays on the site server (or is inline data).
func (t *tester) local(raw string) bool {
	if strings.HasPrefix(raw, "data:") || strings.HasPrefix(raw, "blob:") || strings.HasPrefix(raw, "about:") {
		return true
	}
	return strings.HasPrefix(raw, t.base)
}

// counterpart is the URL of a page's counterpart in the other edition: the
// same path when that edition has the page (same is true), its home page
// otherwise.
func (t *tester) counterpart(ed Edition, pg, lang string) (string, bool) {
	other, ok := t.plan.edition(lang)
	if !ok {
		return "", false
	}
	if _, err := os.Stat(filepath.Join(t.plan.Site, filepath.FromSlash(other.Prefix+pg), "index.html")); err == nil {
		return t.base + other.Prefix + pg, true
	}
	return t.base + other.Prefix, false
}

func (t *tester) checkSwitch(ctx context.Context, ed Edition, pg string, links map[string]string) {
	path := ed.Prefix + pg
	for _, other := range t.plan.Editions {
		got, ok := links[other.Lang]
		if !ok {
			t.fail(ctx, path, "the language switch has no link to "+other.Lang)
			continue
		}
		if other.Lang == ed.Lang {
			if got != t.base+path {
				t.fail(ctx, path, fmt.Sprintf("the language switch's %s link goes to %s, not to this page", other.Lang, got))
			}
			continue
		}
		want, same := t.counterpart(ed, pg, other.Lang)
		if !same {
			t.fail(ctx, path, fmt.Sprintf("no %s counterpart at /%s%s: the language switch can only go to the home page (the editions mirror each other path for path)", other.Lang, other.Prefix, pg))
			continue
		}
		if got != want {
			t.fail(ctx, path, fmt.Sprintf("the language switch goes to %s, want the counterpart %s", got, want))
		}
	}
}

// switchByClick clicks the switch on the edition's first page that has a
// counterpart (other than the home page) and checks where the browser lands.
func (t *tester) switchByClick(ed Edition) {
	for _, pg := range ed.Pages {
		if pg == "" {
			continue
		}
		for _, other := range t.plan.Editions {
			if other.Lang == ed.Lang {
				continue
			}
			want, same := t.counterpart(ed, pg, other.Lang)
			if !same {
				continue
			}
			path := ed.Prefix + pg
			ctx, cancel := context.WithTimeout(t.ctx, PageTimeout)
			click := chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.querySelector('a.md-select__link[hreflang=%q]').click()`, other.Lang))
			err := chromedp.Do(ctx, chromedp.Navigate(t.base+path))
			if err == nil {
				_, err = chromedp.Run(ctx, chromedp.WaitEvent(page.LoadEventFired, nil, click))
			}
			loc, lerr := chromedp.Run(ctx, chromedp.Evaluate[string](`location.href`))
			if err == nil {
				err = lerr
			}
			if err != nil || loc != want {
				t.fail(ctx, path, fmt.Sprintf("clicking the language switch to %s lands on %s, want %s (%v)", other.Lang, loc, want, err))
			}
			cancel()
			return
		}
	}
}

// searchResults reads the links of Material's search results.
const searchResults = `Array.from(document.querySelectorAll(".md-search-result__list a.md-search-result__link, .md-search-result__item a"), a => a.href)`

func (t *tester) search(q Query) {
	ed, ok := t.plan.edition(q.Lang)
	if !ok {
		return
	}
	t.report.Queries++
	path := ed.Prefix
	want := t.base + ed.Prefix + q.Want
	ctx, cancel := context.WithTimeout(t.ctx, PageTimeout+SearchTimeout)
	defer cancel()
	// Material's own search link: with ?q= the page opens its search box,
	// waits for its worker to load the index and runs the query there.
	const meta = `(document.querySelector(".md-search-result__meta") || {}).textContent`
	err := chromedp.Do(ctx, chromedp.Navigate(t.base+path+"?q="+url.QueryEscape(q.Text)))
	if err != nil {
		t.fail(ctx, path, fmt.Sprintf("search for %q: %v", q.Text, err))
		return
	}
	// Done when the page is among the results, or when the search has
	// answered without it: "no results" (Material's own words for it, from
	// the page's config), or results shown that stay without it.
	answered := fmt.Sprintf(`(() => {
	  if (%s.some(h => { const u = new URL(h); return u.origin + u.pathname === %q; })) return "found";
	  const none = JSON.parse(document.getElementById("__config").textContent).translations["search.result.none"];
	  if (%s === none) return "answered";
	  return document.querySelector(".md-search-result__item") ? "answered" : "";
	})()`, searchResults, want, meta)
	state, err := chromedp.Run(ctx, chromedp.Poll[string](answered, chromedp.WithPollingTimeout(SearchTimeout)))
	if err == nil && state != "found" {
		// the first results are all rendered at once: give them a moment
		state, err = chromedp.Run(ctx, chromedp.Poll[string](strings.Replace(answered, `return "answered"`, `return ""`, 2), chromedp.WithPollingTimeout(time.Second)))
	}
	if err != nil || state != "found" {
		got, _ := chromedp.Run(ctx, chromedp.Evaluate[[]string](searchResults))
		said, _ := chromedp.Run(ctx, chromedp.Evaluate[string](meta))
		t.fail(ctx, path, fmt.Sprintf("search for %q does not return %s; the search says %q; results: %s",
			q.Text, want, strings.TrimSpace(said), strings.Join(trimBase(got, t.base), ", ")))
	}
}

// trimBase shows the first results as site paths.
func trimBase(urls []string, base string) []string {
	out := make([]string, 0, len(urls))
	for i, u := range urls {
		if i == 8 {
			out = append(out, fmt.Sprintf("and %d more", len(urls)-i))
			break
		}
		out = append(out, "/"+strings.TrimPrefix(u, base))
	}
	if len(out) == 0 {
		out = append(out, "(none)")
	}
	return out
}

var unsafe = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// fail records a failure on a page and saves one screenshot of it.
func (t *tester) fail(ctx context.Context, page, reason string) {
	if t.shots == nil {
		t.shots = map[string]string{}
	}
	shot, taken := t.shots[page]
	if !taken {
		name := strings.Trim(unsafe.ReplaceAllString(page, "-"), "-")
		if name == "" {
			name = "home"
		}
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err == nil {
			shot = filepath.Join(t.plan.Out, name+".png")
			if os.WriteFile(shot, png, 0o644) != nil {
				shot = ""
			}
		}
		t.shots[page] = shot
	}
	t.report.Failures = append(t.report.Failures, Failure{Page: page, Reason: reason, Screenshot: shot})
}

func (t *tester) writeLog() error {
	var b strings.Builder
	fmt.Fprintf(&b, "site test of %s: %d pages, %d diagrams, %d links, %d searches\n",
		t.plan.Site, t.report.Pages, t.report.Diagrams, t.report.Links, t.report.Queries)
	for _, f := range t.report.Failures {
		b.WriteString(f.String() + "\n")
	}
	if len(t.report.Failures) == 0 {
		b.WriteString("no failures\n")
	}
	if calls := t.egress.browserCalls(); calls != "" {
		b.WriteString("refused Chromium's own calls to its services (not the site's): " + calls + "\n")
	}
	return os.WriteFile(t.report.Log, []byte(b.String()), 0o644)
}

// oneLine squeezes a message onto one line of at most n runes.
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		s = string(r[:n]) + "..."
	}
	return s
}
