//go:build labbrowser

// The lab in headless Chromium (make lab-test): a learner's clicks, and what
// the page must show for each. The fake demo's test runs in seconds; the
// real demos' build and run their modules (minutes the first time).
package lab

import (
	"context"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/tools/internal/mermaid"
	"github.com/patternlab/patternlab/tools/internal/repo"
)

// browserPage is one tab on the lab's page.
type browserPage struct {
	t    *testing.T
	ctx  context.Context
	base string
}

func openLab(t *testing.T, l *Lab) *browserPage {
	t.Helper()
	chromium, err := mermaid.FindChromium()
	require.NoError(t, err, "the browser tests need Chromium (apt-get install chromium)")
	srv := httptest.NewServer(l.Handler()) // 127.0.0.1
	t.Cleanup(srv.Close)
	profile := t.TempDir()
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		append(mermaid.AllocatorOptions(chromium, profile), chromedp.WindowSize(1400, 1200))...)
	t.Cleanup(cancelAlloc)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(cancel)
	p := &browserPage{t: t, ctx: ctx, base: srv.URL}
	p.watchConsole()
	p.navigate("/")
	return p
}

// watchConsole fails the test on any console error or uncaught exception
// of the page.
func (p *browserPage) watchConsole() {
	require.NoError(p.t, chromedp.Do(p.ctx))
	var mu sync.Mutex
	var errs []string
	ctx, stop := context.WithCancel(p.ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for m, err := range chromedp.Console(ctx) {
			if err != nil {
				return
			}
			// the API's refusals of bad input are the point of some tests
			refused := strings.HasPrefix(m.Text, "Failed to load resource") && strings.Contains(m.URL, "/api/")
			if (m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleException) && !refused {
				mu.Lock()
				errs = append(errs, m.Text+" "+m.URL)
				mu.Unlock()
			}
		}
	}()
	p.t.Cleanup(func() {
		stop()
		<-done
		mu.Lock()
		defer mu.Unlock()
		for _, e := range errs {
			p.t.Errorf("console: %s", e)
		}
	})
}

func (p *browserPage) navigate(path string) {
	p.t.Helper()
	require.NoError(p.t, chromedp.Do(p.ctx, chromedp.Navigate(p.base+path)))
	p.wait("the module list", `document.querySelector("#modules a") !== null`, 30*time.Second)
}

// hash moves the single-page app to a route.
func (p *browserPage) hash(h string) { p.js(fmt.Sprintf(`location.hash = %q`, h)) }

func (p *browserPage) js(expr string) {
	p.t.Helper()
	require.NoError(p.t, chromedp.Do(p.ctx, chromedp.Evaluate[chromedp.Void](expr)), expr)
}

func (p *browserPage) text(sel string) string {
	p.t.Helper()
	s, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](fmt.Sprintf(`(document.querySelector(%q) || {innerText: ""}).innerText`, sel)))
	require.NoError(p.t, err)
	return s
}

// wait polls a JavaScript condition; on timeout it fails with what the page
// shows and a screenshot.
func (p *browserPage) wait(what, cond string, timeout time.Duration) {
	p.t.Helper()
	err := chromedp.Do(p.ctx, chromedp.Poll[chromedp.Void](cond, chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(timeout)))
	if err == nil {
		return
	}
	shot := filepath.Join(os.TempDir(), fmt.Sprintf("lab-%s-%d.png", strings.ReplaceAll(p.t.Name(), "/", "_"), time.Now().Unix()))
	if png, err := chromedp.Run(p.ctx, chromedp.FullScreenshot(100)); err == nil {
		_ = os.WriteFile(shot, png, 0o644)
	}
	narration := p.text(".lt-narration")
	if len(narration) > 6000 {
		narration = "..." + narration[len(narration)-6000:]
	}
	p.t.Fatalf("waited %s for %s (%s): %v\nmessage on the page: %q\nnarration:\n%s\nscreenshot: %s",
		timeout, what, cond, err, p.text("#msg"), narration, shot)
}

// narrationHas is a condition: a narration line contains every part.
func narrationHas(parts ...string) string {
	var conds []string
	for _, s := range parts {
		conds = append(conds, fmt.Sprintf("li.innerText.includes(%q)", s))
	}
	return `Array.from(document.querySelectorAll(".lt-narration li")).some(li => !li.hidden && ` + strings.Join(conds, " && ") + `)`
}

func msgHas(s string) string {
	return fmt.Sprintf(`!document.getElementById("msg").hidden && document.getElementById("msg").innerText.includes(%q)`, s)
}

