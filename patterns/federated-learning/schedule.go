package federatedlearning

import "slices"

// Schedule is when and where the demo's faults strike, derived from the
// flags so every fault lands in a round that has the site it needs.
type Schedule struct {
	Poisoned        string // compromised from round 1 on: the last site selected in round 1
	DeadLetterRound int    // the lab publishes malformed and foreign updates before it opens
	Straggler       string
	StraggleRound   int
	ReplaySite      string // its update counted in StraggleRound is replayed...
	ReplayRound     int    // ...before this round opens
	CrashAfter      int    // coordinator-1 crashes right after committing this round
	Dropper         string
	DropRound       int // the dropper receives this round's model and drops off; it rejoins for the next
}

// PlanFaults schedules the demo's faults for cfg.
func PlanFaults(cfg Config) Schedule {
	roster := Roster(cfg.Sites)
	s := Schedule{DeadLetterRound: 2, StraggleRound: 3, ReplayRound: 4, CrashAfter: cfg.Rounds / 2, DropRound: cfg.Rounds/2 + 2}
	first := Select(cfg.Seed, 1, roster, cfg.PerRound)
	s.Poisoned = first[len(first)-1]
	pick := func(round int, not ...string) string {
		for _, site := range Select(cfg.Seed, round, roster, cfg.PerRound) {
			if !slices.Contains(not, site) {
				return site
			}
		}
		return ""
	}
	s.Straggler = pick(s.StraggleRound, s.Poisoned)
	s.ReplaySite = pick(s.StraggleRound, s.Poisoned, s.Straggler)
	s.Dropper = pick(s.DropRound, s.Poisoned, s.Straggler)
	return s
}

// Roster names n sites.
func Roster(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = SiteName(i)
	}
	return out
}
