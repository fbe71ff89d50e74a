package payment

import (
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
)

// NewWorker returns a worker that runs PaymentSaga and its activities on
// taskQueue.
func NewWorker(c client.Client, taskQueue string, acts *Activities) worker.Worker {
	w := worker.New(c, taskQueue, worker.Options{
		StickyScheduleToStartTimeout: time.Second,
		// The legs are short JetStream round trips: many at once.
		MaxConcurrentActivityExecutionSize:     200,
		MaxConcurrentWorkflowTaskExecutionSize: 100,
		MaxConcurrentWorkflowTaskPollers:       8,
		MaxConcurrentActivityTaskPollers:       8,
	})
	w.RegisterWorkflow(PaymentSaga)
	w.RegisterActivity(acts)
	return w
}
