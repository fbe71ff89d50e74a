package workflow

import (
	"github.com/patternlab/patternlab/patterns/workflow/durable"
	"github.com/patternlab/patternlab/patterns/workflow/workqueue"
)

// ServeIfAsked turns this process into one of the demo's worker processes
// when it was started as one (a stage consumer, or a Temporal worker), and
// returns at once otherwise. main and TestMain call it first: the demo's
// worker processes are this very program, started again.
func ServeIfAsked() {
	workqueue.ServeIfAsked()
	durable.ServeIfAsked()
}
