package clickstream

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"time"
)

// Beacon is one message as the edge wrote it to the log: the bytes the
// producer sent and the edge's own receive time (Unix ms), the one clock the
// pipeline trusts. Malformed beacons are beacons too.
type Beacon struct {
	Raw  []byte
	Recv int64
}

// Start is when the generated day begins: 09:00 UTC.
var Start = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// Traffic is what the generator makes. Every field has a meaning a reader of
// the chapter can check against the demo's numbers.
type Traffic struct {
	Seed    uint64
	Users   int           // people, each with one to three visits
	Bots    int           // crawlers, each fetching a page every 4 s for half an hour
	Span    time.Duration // how long the traffic lasts
	Late    float64       // share of beacons a device holds back before sending (offline, background tab)
	Holdup  time.Duration // the longest a device holds one back
	Retries float64       // share of beacons the device sends twice (the first answer was lost)
	Garbage int           // malformed beacons (truncated, unknown kind, no user, impossible time)
	Skewed  string        // the producer whose clock goes wrong, or ""
	Skew    time.Duration // how far ahead its clock jumps
	SkewAt  time.Duration // when, from Start
	SpikeAt time.Duration // when a flash campaign starts, from Start
	Spike   time.Duration // how long it lasts (0: no spike)
	Factor  int           // how many times the usual traffic it brings (10: a 10x spike)
	Context int           // bytes of page context each beacon carries
}

// DefaultTraffic is the demo's day: two hours, a 10x spike of a quarter of an
// hour in the middle, during which one front end's clock jumps seven minutes
// ahead.
func DefaultTraffic() Traffic {
	return Traffic{
		Seed: 1, Users: 100, Bots: 2, Span: 2 * time.Hour,
		Late: 0.05, Holdup: 3 * time.Minute, Retries: 0.03, Garbage: 12,
		Skewed: "web-3", Skew: 7 * time.Minute, SkewAt: 60 * time.Minute,
		SpikeAt: 50 * time.Minute, Spike: 15 * time.Minute, Factor: 10,
		Context: 1536,
	}
}

// Producers are the site's front ends that relay beacons to the edge.
var Producers = []string{"web-1", "web-2", "web-3", "web-4"}

var (
	pages     = []string{"/", "/search", "/p/shoes", "/p/jacket", "/p/phone", "/p/lamp", "/p/book", "/deals", "/cart", "/help"}
	campaigns = []string{"c-spring", "c-retarget", "c-brand"}
	ctr       = map[string]float64{"c-spring": 0.04, "c-retarget": 0.12, "c-brand": 0.02, "c-flash": 0.3}
	agents    = []string{
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Version/17.5 Safari/605.1.15",
		"Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0",
	}
	botAgents = []string{
		"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
		"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 HeadlessChrome/126.0 Safari/537.36",
		"python-requests/2.32",
	}
)

// act is one thing a visitor did, in true time.
type act struct {
	user, producer, agent string
	kind                  Kind
	page, campaign        string
	at                    time.Duration // true time since Start
}

// Generate makes the day's beacons in the order the edge received them. The
// same Traffic gives the same bytes.
func (t Traffic) Generate() []Beacon {
	rng := rand.New(rand.NewPCG(t.Seed, 0x636c69636b))
	var acts []act
	for u := range t.Users {
		user := fmt.Sprintf("u-%04d", u+1)
		acts = append(acts, visits(rng, user, Producers[u%len(Producers)], agents[u%len(agents)], t.Span)...)
	}
	for b := range t.Bots {
		from := time.Duration(rng.Int64N(int64(max(t.Span-30*time.Minute, time.Minute))))
		for at := from; at < from+30*time.Minute && at < t.Span; at += 4 * time.Second {
			acts = append(acts, act{user: fmt.Sprintf("bot-%02d", b+1), producer: Producers[b%len(Producers)],
				agent: botAgents[b%len(botAgents)], kind: View, page: pages[rng.IntN(len(pages))], at: at})
		}
	}
	if t.Spike > 0 && t.Factor > 1 {
		acts = append(acts, t.spike(rng, len(acts))...)
	}
	sort.SliceStable(acts, func(i, j int) bool { return acts[i].at < acts[j].at })

	start := Start.UnixMilli()
	pad := strings.Repeat("x", t.Context)
	var out []Beacon
	for i, a := range acts {
		offset := time.Duration(0)
		if a.producer == t.Skewed && a.at >= t.SkewAt {
			offset = t.Skew
		}
		hold := time.Duration(rng.ExpFloat64() * float64(60*time.Millisecond))
		if rng.Float64() < t.Late {
			hold = 2*time.Second + time.Duration(rng.Int64N(int64(max(t.Holdup-2*time.Second, time.Millisecond))))
		}
		ev := Event{
			ID: fmt.Sprintf("e-%06d", i+1), Producer: a.producer, User: a.user, Kind: a.kind,
			Page: a.page, Campaign: a.campaign, Agent: a.agent, Context: pad,
			TS: start + (a.at + offset).Milliseconds(), Sent: start + (a.at + offset + hold).Milliseconds(),
		}
		recv := start + (a.at + hold + network(rng)).Milliseconds()
		out = append(out, Beacon{Raw: ev.Encode(), Recv: recv})
		if rng.Float64() < t.Retries {
			// The device did not hear the answer and sends the same event
			// again later, with a new send time.
			again := time.Duration(500+rng.IntN(20_000)) * time.Millisecond
			ev.Sent += again.Milliseconds()
			out = append(out, Beacon{Raw: ev.Encode(), Recv: start + (a.at + hold + again + network(rng)).Milliseconds()})
		}
	}
	for g := range t.Garbage {
		at := start + rng.Int64N(max(t.Span.Milliseconds(), 1))
		out = append(out, Beacon{Raw: garbage(g, at), Recv: at})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Recv < out[j].Recv })
	return out
}