// setFlag sets a flag's input in the form (a checkbox for a bool flag).
func (p *browserPage) setFlag(name, value string) {
	p.t.Helper()
	p.wait("the flag -"+name, fmt.Sprintf(`document.querySelector('#flag-list input[name=%q]') !== null`, name), 5*time.Minute)
	p.js(fmt.Sprintf(`(function(){ var i = document.querySelector('#flag-list input[name=%q]');
		if (i.type === "checkbox") i.checked = %q === "true"; else i.value = %q;
		i.dispatchEvent(new Event("input")); })()`, name, value, value))
}

func (p *browserPage) click(sel string) {
	p.t.Helper()
	p.js(fmt.Sprintf(`document.querySelector(%q).click()`, sel))
}

// pressFault waits for the demo to offer the fault, then presses its button.
func (p *browserPage) pressFault(name string, timeout time.Duration) {
	p.t.Helper()
	sel := fmt.Sprintf(`#fault-buttons button[data-fault=%q]`, name)
	p.wait("the "+name+" button", fmt.Sprintf(`(b => b !== null && !b.disabled)(document.querySelector(%q))`, sel), timeout)
	p.click(sel)
}

// pressOffered waits until the demo offers a fault whose name matches the
// JavaScript regular expression (each module names its own faults), presses
// it, and returns its name and how many FAULT lines the page showed then. A
// run that ends without such an offer fails the test at once, naming the
// faults it did offer.
func (p *browserPage) pressOffered(pattern string, timeout time.Duration) (name string, faults int) {
	p.t.Helper()
	find := fmt.Sprintf(`Array.from(document.querySelectorAll("#fault-buttons button")).find(b => !b.disabled && %s.test(b.dataset.fault))`, pattern)
	events := `((window.lab.state.timeline || {}).events || [])`
	p.wait("a fault button matching "+pattern, fmt.Sprintf(`%s !== undefined || %s.some(e => e.kind === "exit")`, find, events), timeout)
	out, err := chromedp.Run(p.ctx, chromedp.Evaluate[[]any](fmt.Sprintf(`(b => b === undefined
		? ["", 0, %s.filter(e => e.kind === "control" && e.fields && e.fields.offer).map(e => e.fields.offer).join(", ") || "none"]
		: (b.click(), [b.dataset.fault, %s, ""]))(%s)`, events, faultLines, find)))
	require.NoError(p.t, err)
	require.Len(p.t, out, 3)
	if out[0].(string) == "" {
		p.t.Fatalf("the demo ended without offering a fault matching %s (it offered: %s): its module offers one with narrate's Offer while the act that can take it runs (CONTRIBUTING: what the lab needs from a module)", pattern, out[2])
	}
	return out[0].(string), int(out[1].(float64))
}

// faultLines counts the FAULT lines of the live run's narration.
const faultLines = `Array.from(document.querySelectorAll("#timeline .lt-narration li")).filter(li => li.innerText.includes("FAULT")).length`

// injected is a condition: the demo answered the lab's request for the fault
// with ok, and a FAULT line came after the press (there were before).
func injected(name string, before int) string {
	return fmt.Sprintf(`%s && %s > %d`, narrationHas("fault "+name+": ok"), faultLines, before)
}

const (
	verdictHeld     = `document.querySelector("#timeline .lt-verdict.held") !== null`
	redeliveryDrawn = `document.querySelector("#timeline .lt-seq .msg.again") !== null`
)

