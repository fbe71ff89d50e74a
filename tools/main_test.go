package main

import (
	"testing"

	"github.com/patternlab/patternlab/kit/labtest"
)

// flake-hunt spins its burner on goroutines; none may outlive a test.
func TestMain(m *testing.M) { labtest.VerifyNoLeaks(m) }