func network(rng *rand.Rand) time.Duration {
	return time.Duration(5+rng.IntN(75)) * time.Millisecond
}

// visits are one user's visits: one to three, at least 40 minutes apart, each
// a walk over the pages with ads on some of them, ending in a cart or a
// purchase now and then.
func visits(rng *rand.Rand, user, producer, agent string, span time.Duration) []act {
	var out []act
	at := time.Duration(rng.Int64N(int64(span / 2)))
	for v := 0; v < 1+rng.IntN(3) && at < span; v++ {
		for range 4 + rng.IntN(10) {
			page := pages[rng.IntN(len(pages))]
			out = append(out, act{user: user, producer: producer, agent: agent, kind: View, page: page, at: at})
			if rng.Float64() < 0.5 {
				c := campaigns[rng.IntN(len(campaigns))]
				out = append(out, act{user: user, producer: producer, agent: agent, kind: Impression, campaign: c, at: at + 300*time.Millisecond})
				if rng.Float64() < ctr[c] {
					out = append(out, act{user: user, producer: producer, agent: agent, kind: Click, campaign: c, at: at + 2*time.Second})
				}
			}
			if strings.HasPrefix(page, "/p/") && rng.Float64() < 0.2 {
				out = append(out, act{user: user, producer: producer, agent: agent, kind: Cart, page: page, at: at + 5*time.Second})
				if rng.Float64() < 0.4 {
					out = append(out, act{user: user, producer: producer, agent: agent, kind: Purchase, page: "/checkout", at: at + 40*time.Second})
				}
			}
			at += time.Duration(5+rng.ExpFloat64()*40) * time.Second
		}
		at += 40*time.Minute + time.Duration(rng.Int64N(int64(40*time.Minute)))
	}
	return out
}

// spike is a flash campaign: new visitors who land on /deals from its ad,
// bringing Factor times the usual rate of beacons while it lasts.
func (t Traffic) spike(rng *rand.Rand, usual int) []act {
	perMinute := float64(usual) / math.Max(t.Span.Minutes(), 1)
	want := int(float64(t.Factor-1) * perMinute * t.Spike.Minutes())
	var out []act
	for v := 0; len(out) < want; v++ {
		user := fmt.Sprintf("f-%05d", v+1)
		producer := Producers[v%len(Producers)]
		agent := agents[v%len(agents)]
		at := t.SpikeAt + time.Duration(rng.Int64N(int64(t.Spike)))
		out = append(out,
			act{user: user, producer: producer, agent: agent, kind: Impression, campaign: "c-flash", at: at},
			act{user: user, producer: producer, agent: agent, kind: View, page: "/deals", at: at + 2*time.Second})
		if rng.Float64() < ctr["c-flash"] {
			out = append(out, act{user: user, producer: producer, agent: agent, kind: Click, campaign: "c-flash", at: at + time.Second})
		}
		if rng.Float64() < 0.3 {
			out = append(out, act{user: user, producer: producer, agent: agent, kind: Cart, page: "/deals", at: at + 20*time.Second})
		}
	}
	return out
}

// garbage is the g-th malformed beacon: each kind of damage in turn.
func garbage(g int, at int64) []byte {
	switch g % 5 {
	case 0:
		return []byte(`{"id":"e-x","producer":"web-1","user":"u-1","kind":"vi`)
	case 1:
		return fmt.Appendf(nil, `{"id":"g-%d","producer":"web-2","user":"u-0001","kind":"hover","page":"/","ts":%d,"sent":%d,"agent":"Mozilla/5.0"}`, g, at, at)
	case 2:
		return fmt.Appendf(nil, `{"id":"g-%d","producer":"web-1","kind":"view","page":"/","ts":%d,"sent":%d,"agent":"Mozilla/5.0"}`, g, at, at)
	case 3:
		return fmt.Appendf(nil, `{"id":"g-%d","producer":"web-4","user":"u-0002","kind":"view","page":"/","ts":%d,"sent":%d,"agent":"Mozilla/5.0"}`, g, at, at-5000)
	}
	return []byte("\x00\xff binary from a misconfigured client")
}

// Logged is a beacon as the log holds it: with its sequence number there,
// the identity every audit of the pipeline is about.
type Logged struct {
	Seq uint64
	Beacon
}
