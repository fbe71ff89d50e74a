package pipeline

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
)

// Dataset is the input of a run: sensor readings from the machines of a press
// line as their gateway exported them, with the faults such exports have. It is
// generated from a seed, so every implementation and every run gets the same.
type Dataset struct {
	Seed  uint64
	Lines []Line
}

// The shares of faulty lines in a generated dataset.
const (
	malformedShare = 0.05 // corrupted in one of the ways cleaning rejects
	duplicateShare = 0.03 // exact copies of an earlier line, re-sent by a gateway
)

type machine struct {
	name    string
	metrics []Metric
}

var pressLine = []machine{
	{"press-01", []Metric{Pressure, Temperature}}, {"press-02", []Metric{Pressure, Temperature}},
	{"press-03", []Metric{Pressure, Temperature}}, {"press-04", []Metric{Pressure, Temperature}},
	{"lathe-01", []Metric{Vibration, Temperature}}, {"lathe-02", []Metric{Vibration, Temperature}},
	{"lathe-03", []Metric{Vibration, Temperature}}, {"lathe-04", []Metric{Vibration, Temperature}},
	{"oven-01", []Metric{Temperature}}, {"oven-02", []Metric{Temperature}},
	{"oven-03", []Metric{Temperature}}, {"oven-04", []Metric{Temperature}},
}

// Machines is the number of machines a generated dataset comes from.
var Machines = len(pressLine)

// startMS is 2026-03-02 06:00:00 UTC, the start of the shift the data covers.
const startMS = 1772431200000

// Generate makes n lines from seed: mostly good readings, about 5% malformed
// ones and about 3% exact duplicates of earlier lines.
func Generate(seed uint64, n int) Dataset {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	seq := map[string]int{}
	lines := make([]Line, 0, n)
	var good []string // raw good lines, candidates for duplication
	for i := range n {
		var raw string
		switch p := rng.Float64(); {
		case p < duplicateShare && len(good) > 0:
			raw = good[rng.IntN(len(good))]
		case p < duplicateShare+malformedShare:
			raw = corrupt(rng, reading(rng, seq, i))
		default:
			raw = reading(rng, seq, i)
			good = append(good, raw)
		}
		lines = append(lines, Line{ID: LineID(i + 1), Raw: raw})
	}
	return Dataset{Seed: seed, Lines: lines}
}

// reading makes one good line in one of the units the sensor may use.
func reading(rng *rand.Rand, seq map[string]int, i int) string {
	m := pressLine[rng.IntN(len(pressLine))]
	metric := m.metrics[rng.IntN(len(m.metrics))]
	seq[m.name]++
	spec := metrics[metric]
	// Mostly in the normal band, sometimes in warn, rarely past the trip level.
	var v float64
	switch p := rng.Float64(); {
	case p < 0.85:
		v = spec.warn * (0.3 + 0.6*rng.Float64())
	case p < 0.97:
		v = spec.warn + (spec.trip-spec.warn)*rng.Float64()
	default:
		v = spec.trip + (spec.max-spec.trip)*0.5*rng.Float64()
	}
	unit, value := spec.unit, round3(v)
	if rng.Float64() < 0.3 { // some gateways report in other units
		unit, value = otherUnit(rng, metric, value)
	}
	at := startMS + int64(i)*250 + rng.Int64N(250)
	return strings.Join([]string{
		fmt.Sprintf("%s-%06d", m.name, seq[m.name]), m.name, string(metric),
		strconv.FormatInt(at, 10), strconv.FormatFloat(value, 'f', -1, 64), unit,
	}, ",")
}

// otherUnit expresses v (canonical) in another unit the metric allows.
func otherUnit(rng *rand.Rand, metric Metric, v float64) (string, float64) {
	switch metric {
	case Temperature:
		if rng.IntN(2) == 0 {
			return "F", round3(v*9/5 + 32)
		}
		return "K", round3(v + 273.15)
	case Vibration:
		return "in/s", round3(v / 25.4)
	default:
		return "kPa", round3(v * 100)
	}
}

// corrupt breaks a good line the way real exports break.
func corrupt(rng *rand.Rand, raw string) string {
	f := strings.Split(raw, ",")
	switch rng.IntN(7) {
	case 0: // truncated write
		return strings.Join(f[:3+rng.IntN(2)], ",")
	case 1: // sensor offline
		f[4] = []string{"n/a", "", "NaN", "ERR"}[rng.IntN(4)]
	case 2: // typo in a hand-edited mapping
		f[2] = []string{"temprature", "vibraton", "presure"}[rng.IntN(3)]
	case 3: // wrong unit from a misconfigured gateway
		f[5] = []string{"kg", "rpm", "%"}[rng.IntN(3)]
	case 4: // timestamp in the wrong format
		f[3] = "2026-03-02T06:00:00Z"
	case 5: // sensor fault: a physically impossible value
		f[4] = "9999"
		f[5] = metrics[Metric(f[2])].unit
	default: // lost identifier
		f[0] = ""
	}
	return strings.Join(f, ",")
}

// WriteFile writes the dataset as the gateway's export: one raw line each.
func (d Dataset) WriteFile(path string) error {
	var b strings.Builder
	for _, l := range d.Lines {
		b.WriteString(l.Raw)
		b.WriteByte('\n')
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		return fmt.Errorf("write dataset: %w", err)
	}
	return nil
}

// ScanSource is the collect stage: it reads lines [from, to) of the export at
// path (0-based; to < 0 means to the end), gives each its line ID and hands it
// to emit, stopping at the first error emit returns.
func ScanSource(path string, from, to int, emit func(Line) error) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("collect: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for i := 0; sc.Scan(); i++ {
		if i < from {
			continue
		}
		if to >= 0 && i >= to {
			break
		}
		if err := emit(Line{ID: LineID(i + 1), Raw: sc.Text()}); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("collect %s: %w", path, err)
	}
	return nil
}

// ReadSource collects lines [from, to) of the export at path into memory.
func ReadSource(path string, from, to int) ([]Line, error) {
	var lines []Line
	err := ScanSource(path, from, to, func(l Line) error {
		lines = append(lines, l)
		return nil
	})
	return lines, err
}

// PoisonKeys picks k keys of good, unduplicated readings for fault injection:
// the scoring service will fail on them every time.
func (d Dataset) PoisonKeys(k int) []string {
	count := map[string]int{}
	for _, l := range d.Lines {
		count[l.Raw]++
	}
	var keys []string
	for i := len(d.Lines) / 3; i < len(d.Lines) && len(keys) < k; i += 7 {
		l := d.Lines[i]
		if r, err := ParseReading(l.Raw); err == nil && count[l.Raw] == 1 {
			keys = append(keys, r.Key)
		}
	}
	return keys
}
