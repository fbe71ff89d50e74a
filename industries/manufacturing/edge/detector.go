// Package edge is what runs in each plant next to its lines, on the edge
// gateway of patterns/edge-iot: the anomaly rule that stops a line without
// asking the hub, and the line controller that takes the machines' MQTT
// readings, dead-letters the malformed ones, archives the raw readings and
// hands the accepted ones to edge-iot's store-and-forward buffer.
package edge

import (
	"fmt"
	"math"

	"github.com/patternlab/patternlab/industries/manufacturing/plant"
)

// Rule is the anomaly rule's tuning. Each machine's vibration and
// temperature while running are followed by an exponentially weighted
// moving average (EWMA) of their mean and variance; a running reading more
// than Threshold standard deviations above the mean is an anomaly.
type Rule struct {
	// Alpha is the EWMA's weight of a new reading (0 < Alpha < 1): about
	// 2/Alpha readings make the baseline.
	Alpha float64
	// Threshold is the z-score that stops the line. A healthy machine's
	// readings are about normal around the baseline, so a threshold of 6
	// fires by chance about once in a billion readings; a bearing starting
	// to fail adds several standard deviations of vibration at once.
	Threshold float64
	// Warmup is how many running readings a machine reports before the rule
	// judges it: the baseline has to exist first.
	Warmup int
	// MinVibSD and MinTempSD floor the standard deviations, so that a
	// machine unusually steady for a while is not stopped for noise.
	MinVibSD, MinTempSD float64
}

// DefaultRule is the rule the demo runs: z ≥ 6 over an EWMA of weight 0.05
// after 20 running readings, with floors of 0.1 mm/s and 0.5 °C.
func DefaultRule() Rule {
	return Rule{Alpha: 0.05, Threshold: 6, Warmup: 20, MinVibSD: 100, MinTempSD: 500}
}

// Validate says what is wrong with a rule.
func (r Rule) Validate() error {
	if !(r.Alpha > 0 && r.Alpha < 1) || !(r.Threshold > 0) || r.Warmup < 1 || r.MinVibSD <= 0 || r.MinTempSD <= 0 {
		return fmt.Errorf("edge: rule %+v: alpha in (0,1), positive threshold, warm-up and floors", r)
	}
	return nil
}

// ewma is one signal's running mean and variance.
type ewma struct{ mean, variance float64 }

func (e *ewma) z(x, minSD float64) float64 {
	return (x - e.mean) / math.Max(math.Sqrt(e.variance), minSD)
}

// update is the exponentially weighted mean and variance (West 1979, in
// its incremental EWMA form).
func (e *ewma) update(x, alpha float64, first bool) {
	if first {
		e.mean, e.variance = x, 0
		return
	}
	d := x - e.mean
	incr := alpha * d
	e.mean += incr
	e.variance = (1 - alpha) * (e.variance + d*incr)
}

type baseline struct {
	n         int
	vib, temp ewma
}

// Anomaly is a reading the rule judged abnormal, and by how much.
type Anomaly struct {
	Reading       plant.Reading
	VibZ, TempZ   float64
	Signal        string // "vibration" or "temperature", the larger z
	Threshold     float64
	BaselineVibUM float64
}

// Detector applies a Rule to each machine's readings, in order. It is not
// safe for concurrent use; the line controller calls it from its one loop.
type Detector struct {
	rule  Rule
	bases map[string]*baseline
	last  map[string]uint64 // the last seq judged per machine: a copy is judged once
}

// NewDetector starts a detector with no baselines.
func NewDetector(rule Rule) *Detector {
	return &Detector{rule: rule, bases: map[string]*baseline{}, last: map[string]uint64{}}
}

// Check judges r and returns the anomaly it is, if any. Only running
// readings are judged and learnt from; an anomalous reading does not move
// the baseline (the machine is stopped and repaired before its readings
// mean "normal" again). A reading at or below the last one judged for its
// machine (a redelivered copy) is not judged again.
func (d *Detector) Check(r plant.Reading) (Anomaly, bool) {
	if r.Seq <= d.last[r.Machine] {
		return Anomaly{}, false
	}
	d.last[r.Machine] = r.Seq
	if r.State != plant.Running {
		return Anomaly{}, false
	}
	b := d.bases[r.Machine]
	if b == nil {
		b = &baseline{}
		d.bases[r.Machine] = b
	}
	vib, temp := float64(r.VibUM), float64(r.TempMC)
	if b.n >= d.rule.Warmup {
		a := Anomaly{Reading: r, VibZ: b.vib.z(vib, d.rule.MinVibSD), TempZ: b.temp.z(temp, d.rule.MinTempSD),
			Threshold: d.rule.Threshold, BaselineVibUM: b.vib.mean, Signal: "vibration"}
		if a.TempZ > a.VibZ {
			a.Signal = "temperature"
		}
		if a.VibZ >= d.rule.Threshold || a.TempZ >= d.rule.Threshold {
			return a, true
		}
	}
	b.vib.update(vib, d.rule.Alpha, b.n == 0)
	b.temp.update(temp, d.rule.Alpha, b.n == 0)
	b.n++
	return Anomaly{}, false
}

// Z is the larger of the anomaly's two z-scores.
func (a Anomaly) Z() float64 { return math.Max(a.VibZ, a.TempZ) }
