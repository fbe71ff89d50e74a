package plant

import (
	"hash/fnv"
	"math"
	"math/rand/v2"
	"sync"
)

// Behaviour shapes how the simulated machines work and fail.
type Behaviour struct {
	Seed      uint64
	Breakdown float64 // chance a running machine breaks down in an interval
	Starve    float64 // chance a running machine is starved (idle) for an interval
	ScrapRate float64 // share of parts that are scrap
	DownFor   int     // intervals a breakdown lasts
	RepairFor int     // intervals a machine stopped by the edge takes to be repaired
	// SeizeAfter is how many intervals a worn bearing lasts before it seizes:
	// a machine nobody stops is then down for SeizedFor intervals.
	SeizeAfter, SeizedFor int
	// Wear makes machine's bearing start wearing at interval seq: its
	// vibration and temperature climb every interval until it is stopped.
	Wear map[string]uint64
}

// DefaultBehaviour is a plant having an ordinary week: a few breakdowns and
// short stops, 2 % scrap, and one bearing starting to fail in each plant.
func DefaultBehaviour(seed uint64) Behaviour {
	return Behaviour{
		Seed: seed, Breakdown: 0.004, Starve: 0.03, ScrapRate: 0.02, DownFor: 4, RepairFor: 6,
		SeizeAfter: 12, SeizedFor: 24,
		Wear: map[string]uint64{"a-l1-m2": 150, "b-l2-m1": 40},
	}
}

// Signal levels of a healthy machine and of a wearing bearing.
const (
	runTempMC   = 60_000 // a running machine's temperature
	idleTempMC  = 42_000
	tempNoiseMC = 800
	runVibUM    = 2_200 // ISO 10816 class II "good" is under 2.8 mm/s
	idleVibUM   = 300
	vibNoiseUM  = 150
	wearVibUM   = 2_500 // a wearing bearing adds this much vibration per interval
	wearTempMC  = 3_000 // and this much heat
)

// MachineSim is one simulated machine. Next is its clock: each call is one
// interval of plant time. Stop is the edge's stop command. It is safe for
// concurrent use: a machine publishes from one goroutine and takes
// commands on another.
type MachineSim struct {
	floor Floor
	m     Machine
	b     Behaviour

	mu       sync.Mutex
	rng      *rand.Rand
	seq      uint64
	downLeft int  // intervals of a breakdown still to go
	stopLeft int  // intervals of a repair still to go
	stop     bool // a stop command came in: the next interval is stopped
	wearFrom uint64
	stops    int
	obeyed   map[string]struct{} // stop command IDs
}

// NewMachine simulates machine m of floor. Its readings depend only on the
// seed, the machine's ID and when it is stopped.
func NewMachine(floor Floor, m Machine, b Behaviour) *MachineSim {
	h := fnv.New64a()
	_, _ = h.Write([]byte(m.ID))
	return &MachineSim{floor: floor, m: m, b: b, rng: rand.New(rand.NewPCG(b.Seed, h.Sum64())), wearFrom: b.Wear[m.ID], obeyed: map[string]struct{}{}}
}

// ID is the machine's ID.
func (s *MachineSim) ID() string { return s.m.ID }

// Seq is the number of the last interval reported.
func (s *MachineSim) Seq() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.seq
}

// Stop obeys stop command id: the machine halts from its next interval
// until it is repaired (RepairFor intervals), and the repair replaces a
// worn bearing. A command ID is obeyed once, however often it is delivered
// (a copy arriving after the repair must not stop the machine again), and
// a stop while stopped changes nothing. It reports whether this call
// stopped the machine.
func (s *MachineSim) Stop(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, done := s.obeyed[id]; done {
		return false
	}
	s.obeyed[id] = struct{}{}
	if s.stop || s.stopLeft > 0 {
		return false
	}
	s.stop = true
	s.stops++
	return true
}

// Stops counts the stop commands that stopped the machine.
func (s *MachineSim) Stops() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stops
}

// Next simulates the next interval and returns its reading.
func (s *MachineSim) Next() Reading {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	// The same draws every interval, whatever the state, so that one
	// machine's stop leaves the rest of its random stream where it was.
	uBreak, uStarve, uSpeed := s.rng.Float64(), s.rng.Float64(), s.rng.Float64()
	nScrap, nTemp, nVib := s.rng.NormFloat64(), s.rng.NormFloat64(), s.rng.NormFloat64()

	ms := s.floor.Interval.Milliseconds()
	r := Reading{Machine: s.m.ID, Seq: s.seq, TS: s.floor.IntervalStart(s.seq), MS: ms}
	worn := s.wearFrom > 0 && s.seq >= s.wearFrom
	switch {
	case s.stop || s.stopLeft > 0:
		if s.stop {
			s.stop, s.stopLeft = false, s.b.RepairFor
			s.wearFrom = 0 // the repair replaces the bearing
		}
		s.stopLeft--
		r.State = Stopped
	case s.downLeft > 0:
		s.downLeft--
		r.State = Down
	case worn && s.seq >= s.wearFrom+uint64(s.b.SeizeAfter):
		s.wearFrom, s.downLeft = 0, s.b.SeizedFor-1 // seized: down, then rebuilt
		r.State = Down
	case uBreak < s.b.Breakdown:
		s.downLeft = s.b.DownFor - 1
		r.State = Down
	case uStarve < s.b.Starve:
		r.State = Idle
	default:
		r.State = Running
	}
	temp, vib := float64(idleTempMC), float64(idleVibUM)
	if r.State == Running {
		speed := 0.85 + 0.15*uSpeed // a share of the ideal rate
		r.Count = int64(float64(ms) / float64(s.m.IdealCycle.Milliseconds()) * speed)
		mean := float64(r.Count) * s.b.ScrapRate
		scrap := int64(math.Round(mean + nScrap*math.Sqrt(mean*(1-s.b.ScrapRate))))
		r.Good = r.Count - min(max(scrap, 0), r.Count)
		temp, vib = runTempMC, runVibUM
		if s.wearFrom > 0 && s.seq >= s.wearFrom {
			k := float64(s.seq - s.wearFrom + 1)
			temp += k * wearTempMC
			vib += k * wearVibUM
		}
	}
	r.TempMC = int64(temp + nTemp*tempNoiseMC)
	r.VibUM = max(int64(vib+nVib*vibNoiseUM), 0)
	return r
}
