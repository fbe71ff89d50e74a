package federatedlearning

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"
)

// Wire is what the tap saw, sorted into the protocol's messages: the
// auditor's evidence, taken from the network and from nothing else.
type Wire struct {
	Records    []Record
	Broadcasts []Seen[RoundStart]
	Updates    map[string]Seen[Update] // by digest
	Commits    []Seen[Commit]
	BySubject  map[string]*SubjectTotal
	Largest    Record
}

// Seen is a protocol message and when the tap saw it.
type Seen[T any] struct {
	At  time.Time
	Msg T
}

// SubjectTotal is one subject's traffic.
type SubjectTotal struct {
	Messages, Bytes, Largest int
}

// ReadWire sorts the records of a run named names.
func ReadWire(records []Record, names Names) Wire {
	w := Wire{Records: records, Updates: map[string]Seen[Update]{}, BySubject: map[string]*SubjectTotal{}}
	for _, r := range records {
		st := w.BySubject[r.Subject]
		if st == nil {
			st = &SubjectTotal{}
			w.BySubject[r.Subject] = st
		}
		st.Messages++
		st.Bytes += r.Bytes
		st.Largest = max(st.Largest, r.Bytes)
		if r.Bytes > w.Largest.Bytes {
			w.Largest = r
		}
		switch {
		case r.Subject == names.RoundSubject():
			var rs RoundStart
			if json.Unmarshal(r.Data, &rs) == nil {
				w.Broadcasts = append(w.Broadcasts, Seen[RoundStart]{r.At, rs})
			}
		case strings.HasPrefix(r.Subject, names.Prefix+".update."):
			var u Update
			if json.Unmarshal(r.Data, &u) == nil {
				if _, ok := w.Updates[Digest(r.Data)]; !ok {
					w.Updates[Digest(r.Data)] = Seen[Update]{r.At, u}
				}
			}
		case r.Subject == names.ModelSubject():
			var c Commit
			if json.Unmarshal(r.Data, &c) == nil {
				w.Commits = append(w.Commits, Seen[Commit]{r.At, c})
			}
		}
	}
	return w
}

// SiteTraffic is what the wire carried on one site's subjects.
type SiteTraffic struct {
	Site            string
	Messages, Bytes int
	Largest         int
	NotUpdates      []string // subject: why, for messages that are not a valid update
	ShardBytes      int      // the size of the site's shard, JSON-encoded, for scale
}

// DataStayedLocal checks, per site, that every message on a subject naming
// the site was on its update subject and no larger than bound, the size of
// the largest valid update: model-sized, whatever the shard's size. It returns the traffic
// per site and the violations.
func DataStayedLocal(w Wire, names Names, sites []Site, shards map[string]int, bound int) ([]SiteTraffic, []string) {
	var out []SiteTraffic
	var violations []string
	for _, s := range sites {
		st := SiteTraffic{Site: s.Name, ShardBytes: shards[s.Name]}
		for _, r := range w.Records {
			if !strings.HasPrefix(r.Subject, names.Prefix+".") || !strings.HasSuffix(r.Subject, "."+s.Name) {
				continue
			}
			st.Messages++
			st.Bytes += r.Bytes
			st.Largest = max(st.Largest, r.Bytes)
			if r.Subject != names.UpdateSubject(s.Name) {
				st.NotUpdates = append(st.NotUpdates, fmt.Sprintf("%d B on %s", r.Bytes, r.Subject))
				continue
			}
			if r.Bytes > bound {
				st.NotUpdates = append(st.NotUpdates, fmt.Sprintf("%d B on %s, beyond the %d B of the largest update", r.Bytes, r.Subject, bound))
			}
		}
		for _, n := range st.NotUpdates {
			violations = append(violations, fmt.Sprintf("raw data left %s: %s", s.Name, n))
		}
		out = append(out, st)
	}
	return out, violations
}