// The whole page with the fake demo: fault button, FAULT line, redelivery
// on the sequence diagram, verdict, history and replay with the slider,
// and each kind of bad input.
func TestBrowserFakeDemo(t *testing.T) {
	l := newTestLab(t)
	p := openLab(t, l)

	p.hash("#/m/nope")
	p.wait("the unknown module message", msgHas(`No module named “nope”`), 10*time.Second)

	p.hash("#/m/fake")
	p.setFlag("hold", "1m")
	p.js(`document.getElementById("custom-name").value = "crash-consumer"`)
	p.click(`#custom-fault button`)
	p.wait("the no-run message", msgHas("no run of fake is active: start the demo first (nothing was sent)"), 10*time.Second)

	p.click("#start")
	p.pressFault("crash-consumer", 30*time.Second)
	p.wait("the FAULT line", narrationHas("FAULT: crashed holding m-3"), 30*time.Second)
	p.wait("the redelivery on the sequence diagram", redeliveryDrawn, 30*time.Second)
	p.wait("the verdict", verdictHeld, 30*time.Second)
	p.wait("the exit status", `document.getElementById("run-state").innerText.includes("exit status 0 (HELD)")`, 10*time.Second)
	p.wait("a chart", `document.querySelector("#timeline .lt-chart canvas") !== null`, 10*time.Second)

	p.js(`document.getElementById("custom-name").value = "crash-consumer"`)
	p.click(`#custom-fault button`)
	p.wait("the run-ended message", msgHas("no run of fake is active"), 10*time.Second)

	p.setFlag("messages", "0")
	p.click("#start")
	p.wait("the refused flags message", msgHas("The demo refused these flags"), 30*time.Second)
	p.wait("the flag it names", msgHas("-messages"), time.Second)

	p.hash("#/history")
	p.wait("one run in the history, the refused one left out",
		`document.querySelectorAll("#history-table tbody tr").length === 1 && document.querySelector("#history-table td.ok") !== null`, 10*time.Second)
	dl, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](`fetch(document.querySelector('#history-table a[href$="/history"]').href).then(r => r.text())`,
		chromedp.EvalAwaitPromise))
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(dl), "\n")
	require.Greater(t, len(lines), 3, "the downloaded history")
	assert.Contains(t, lines[0], `"kind":"run"`, "the history's first line is the lab's")
	assert.Contains(t, dl, "FAULT: crashed holding m-3")
	assert.Contains(t, lines[len(lines)-1], `"kind":"exit"`, "its last line is the exit status")
	p.click(`#history-table a[href^="#/replay/"]`)
	p.wait("the replay slider", `document.querySelector("#replay-view input[type=range]") !== null`, 10*time.Second)
	p.wait("the replay at its start: no verdict yet", `document.querySelector("#replay-view .lt-verdict.lt-pending") !== null`, 5*time.Second)
	p.js(`(r => { r.value = r.max; r.dispatchEvent(new Event("input")); })(document.querySelector("#replay-view input[type=range]"))`)
	p.wait("the replay at its end: the verdict", `document.querySelector("#replay-view .lt-verdict.held") !== null`, 5*time.Second)
	p.wait("the replayed FAULT line", `Array.from(document.querySelectorAll("#replay-view .lt-narration li")).some(li => !li.hidden && li.innerText.includes("FAULT: crashed"))`, 5*time.Second)

	// a file downloaded elsewhere replays too; a file that is not a history
	// says so and replays nothing
	dir := t.TempDir()
	for _, c := range []struct{ file, content, msg string }{
		{"garbage.jsonl", "not json\n", "Not a history file: line 1 is not JSON"},
		{"null.jsonl", lines[0] + "\nnull\n", "Not a history file: line 2 is not an event"},
		{"headless.jsonl", strings.Join(lines[1:], "\n"), "its first line is not the lab's run header"},
		{"odd.jsonl", oddEvents, ""},
		{"run.jsonl", dl, ""},
	} {
		f := filepath.Join(dir, c.file)
		require.NoError(t, os.WriteFile(f, []byte(c.content), 0o644))
		p.hash("#/")
		p.hash("#/history")
		p.wait("the history page", `!document.getElementById("history").hidden`, 5*time.Second)
		p.js(`document.getElementById("msg").hidden = true`)
		require.NoError(t, chromedp.Do(p.ctx, chromedp.SetUploadFiles("#upload", []string{f}, chromedp.NodeReady)))
		if c.msg != "" {
			p.wait("the refusal of "+c.file, msgHas(c.msg), 5*time.Second)
			p.wait("no replay of it", `document.getElementById("replay").hidden`, time.Second)
			continue
		}
		p.wait("the uploaded replay's title", fmt.Sprintf(`document.getElementById("r-title").innerText === "Replay of %s"`, c.file), 5*time.Second)
		if c.file == "odd.jsonl" {
			p.js(`(r => { r.value = r.max; r.dispatchEvent(new Event("input")); })(document.querySelector("#replay-view input[type=range]"))`)
			p.wait("the odd events drawn: no undefined nor NaN, no chart from samples without a series name or a number",
				`(v => !v.innerText.includes("undefined") && !v.innerText.includes("NaN") && v.querySelectorAll(".lt-chart").length === 0 && v.querySelector(".lt-seq") !== null && v.querySelector(".lt-verdict.held") !== null)(document.getElementById("replay-view"))`, 5*time.Second)
			continue
		}
		p.js(`(r => { r.value = r.max; r.dispatchEvent(new Event("input")); })(document.querySelector("#replay-view input[type=range]"))`)
		p.wait("the uploaded replay's verdict", `document.querySelector("#replay-view .lt-verdict.held") !== null`, 5*time.Second)
	}
}

