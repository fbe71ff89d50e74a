//go:build integration

package manufacturing_test

import (
	"bytes"
	"context"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	manufacturing "github.com/patternlab/patternlab/industries/manufacturing"
	"github.com/patternlab/patternlab/kit/labtest"
	"github.com/patternlab/patternlab/kit/narrate"
	"github.com/patternlab/patternlab/patterns/operator"
)

// cue is the narration's writer that presses the lab's fault buttons when
// a line containing a cue is written, as a learner would.
type cue struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	n       *narrate.Narrator
	presses map[string][]string // cue -> faults to inject
	wg      sync.WaitGroup
	errs    map[string]error // cue/fault -> what Inject said
}

func (c *cue) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for on, faults := range c.presses {
		if !bytes.Contains(p, []byte(on)) {
			continue
		}
		delete(c.presses, on)
		for _, f := range faults {
			c.wg.Add(1)
			// Inject takes the narrator's lock, which this write holds.
			go func() {
				defer c.wg.Done()
				err := c.n.Inject(f)
				c.mu.Lock()
				c.errs[on+"/"+f] = err
				c.mu.Unlock()
			}()
		}
	}
	return c.buf.Write(p)
}

// A learner presses every kind of fault button during the shifts: plant
// a's link cut from the start of shift 1 and restored when the flood
// starts, a restore while the link is up (refused), and at shift 3 plant
// a's edge server restarted and its line controller crashed. Each is
// injected at the next interval and narrated as a FAULT, and the audit
// still holds: the same verdict as with the scheduled faults alone. A
// whole demo: the integration tier, like the switches.
// Fault: link-cut | target: plant a's WAN link, cut and restored on demand through the lab's buttons | invariant: the demo's verdict HELD
// Fault: crash | target: plant a's edge server and line controller, restarted on demand | invariant: the demo's verdict HELD
func TestIntegrationTheLabsFaultButtonsKeepTheInvariant(t *testing.T) {
	if os.Getenv(operator.EnvAssets) == "" {
		labtest.Missing(t, operator.EnvAssets+" (envtest's kube-apiserver and etcd, for the EdgeSites)")
	}
	const (
		start, flood, restored, shift3 = "== shift 1 ==", "FAULT: firmware fault", "restored (requested in the lab)", "== shift 3 =="
	)
	c := &cue{errs: map[string]error{}, presses: map[string][]string{
		start:    {manufacturing.FaultCutLink},
		flood:    {manufacturing.FaultRestoreLink},
		restored: {manufacturing.FaultRestoreLink}, // the link is up: refused
		shift3:   {manufacturing.FaultRestartEdge + "a", manufacturing.FaultCrashLine + "a"},
	}}
	c.n = narrate.New(c)
	require.NoError(t, manufacturing.Demo(context.Background(), c.n, manufacturing.DefaultConfig()))
	c.wg.Wait()
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.buf.String()
	for _, press := range []string{start + "/" + manufacturing.FaultCutLink, flood + "/" + manufacturing.FaultRestoreLink,
		shift3 + "/" + manufacturing.FaultRestartEdge + "a", shift3 + "/" + manufacturing.FaultCrashLine + "a"} {
		v, ok := c.errs[press]
		assert.True(t, ok && v == nil, "%s: pressed %v, %v", press, ok, v)
	}
	assert.ErrorContains(t, c.errs[restored+"/"+manufacturing.FaultRestoreLink], "link is up")
	for _, line := range []string{
		"[plant-a] FAULT: the WAN link is cut (requested in the lab)",
		"[plant-a] FAULT: the WAN link is restored (requested in the lab)",
		"[plant-a] FAULT: the edge's nats-server restarts (requested in the lab)",
		"[plant-a] FAULT: the line controller crashes and restarts (requested in the lab)",
	} {
		assert.Contains(t, out, line)
	}
	assert.True(t, strings.HasPrefix(labtest.LastLine(out), "[invariant] HELD"), "%s", out)
	assert.ErrorContains(t, c.n.Inject(manufacturing.FaultCutLink), "no fault", "withdrawn once the shifts are over")
}
