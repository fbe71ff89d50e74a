//go:build integration

package operator

import (
	"os"
	"testing"

	"github.com/patternlab/patternlab/kit/labtest"
	"github.com/patternlab/patternlab/kit/natsembed"
)

// TestIntegrationSwitches runs the demo once without switches (it must end
// HELD) and once per switch of pattern.yaml (each must end VIOLATED with its
// evidence), on envtest and the embedded hub. Each run is the whole demo,
// and a switch makes several acts wait out the bound: minutes in all, so
// this is the integration tier; TestEachSafeguardPreventsItsFailure is the
// same in miniature on the fake client.
func TestIntegrationSwitches(t *testing.T) {
	if os.Getenv(EnvAssets) == "" {
		labtest.Missing(t, EnvAssets+" is not set: run make test-integration, which builds kube-apiserver and etcd once")
	}
	t.Setenv(EnvKubeconfig, "")
	t.Setenv(natsembed.EnvURL, "")
	labtest.Switches(t, Command)
}
