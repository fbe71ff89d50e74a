package temporaldev

// quietLogger drops the SDK's own log lines: demos narrate, and tests report
// failures through their assertions.
type quietLogger struct{}

func (quietLogger) Debug(string, ...any) {}
func (quietLogger) Info(string, ...any)  {}
func (quietLogger) Warn(string, ...any)  {}
func (quietLogger) Error(string, ...any) {}
