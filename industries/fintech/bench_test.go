package fintech_test

import (
	"context"
	"testing"

	fintech "github.com/patternlab/patternlab/patterns/fintech"
)

func BenchmarkProcess(b *testing.B) {
	jobs := make([]int, 1000)
	for i := range jobs {
		jobs[i] = i
	}
	ok := func(context.Context, int) error { return nil }
	for b.Loop() {
		if _, err := fintech.Process(context.Background(), jobs, 3, ok); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(jobs)*b.N)/b.Elapsed().Seconds(), "jobs/s")
}