// CountedOnce checks that no update (by digest) is counted by two commits
// or twice by one, and that each commit's model is what its aggregator
// makes of exactly the updates it lists, as the tap saw them.
func CountedOnce(w Wire) []string {
	var violations, outOfRound []string
	where := map[string][]int{}
	for _, c := range w.Commits {
		for _, k := range c.Msg.Counted {
			where[k.Digest] = append(where[k.Digest], c.Msg.Round)
			if k.Round != c.Msg.Round {
				outOfRound = append(outOfRound, fmt.Sprintf("%s's round-%d update counted in round %d", k.Site, k.Round, c.Msg.Round))
			}
		}
		var cs []Contribution
		missing := false
		for _, k := range c.Msg.Counted {
			u, ok := w.Updates[k.Digest]
			if !ok {
				missing = true
				violations = append(violations, fmt.Sprintf("round %d counts an update of %s (%s) that never crossed the wire", c.Msg.Round, k.Site, k.Digest))
				continue
			}
			cs = append(cs, Contribution{Site: u.Msg.Site, Samples: u.Msg.Samples, Weights: u.Msg.Weights})
		}
		if missing {
			continue
		}
		m, err := Aggregate(c.Msg.Aggregator, c.Msg.Trim, cs)
		if err != nil || !closeTo(m.Weights, c.Msg.Weights, 1e-9) {
			violations = append(violations, fmt.Sprintf("round %d's committed model is not the %s of the updates it lists", c.Msg.Round, c.Msg.Aggregator))
		}
	}
	var twice []string
	digests := make([]string, 0, len(where))
	for d := range where {
		digests = append(digests, d)
	}
	sort.Strings(digests)
	for _, d := range digests {
		if rounds := where[d]; len(rounds) > 1 {
			u := w.Updates[d].Msg
			in := "in rounds " + joinInts(rounds)
			if slices.Min(rounds) == slices.Max(rounds) {
				in = fmt.Sprintf("by %d commits of round %d", len(rounds), rounds[0]) // a coordinator that started over
			}
			twice = append(twice, fmt.Sprintf("%s's round-%d update counted twice (%s)", u.Site, u.Round, in))
		}
	}
	return append(append(capped(twice, 3), capped(outOfRound, 3)...), violations...)
}

// RoundTimes is, per committed round, the time from its broadcast to its
// commit, as the tap saw them.
func RoundTimes(w Wire) map[int]time.Duration {
	out := map[int]time.Duration{}
	open := map[int]time.Time{}
	for _, b := range w.Broadcasts {
		open[b.Msg.Round] = b.At
	}
	for _, c := range w.Commits {
		if at, ok := open[c.Msg.Round]; ok {
			out[c.Msg.Round] = c.At.Sub(at)
		}
	}
	return out
}

// ResumedFrom checks the first broadcast of the coordinator named next: it
// must open the round after the last one committed by any coordinator
// before it, with that commit's model.
func ResumedFrom(w Wire, next string) (ok bool, detail string) {
	var last *Commit
	for i := range w.Commits {
		if w.Commits[i].Msg.Coordinator == next {
			break
		}
		last = &w.Commits[i].Msg
	}
	for _, b := range w.Broadcasts {
		if b.Msg.Coordinator != next {
			continue
		}
		if last == nil {
			return b.Msg.Round == 1, fmt.Sprintf("nothing was committed before %s; it opened round %d", next, b.Msg.Round)
		}
		if b.Msg.Round == last.Round+1 && closeTo(b.Msg.Weights, last.Weights, 0) {
			return true, fmt.Sprintf("%s opened round %d with round %d's committed model", next, b.Msg.Round, last.Round)
		}
		return false, fmt.Sprintf("%s opened round %d from %s, not round %d from round %d's committed model: %d rounds of training lost",
			next, b.Msg.Round, describeWeights(b.Msg.Weights), last.Round+1, last.Round, last.Round-b.Msg.Round+1)
	}
	return false, fmt.Sprintf("%s opened no round", next)
}

func describeWeights(w []float64) string {
	for _, v := range w {
		if v != 0 {
			return "another model"
		}
	}
	return "scratch"
}

// capped keeps the first n findings and says how many more there were.
func capped(findings []string, n int) []string {
	if len(findings) <= n {
		return findings
	}
	return append(findings[:n:n], fmt.Sprintf("and %d more like these", len(findings)-n))
}

func closeTo(a, b []float64, tol float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Abs(a[i]-b[i]) > tol {
			return false
		}
	}
	return true
}

func joinInts(xs []int) string {
	xs = slices.Clone(xs)
	slices.Sort(xs)
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = fmt.Sprint(x)
	}
	return strings.Join(s, " and ")
}
