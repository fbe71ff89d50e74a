package eventtime

import (
	"fmt"
	"slices"
	"sort"

	"github.com/patternlab/patternlab/industries/internet/clickstream"
)

// Metrics are one window's results.
type Metrics struct {
	Start  int64             `json:"start"`
	Views  map[string]int    `json:"views"` // page views by page
	Funnel Funnel            `json:"funnel"`
	Ads    map[string]AdStat `json:"ads"`  // by campaign
	Seqs   []uint64          `json:"seqs"` // the log records counted, sorted: the lineage an audit reads
}

// Funnel counts distinct users who viewed, added to cart and purchased.
type Funnel struct {
	Viewed    int `json:"viewed"`
	Carted    int `json:"carted"`
	Purchased int `json:"purchased"`
}

// AdStat is one campaign's impressions and clicks.
type AdStat struct {
	Impressions int `json:"impressions"`
	Clicks      int `json:"clicks"`
}

// CTR is the click-through rate, clicks per impression.
func (a AdStat) CTR() float64 {
	if a.Impressions == 0 {
		return 0
	}
	return float64(a.Clicks) / float64(a.Impressions)
}

// Window is a window's state while it is open: what Metrics are made of.
type Window struct {
	Start       int64           `json:"start"`
	Views       map[string]int  `json:"views"`
	Viewers     map[string]bool `json:"viewers"`
	Carters     map[string]bool `json:"carters"`
	Buyers      map[string]bool `json:"buyers"`
	Impressions map[string]int  `json:"impressions"`
	Clicks      map[string]int  `json:"clicks"`
	Seqs        []uint64        `json:"seqs"`
	Fired       bool            `json:"fired"`
}

// NewWindow is an empty window starting at start.
func NewWindow(start int64) *Window {
	return &Window{Start: start, Views: map[string]int{}, Viewers: map[string]bool{}, Carters: map[string]bool{},
		Buyers: map[string]bool{}, Impressions: map[string]int{}, Clicks: map[string]int{}}
}

// Add counts one event in the window.
func (w *Window) Add(seq uint64, e clickstream.Event) {
	switch e.Kind {
	case clickstream.View:
		w.Views[e.Page]++
		w.Viewers[e.User] = true
	case clickstream.Cart:
		w.Carters[e.User] = true
	case clickstream.Purchase:
		w.Buyers[e.User] = true
	case clickstream.Impression:
		w.Impressions[e.Campaign]++
	case clickstream.Click:
		w.Clicks[e.Campaign]++
	}
	w.Seqs = append(w.Seqs, seq)
}

// Metrics are the window's results now.
func (w *Window) Metrics() Metrics {
	m := Metrics{Start: w.Start, Views: map[string]int{}, Ads: map[string]AdStat{},
		Funnel: Funnel{Viewed: len(w.Viewers), Carted: len(w.Carters), Purchased: len(w.Buyers)}}
	for p, n := range w.Views {
		m.Views[p] = n
	}
	for c, n := range w.Impressions {
		a := m.Ads[c]
		a.Impressions = n
		m.Ads[c] = a
	}
	for c, n := range w.Clicks {
		a := m.Ads[c]
		a.Clicks = n
		m.Ads[c] = a
	}
	m.Seqs = slices.Clone(w.Seqs)
	slices.Sort(m.Seqs)
	return m
}

// Session is one user's visit: events no further apart than the gap.
type Session struct {
	User   string `json:"user"`
	Start  int64  `json:"start"`
	End    int64  `json:"end"` // the last event's time
	Events int    `json:"events"`
}

func (s Session) String() string {
	return fmt.Sprintf("%s@%d..%d(%d)", s.User, s.Start, s.End, s.Events)
}

// SortSessions orders sessions by user, then start.
func SortSessions(s []Session) {
	sort.Slice(s, func(i, j int) bool {
		if s[i].User != s[j].User {
			return s[i].User < s[j].User
		}
		return s[i].Start < s[j].Start
	})
}

// Drop is an event not counted, with its reason.
type Drop struct {
	Seq    uint64 `json:"seq"`
	Reason string `json:"reason"` // Malformed, Bot, Late or Duplicate
	Detail string `json:"detail,omitempty"`
}

// Result is everything a run of the analytics produced: what the store holds
// at the end, and what Batch computes.
type Result struct {
	Windows  map[int64]Metrics
	Sessions []Session
	Drops    map[uint64]Drop
}

// TopPages are the n most viewed pages of m, most first (ties by name).
func (m Metrics) TopPages(n int) []string {
	pages := make([]string, 0, len(m.Views))
	for p := range m.Views {
		pages = append(pages, p)
	}
	sort.Slice(pages, func(i, j int) bool {
		if m.Views[pages[i]] != m.Views[pages[j]] {
			return m.Views[pages[i]] > m.Views[pages[j]]
		}
		return pages[i] < pages[j]
	})
	return pages[:min(n, len(pages))]
}
