//go:build integration

package edgeiot

import "testing"

// The unit tier runs one seed of the cut schedule; this tier runs more.
func TestIntegrationRepeatedLinkCutsLoseNothing(t *testing.T) { repeatedLinkCuts(t, 1, 2, 3) }
