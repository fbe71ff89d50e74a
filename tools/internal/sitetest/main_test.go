package sitetest_test

import (
	"testing"

	"github.com/patternlab/patternlab/kit/labtest"
)

// Pages are loaded in parallel (errgroup); no goroutine may outlive a test.
func TestMain(m *testing.M) { labtest.VerifyNoLeaks(m) }
