package mermaid

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/chromedp/chromedp"
)

// Problem is a diagram Mermaid refused.
type Problem struct {
	File string
	Line int
	Msg  string
}

func (p Problem) String() string {
	return fmt.Sprintf("%s:%d: mermaid: %s", p.File, p.Line, strings.ReplaceAll(p.Msg, "\n", "\n    "))
}

// ErrNoBrowser says no Chromium was found.
var ErrNoBrowser = errors.New("no Chromium found: install Debian's chromium or set CHROMIUM")

// FindChromium returns $CHROMIUM or the first Chromium-like binary on PATH.
func FindChromium() (string, error) {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p, nil
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", ErrNoBrowser
}

// AllocatorOptions are the flags that make a headless Chromium quiet and
// offline-safe on these machines, with a fresh profile directory.
func AllocatorOptions(chromium, profile string) []chromedp.ExecAllocatorOption {
	return append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.UserDataDir(profile),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
	)
}

// Parse parses every block with the Mermaid library at mermaidJS (its
// dist/mermaid.min.js) in one headless Chromium and returns the bad ones.
func Parse(ctx context.Context, chromium, mermaidJS string, blocks []Block) ([]Problem, error) {
	if len(blocks) == 0 {
		return nil, nil
	}
	if _, err := os.Stat(mermaidJS); err != nil {
		return nil, fmt.Errorf("mermaid library: %w (run `npm ci` at the repository root)", err)
	}
	js, err := filepath.Abs(mermaidJS)
	if err != nil {
		return nil, err
	}
	profile, err := os.MkdirTemp("", "patternlab-chromium-*")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(profile)
	page := filepath.Join(profile, "parse.html")
	html := `<!doctype html><html><body><script src="file://` + js + `"></script></body></html>`
	if err := os.WriteFile(page, []byte(html), 0o644); err != nil {
		return nil, err
	}

	opts := append(AllocatorOptions(chromium, profile),
		chromedp.Flag("allow-file-access-from-files", true),
	)
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(actx)
	defer cancelBrowser()

	sources := make([]string, len(blocks))
	for i, b := range blocks {
		sources[i] = b.Text
	}
	arg, err := json.Marshal(sources)
	if err != nil {
		return nil, err
	}
	script := `(async (blocks) => {
	  mermaid.initialize({ startOnLoad: false });
	  const out = [];
	  for (const b of blocks) {
	    try { await mermaid.parse(b); out.push(""); }
	    catch (e) { out.push(String((e && (e.message || e.str)) || e) || "unknown parse error"); }
	  }
	  return out;
	})(` + string(arg) + `)`
	err = chromedp.Do(bctx,
		chromedp.Navigate("file://"+page),
		chromedp.Poll[chromedp.Void](`typeof window.mermaid !== "undefined"`, chromedp.WithPollingTimeout(30*time.Second)),
	)
	if err != nil {
		return nil, fmt.Errorf("load mermaid in %s: %w", chromium, err)
	}
	results, err := chromedp.Run(bctx, chromedp.Evaluate[[]string](script, chromedp.EvalAwaitPromise))
	if err != nil {
		return nil, fmt.Errorf("parse diagrams in %s: %w", chromium, err)
	}
	if len(results) != len(blocks) {
		return nil, fmt.Errorf("mermaid returned %d results for %d diagrams", len(results), len(blocks))
	}
	var problems []Problem
	for i, msg := range results {
		if msg == "" {
			continue
		}
		b := blocks[i]
		problems = append(problems, Problem{File: b.File, Line: b.Line + lineInBlock(msg, b.Text) - 1, Msg: msg})
	}
	return problems, nil
}

var onLine = regexp.MustCompile(`(?i)on line (\d+)`)

// lineInBlock reads "Parse error on line N" from Mermaid's message (1 if
// absent). An error at the end of input can name a line past the block's
// last: it is reported on the last line that has text.
func lineInBlock(msg, text string) int {
	m := onLine.FindStringSubmatch(msg)
	if m == nil {
		return 1
	}
	n, err := strconv.Atoi(m[1])
	if err != nil || n < 1 {
		return 1
	}
	return min(n, len(strings.Split(strings.TrimRight(text, "\n \t"), "\n")))
}
