package federatedlearning_test

import (
	"context"
	"testing"

	federatedlearning "github.com/patternlab/patternlab/patterns/federated-learning"
)

func BenchmarkProcess(b *testing.B) {
	jobs := make([]int, 1000)
	for i := range jobs {
		jobs[i] = i
	}
	ok := func(context.Context, int) error { return nil }
	for b.Loop() {
		if _, err := federatedlearning.Process(context.Background(), jobs, 3, ok); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(jobs)*b.N)/b.Elapsed().Seconds(), "jobs/s")
}
