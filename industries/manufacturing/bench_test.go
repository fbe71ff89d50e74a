package manufacturing_test

import (
	"testing"

	"github.com/patternlab/patternlab/industries/manufacturing/oee"
	"github.com/patternlab/patternlab/industries/manufacturing/plant"
)

func shiftReadings(b *testing.B) (plant.Floor, []plant.Reading) {
	b.Helper()
	f := plant.DefaultFloor()
	var rs []plant.Reading
	for _, m := range f.Machines("") {
		s := plant.NewMachine(f, m, plant.DefaultBehaviour(1))
		for range f.IntervalsPerShift() {
			rs = append(rs, s.Next())
		}
	}
	return f, rs
}

// The hub's OEE book, one reading at a time with dedupe: what one reading
// costs the hub's consumer before any transport.
func BenchmarkBookAdd(b *testing.B) {
	f, rs := shiftReadings(b)
	b.ReportAllocs()
	book := oee.NewBook(f, true)
	n := 0
	for b.Loop() {
		r := rs[n%len(rs)]
		r.Seq += uint64(n / len(rs) * f.IntervalsPerShift()) // a new ID every time: every reading is counted
		r.TS = f.IntervalStart(r.Seq)
		if _, err := book.Add(r); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "readings/s")
}

// The strict decoder the edge runs on every payload.
func BenchmarkDecode(b *testing.B) {
	_, rs := shiftReadings(b)
	payloads := make([][]byte, len(rs))
	for i, r := range rs {
		payloads[i] = r.Encode()
	}
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		if _, err := plant.Decode(rs[n%len(rs)].Machine, payloads[n%len(rs)]); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "readings/s")
}