// One run per demo, seen from a second tab: it shows the active run live
// (its Start disabled, its fault button), the servers panel, and its Stop
// interrupts the run both tabs watch.
func TestBrowserOneRunPerDemoAndStop(t *testing.T) {
	l := newTestLab(t)
	first := openLab(t, l)
	first.wait("the servers panel", `document.getElementById("servers-global").innerText.includes("NATS_URL")`, 10*time.Second)
	first.hash("#/m/fake")
	first.setFlag("hold", "5m")
	first.click("#start")
	first.wait("the crash-consumer button", `document.querySelector('#fault-buttons button[data-fault="crash-consumer"]') !== null`, 30*time.Second)

	second := openLab(t, l)
	second.wait("the module listed as running", `(a => a !== null && a.parentElement.innerText.includes("running"))(document.querySelector('#modules a[data-module="fake"]'))`, 10*time.Second)
	second.hash("#/m/fake")
	second.wait("the active run attached: Start disabled, Stop and the fault offered",
		`document.getElementById("start").disabled && !document.getElementById("stop").disabled && document.querySelector('#fault-buttons button[data-fault="crash-consumer"]') !== null`, 30*time.Second)
	second.wait("the same run's narration", narrationHas("[nats]", "embedded nats-server"), 10*time.Second)
	second.click("#stop")
	for _, p := range []*browserPage{first, second} {
		p.wait("the interrupted run's end, without a verdict",
			`(s => s.includes("ended with exit status") && !s.includes("HELD"))(document.getElementById("run-state").innerText) && document.querySelector("#timeline .lt-verdict.held") === null`, 30*time.Second)
		p.wait("Start enabled again", `!document.getElementById("start").disabled`, 10*time.Second)
	}
	require.Empty(t, l.Active(), "no run is left active")
}

// oddEvents are events a module may emit that the lab never planned for:
// fields missing or of another type, kinds it does not know. The page
// draws what it can and throws nothing (watchConsole fails on an error).
const oddEvents = `{"time":"2026-12-01T10:00:00Z","kind":"run","actor":"lab","text":"[lab] make demo P=odd","fields":{"module":"odd"}}
{"time":"2026-12-01T10:00:00.1Z","kind":"act"}
{"time":"2026-12-01T10:00:00.2Z","kind":"message"}
{"time":"2026-12-01T10:00:00.3Z","kind":"message","fields":{"from":"a"}}
{"time":"2026-12-01T10:00:00.4Z","kind":"message","fields":{"from":7,"to":["b"],"what":{"x":1},"id":null}}
{"time":"2026-12-01T10:00:00.5Z","kind":"sample","fields":{"series":"depth","value":"three","unit":5}}
{"time":"2026-12-01T10:00:00.6Z","kind":"sample","fields":{"value":3}}
{"time":"2026-12-01T10:00:00.7Z","kind":"sample"}
{"time":"not a time","kind":"step","actor":"x","text":"[x] a step at no time"}
{"kind":"fault","text":"FAULT: no time at all"}
{"time":"2026-12-01T10:00:00.8Z","kind":"control","fields":{"offer":""}}
{"time":"2026-12-01T10:00:00.9Z","kind":"control","fields":{"withdraw":42}}
{"time":"2026-12-01T10:00:01Z","kind":"weather","text":"a kind nobody knows"}
{"time":"2026-12-01T10:00:01.1Z","kind":"check","ok":"yes","text":"[check] ok is not a bool"}
{"time":"2026-12-01T10:00:01.2Z","kind":"invariant","ok":true,"text":"[invariant] HELD: odd events drawn"}
`

// realLab is a lab over this checkout, building the real demos.
func realLab(t *testing.T) *Lab {
	t.Helper()
	r, err := repo.Find(".")
	require.NoError(t, err)
	tc := &Toolchain{Root: r.Root, BinDir: t.TempDir(), Needs: map[string]Need{
		"temporal-cli": {Name: "the Temporal CLI (dev server)", Script: "tools/servers/temporal.sh", Env: "TEMPORAL_CLI", Took: "about 5 min"},
		"envtest":      {Name: "envtest's kube-apiserver and etcd", Script: "tools/servers/envtest.sh", Env: "KUBEBUILDER_ASSETS", Took: "about 13 min"},
	}}
	ctx, cancel := context.WithCancel(context.Background())
	l := New(ctx, r, tc, t.TempDir())
	t.Cleanup(func() { cancel(); l.Wait() })
	return l
}

