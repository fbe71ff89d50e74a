// Package natsbench runs `nats bench`, the NATS CLI's own benchmark, against
// an embedded server: the anchor a module's NATS benchmark is measured against
// in the same run, on the same server build. The CLI is built once by
// tools/servers/natscli.sh and named by NATS_CLI (`make bench` sets it).
package natsbench

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/patternlab/patternlab/kit/natsembed"
)

// Result is what one `nats bench` run measured, read from its CSV report.
type Result struct {
	Msgs    int64   // messages moved, over all clients
	Seconds float64 // the slowest client's duration
}

// MsgsPerSec is the run's aggregate rate.
func (r Result) MsgsPerSec() float64 {
	if r.Seconds <= 0 {
		return 0
	}
	return float64(r.Msgs) / r.Seconds
}

// CLI returns the NATS CLI's path from NATS_CLI, or skips the benchmark
// saying how to get it (make bench builds it; the results check then names
// the anchor that is missing).
func CLI(tb testing.TB) string {
	tb.Helper()
	p := os.Getenv("NATS_CLI")
	if p == "" {
		tb.Skip("NATS_CLI is not set: `make bench` builds the NATS CLI (tools/servers/natscli.sh) and sets it")
	}
	return p
}

// Timeout bounds one `nats bench` run. Its durable consumer has an
// InactiveThreshold of 10 s; on a loaded machine the server can remove it
// before the CLI's first pull, and the CLI then waits forever.
const Timeout = 90 * time.Second

// ErrStalled is returned when a run did not finish within Timeout.
var ErrStalled = errors.New("nats bench did not finish in time")

// Run runs `nats bench <args...>` against url and reads its CSV report.
func Run(ctx context.Context, cli, url string, args ...string) (Result, error) {
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	dir, err := os.MkdirTemp("", "natsbench")
	if err != nil {
		return Result{}, err
	}
	defer os.RemoveAll(dir)
	report := filepath.Join(dir, "report.csv")
	full := append([]string{"bench"}, args...)
	full = append(full, "--server", url, "--no-progress", "--csv", report)
	cmd := exec.CommandContext(ctx, cli, full...)
	cmd.Env = append(os.Environ(), "NATS_CONTEXT=") // no user context may redirect the run
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			err = ErrStalled
		}
		return Result{}, fmt.Errorf("nats bench %v: %w\n%s", args, err, natsembed.Redact(out.String()))
	}
	data, err := os.ReadFile(report)
	if err != nil {
		return Result{}, fmt.Errorf("nats bench %v wrote no report: %w\n%s", args, err, out.String())
	}
	return ParseCSV(data)
}

// PubSub runs a core NATS subscriber and publisher of msgs messages of size
// bytes on subject, the subscriber first (the publisher starts once the
// server holds its subscription), and returns what the subscriber received.
func PubSub(ctx context.Context, cli string, srv *natsembed.Server, subject string, msgs, size int) (Result, error) {
	before := srv.NATS().NumSubscriptions()
	n, sz := strconv.Itoa(msgs), strconv.Itoa(size)
	type outcome struct {
		r   Result
		err error
	}
	sub := make(chan outcome, 1)
	subCtx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	go func() {
		r, err := Run(subCtx, cli, srv.ClientURL(), "sub", subject, "--msgs", n, "--size", sz)
		sub <- outcome{r, err}
	}()
	for srv.NATS().NumSubscriptions() <= before {
		select {
		case o := <-sub:
			return Result{}, fmt.Errorf("the subscriber ended before subscribing: %v", o.err)
		case <-subCtx.Done():
			return Result{}, subCtx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
	time.Sleep(50 * time.Millisecond) // the CLI subscribes its client, then starts its clock
	if _, err := Run(ctx, cli, srv.ClientURL(), "pub", subject, "--msgs", n, "--size", sz); err != nil {
		return Result{}, err
	}
	o := <-sub
	return o.r, o.err
}

// ParseCSV reads the report `nats bench --csv` writes: one row per client
// with MsgCount and DurationSecs.
func ParseCSV(data []byte) (Result, error) {
	rows, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		return Result{}, fmt.Errorf("nats bench report: %w", err)
	}
	if len(rows) < 2 {
		return Result{}, fmt.Errorf("nats bench report has no client rows")
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	ci, okc := col["MsgCount"]
	di, okd := col["DurationSecs"]
	if !okc || !okd {
		return Result{}, fmt.Errorf("nats bench report lacks MsgCount or DurationSecs: %v", rows[0])
	}
	var r Result
	for _, row := range rows[1:] {
		if len(row) <= max(ci, di) {
			return Result{}, fmt.Errorf("nats bench report: short row %v", row)
		}
		n, err := strconv.ParseInt(row[ci], 10, 64)
		if err != nil {
			return Result{}, fmt.Errorf("nats bench report: MsgCount %q", row[ci])
		}
		d, err := strconv.ParseFloat(row[di], 64)
		if err != nil {
			return Result{}, fmt.Errorf("nats bench report: DurationSecs %q", row[di])
		}
		r.Msgs += n
		r.Seconds = max(r.Seconds, d)
	}
	if r.Msgs == 0 || r.Seconds <= 0 {
		return Result{}, fmt.Errorf("nats bench report: %d messages in %g s", r.Msgs, r.Seconds)
	}
	return r, nil
}
