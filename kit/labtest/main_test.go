package labtest

import "testing"

// The flag fuzzer runs each demo in a goroutine; none may outlive a test.
// The Temporal test environment's stuck retries (temporalleak_test.go shows
// them on purpose) are the suite's limit and ignored.
func TestMain(m *testing.M) { VerifyNoLeaks(m, IgnoreTemporalTestRetries()...) }
