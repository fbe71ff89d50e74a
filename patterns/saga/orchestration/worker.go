package orchestration

import (
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
)

// NewWorker returns a worker that runs OrderSaga and its activities on
// taskQueue. A short sticky timeout lets the workflow move on quickly to
// another worker when this one dies: its cached workflows are then replayed
// from history elsewhere.
func NewWorker(c client.Client, taskQueue string, acts *Activities) worker.Worker {
	w := worker.New(c, taskQueue, worker.Options{
		StickyScheduleToStartTimeout: time.Second,
	})
	w.RegisterWorkflow(OrderSaga)
	w.RegisterActivity(acts)
	return w
}