// Backpressure: press the consumer's crash while the demo runs (the module
// names it, "crash-consumer"); the page shows the demo's ok, the FAULT line,
// a redelivery on the sequence diagram, and the verdict.
func TestBrowserBackpressureCrashConsumer(t *testing.T) {
	p := openLab(t, realLab(t))
	p.hash("#/m/backpressure")
	p.wait("the flags", `document.querySelector('#flag-list input') !== null`, 10*time.Minute)
	p.click("#start")
	name, before := p.pressOffered(`/crash/`, 5*time.Minute)
	p.wait("the demo's ok and the FAULT line", injected(name, before), 2*time.Minute)
	p.wait("a redelivery", redeliveryDrawn, 3*time.Minute)
	p.wait("the verdict", verdictHeld, 5*time.Minute)
}

// A Temporal demo: press "kill worker" while its workflows run; the page
// links the dev server's Web UI, shows the demo's ok, the FAULT line and the
// verdict.
func TestBrowserSagaKillWorker(t *testing.T) {
	p := openLab(t, realLab(t))
	p.hash("#/m/saga")
	p.wait("the flags", `document.querySelector('#flag-list input') !== null`, 10*time.Minute)
	p.click("#start")
	p.wait("the Temporal Web UI link", `Array.from(document.querySelectorAll("#timeline .lt-links a")).some(a => a.innerText === "Temporal Web UI" && a.href.startsWith("http://127.0.0.1:"))`, 5*time.Minute)
	name, before := p.pressOffered(`/kill.*worker/`, 5*time.Minute)
	p.wait("the demo's ok and the FAULT line", injected(name, before), 2*time.Minute)
	p.wait("the verdict", verdictHeld, 10*time.Minute)
}

// The docs' recorded runs: the page's own timeline script draws a committed
// run with its slider, as on a chapter page (LAB_SCREENSHOT=file.png keeps
// a picture of it).
func TestBrowserRecordedRunInTheDocs(t *testing.T) {
	r, err := repo.Find(".")
	require.NoError(t, err)
	run := r.Path(RunsDir + "/cqrs.jsonl") // a crash before an ack, and the redeliveries
	require.FileExists(t, run, "make record P=cqrs writes it")
	mux := http.NewServeMux()
	static, _ := fs.Sub(ui, "ui")
	mux.Handle("GET /ui/", http.StripPrefix("/ui/", http.FileServerFS(static)))
	mux.HandleFunc("GET /run.jsonl", func(w http.ResponseWriter, r *http.Request) { http.ServeFile(w, r, run) })
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<!doctype html><html lang="zh"><head><meta charset="utf-8"><link rel="icon" href="data:,"><link rel="stylesheet" href="/ui/timeline.css"></head>
<body><h2>运行</h2><div class="lab-run" data-src="run.jsonl"></div><script src="/ui/timeline.js"></script></body></html>`)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	chromium, err := mermaid.FindChromium()
	require.NoError(t, err)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		append(mermaid.AllocatorOptions(chromium, t.TempDir()), chromedp.WindowSize(1300, 1400))...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	p := &browserPage{t: t, ctx: ctx, base: srv.URL}
	p.watchConsole()
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/")))
	p.wait("the recorded verdict", `document.querySelector(".lab-run .lt-verdict.held") !== null`, 20*time.Second)
	p.wait("the Chinese labels", `document.querySelector(".lab-run h3").innerText === "叙述"`, time.Second)
	p.wait("the redelivery drawn", `document.querySelector(".lab-run .lt-seq .msg.again") !== null`, time.Second)
	p.js(`(r => { r.value = 0; r.dispatchEvent(new Event("input")); })(document.querySelector(".lab-run input[type=range]"))`)
	p.wait("the start: no verdict, no fault yet", `document.querySelector(".lab-run .lt-verdict.lt-pending") !== null && document.querySelector(".lab-run .lt-seq .fault") === null`, 5*time.Second)
	p.js(`(r => { r.value = r.max; r.dispatchEvent(new Event("input")); })(document.querySelector(".lab-run input[type=range]"))`)
	p.wait("the end again", `document.querySelector(".lab-run .lt-verdict.held") !== null`, 5*time.Second)
	if out := os.Getenv("LAB_SCREENSHOT"); out != "" {
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(out, png, 0o644))
	}
}
