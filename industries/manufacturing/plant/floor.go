// Package plant simulates the shop floor of the manufacturing case: plants
// with production lines of machines that report, once per interval of the
// plant's clock, their state, the parts they made (good and scrap), their
// temperature and their vibration. The simulation is seeded (the same seed
// makes the same readings) and time-compressed: its clock is the plant's,
// counted in intervals, and a caller decides how fast to play it.
package plant

import (
	"fmt"
	"time"
)

// Epoch is the plant clock at the start of the first shift.
var Epoch = time.Date(2026, 3, 2, 6, 0, 0, 0, time.UTC)

// Floor is the layout of every plant and the calendar their machines work to.
type Floor struct {
	Plants []Plant
	// Shift is a shift's length on the plant clock; Interval divides it.
	Shift time.Duration
	// Interval is how much plant time one reading covers.
	Interval time.Duration
}

// Plant is one site, with its edge gateway, and its lines.
type Plant struct {
	ID    string
	Lines []Line
}

// Line is a production line: machines the OEE is computed over together.
type Line struct {
	ID       string
	Machines []Machine
}

// Machine is one station on a line.
type Machine struct {
	ID string
	// IdealCycle is the fastest a part can be made: performance is measured
	// against it.
	IdealCycle time.Duration
}

// DefaultFloor is two plants, two lines each, three machines a line, with
// eight-hour shifts reported in five-minute intervals.
func DefaultFloor() Floor { return NewFloor(2, 2, 3, 8*time.Hour, 5*time.Minute) }

// NewFloor lays out plants × lines × machines. IDs read like "a-l1-m2":
// plant a, line 1, machine 2 (the plant is "plant-a", the line "a-l1").
func NewFloor(plants, lines, machines int, shift, interval time.Duration) Floor {
	f := Floor{Shift: shift, Interval: interval}
	cycles := []time.Duration{30 * time.Second, 45 * time.Second, 20 * time.Second, 60 * time.Second}
	for p := range plants {
		code := string(rune('a' + p))
		pl := Plant{ID: "plant-" + code}
		for l := range lines {
			line := Line{ID: fmt.Sprintf("%s-l%d", code, l+1)}
			for m := range machines {
				line.Machines = append(line.Machines, Machine{
					ID:         fmt.Sprintf("%s-m%d", line.ID, m+1),
					IdealCycle: cycles[(l+m)%len(cycles)],
				})
			}
			pl.Lines = append(pl.Lines, line)
		}
		f.Plants = append(f.Plants, pl)
	}
	return f
}

// Validate says what is wrong with a layout.
func (f Floor) Validate() error {
	if f.Interval <= 0 || f.Shift < f.Interval || f.Shift%f.Interval != 0 {
		return fmt.Errorf("plant: a shift (%v) must be a whole number of intervals (%v)", f.Shift, f.Interval)
	}
	seen := map[string]bool{}
	for _, p := range f.Plants {
		for _, l := range p.Lines {
			for _, m := range l.Machines {
				if seen[m.ID] {
					return fmt.Errorf("plant: machine %s twice", m.ID)
				}
				seen[m.ID] = true
				if m.IdealCycle <= 0 || m.IdealCycle > f.Interval {
					return fmt.Errorf("plant: machine %s: ideal cycle %v outside (0, %v]", m.ID, m.IdealCycle, f.Interval)
				}
			}
		}
	}
	return nil
}

// IntervalsPerShift is how many readings a machine sends in a shift.
func (f Floor) IntervalsPerShift() int { return int(f.Shift / f.Interval) }

// Where places a machine: its plant, its line and the machine itself.
func (f Floor) Where(machine string) (Plant, Line, Machine, bool) {
	for _, p := range f.Plants {
		for _, l := range p.Lines {
			for _, m := range l.Machines {
				if m.ID == machine {
					return p, l, m, true
				}
			}
		}
	}
	return Plant{}, Line{}, Machine{}, false
}

// Machines lists every machine of plant (every plant when plant is empty).
func (f Floor) Machines(plant string) []Machine {
	var ms []Machine
	for _, p := range f.Plants {
		if plant != "" && p.ID != plant {
			continue
		}
		for _, l := range p.Lines {
			ms = append(ms, l.Machines...)
		}
	}
	return ms
}

// Lines lists every line of every plant.
func (f Floor) Lines() []Line {
	var ls []Line
	for _, p := range f.Plants {
		ls = append(ls, p.Lines...)
	}
	return ls
}

// ShiftOf is the shift (0, 1, ...) a plant-clock instant in Unix ms falls
// in; -1 before the first.
func (f Floor) ShiftOf(tsMS int64) int {
	d := tsMS - Epoch.UnixMilli()
	if d < 0 {
		return -1
	}
	return int(d / f.Shift.Milliseconds())
}

// IntervalStart is the plant clock, Unix ms, at the start of interval seq
// (1, 2, ...) of the run.
func (f Floor) IntervalStart(seq uint64) int64 {
	return Epoch.UnixMilli() + int64(seq-1)*f.Interval.Milliseconds()
}
