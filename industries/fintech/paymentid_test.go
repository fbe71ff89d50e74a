package fintech

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/patternlab/patternlab/industries/fintech/traffic"
)

// With -idempotency=false a payment is keyed by its message; that key must
// still be a valid payment ID (one subject token: the risk service refused
// "pi-000001.17" as no screening request, and every payment failed its
// screening), and the audit must recover the instruction from it.
func TestMessageKeyedPaymentIDs(t *testing.T) {
	for _, e2e := range []string{"pi-000001", "x-m7", "a-m", "-m3"} {
		id := messageKeyed(e2e, 17)
		assert.True(t, traffic.ValidID(id), id)
		assert.Equal(t, e2e, beforeMessageKey(id), id)
	}
	keyed := &demo{cfg: DefaultConfig()}
	assert.Equal(t, "x-m7", keyed.endToEnd("x-m7"), "an instruction ID is the payment ID when payments are keyed by it")
}
