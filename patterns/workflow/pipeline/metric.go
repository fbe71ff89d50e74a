package pipeline

import "math"

// Metric is what a sensor measures.
type Metric string

// The metrics of the press line.
const (
	Temperature Metric = "temperature" // degrees Celsius
	Vibration   Metric = "vibration"   // RMS velocity, mm/s
	Pressure    Metric = "pressure"    // bar
)

// metricSpec is what cleaning and analysis know about a metric: the units a
// sensor may report it in, the physical range of the sensor, and the alert
// thresholds in the canonical unit.
type metricSpec struct {
	unit       string
	units      map[string]func(float64) float64 // to the canonical unit
	min, max   float64
	warn, trip float64
}

var metrics = map[Metric]metricSpec{
	Temperature: {
		unit: "C",
		units: map[string]func(float64) float64{
			"C": identity,
			"F": func(v float64) float64 { return round3(float64(v-32) * 5 / 9) },
			"K": func(v float64) float64 { return round3(float64(v) - 273.15) },
		},
		min: -40, max: 400, warn: 120, trip: 180,
	},
	Vibration: {
		// Warn and trip follow ISO 10816-3's zone limits for medium machines
		// on flexible foundations (zone B/C and C/D).
		unit: "mm/s",
		units: map[string]func(float64) float64{
			"mm/s": identity,
			"in/s": func(v float64) float64 { return round3(float64(v) * 25.4) },
		},
		min: 0, max: 100, warn: 4.5, trip: 7.1,
	},
	Pressure: {
		unit: "bar",
		units: map[string]func(float64) float64{
			"bar": identity,
			"kPa": func(v float64) float64 { return round3(float64(v) / 100) },
			"psi": func(v float64) float64 { return round3(float64(v) * 0.0689476) },
		},
		min: 0, max: 400, warn: 250, trip: 320,
	},
}

// Unit is the metric's canonical unit, the one the store holds.
func (m Metric) Unit() string { return metrics[m].unit }

func identity(v float64) float64 { return v }

// round3 keeps converted values to three decimals, so every implementation
// and every platform stores the same number.
func round3(v float64) float64 { return math.Round(v*1000) / 1000 }
