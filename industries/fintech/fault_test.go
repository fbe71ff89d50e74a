package fintech_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/industries/fintech/bank"
	"github.com/patternlab/patternlab/industries/fintech/clearing"
	"github.com/patternlab/patternlab/industries/fintech/traffic"
	"github.com/patternlab/patternlab/kit/labtest"
	"github.com/patternlab/patternlab/kit/poll"
)

var banks = []string{"alpha", "bravo", "charlie", "delta"}

// booked writes a generated day straight into the banks' books (every
// payment's debit and credit, no saga, no screening) and returns the
// clearing job over them.
func booked(t *testing.T, url string, payments int) (jetstream.JetStream, clearing.Job) {
	t.Helper()
	ctx := context.Background()
	js := labtest.JetStream(t, url)
	day := traffic.Generate(traffic.DayConfig{Seed: 11, Banks: banks, Accounts: 12, Payments: payments})
	books := map[string]*bank.Books{}
	for _, b := range banks {
		bk, err := bank.Open(ctx, js, b, bank.LogOf(b, "LEDGER", "fintech.ledger"), bank.Options{})
		require.NoError(t, err)
		books[b] = bk
	}
	for _, a := range day.Accounts {
		require.NoError(t, books[a.Bank()].OpenAccount(ctx, a.Name, a.Opening))
	}
	for _, in := range day.Instructions {
		if in.Currency != traffic.Currency || in.Payer == day.Planted.Broke {
			continue
		}
		require.NoError(t, books[in.PayerBank()].Take(ctx, in.ID, in.Payer, in.Amount, in.PayeeBank()))
		require.NoError(t, books[in.PayeeBank()].Give(ctx, in.ID, in.Payee, in.Amount, in.PayerBank()))
	}
	job := clearing.Job{Cycle: "2026-03-02", Banks: banks, Stream: "LEDGER", Prefix: "fintech.ledger", Cutoff: map[string]uint64{}}
	for _, b := range banks {
		s, err := js.Stream(ctx, books[b].Log.Stream)
		require.NoError(t, err)
		info, err := s.Info(ctx)
		require.NoError(t, err)
		job.Cutoff[b] = info.State.LastSeq
	}
	return js, job
}

// clearIn runs job in its own directory and returns its file.
func clearIn(t *testing.T, js jetstream.JetStream, job clearing.Job) []byte {
	t.Helper()
	job.Dir = t.TempDir()
	_, err := clearing.Run(context.Background(), js, job)
	require.NoError(t, err)
	data, err := os.ReadFile(filepath.Join(job.Dir, clearing.File))
	require.NoError(t, err)
	return data
}

// killedAt runs job in a child process, kills it with SIGKILL where it
// pauses after page, starts it again and returns the file it writes.
func killedAt(t *testing.T, url string, job clearing.Job, page int) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	job.Dir = t.TempDir()
	paused := job
	paused.PauseAfter = page
	p, err := clearing.StartProcess(ctx, clearing.ProcessSpec{NATSURL: url, Job: paused})
	require.NoError(t, err)
	marker := filepath.Join(job.Dir, clearing.Paused)
	require.NoError(t, poll.Until(ctx, 5*time.Millisecond, func() (bool, error) {
		_, err := os.Stat(marker)
		return err == nil, nil
	}), "the run never reached page %d", page)
	p.Kill()
	pages, _, _, err := job.Checkpointed()
	require.NoError(t, err)
	require.LessOrEqual(t, pages, page, "killed at page %d", page)
	require.NoError(t, os.Remove(marker))
	p, err = clearing.StartProcess(ctx, clearing.ProcessSpec{NATSURL: url, Job: job})
	require.NoError(t, err)
	select {
	case <-p.Done():
	case <-ctx.Done():
		p.Kill()
		t.Fatal("the resumed run did not finish")
	}
	require.NoError(t, p.Err(), p.Stderr())
	data, err := os.ReadFile(filepath.Join(job.Dir, clearing.File))
	require.NoError(t, err)
	return data
}

// The clearing process, killed with SIGKILL after any page of the run and
// started again, writes the file an uninterrupted run writes, byte for
// byte, and that file is the independent witness's. With the position and
// the sums saved in two writes, a kill between them makes the resumed run
// count a page twice: the same comparison catches it.
//
// Fault: kill-9 | target: the clearing process, after any page of the run, then started again | invariant: the resumed run writes the uninterrupted run's file byte for byte, equal to the independent witness's
func TestClearingKilledMidRunWritesTheSameFile(t *testing.T) {
	srv := labtest.NATS(t)
	js, job := booked(t, srv.ClientURL(), 900)
	want := clearIn(t, js, job)
	w, err := clearing.Recompute(context.Background(), js, job)
	require.NoError(t, err)
	require.Equal(t, string(w.Settlement.Render()), string(want), "the witness agrees with the run")
	require.Zero(t, w.Settlement.BookSum())

	var pages int
	for _, c := range job.Cutoff {
		pages += int(c+511) / 512
	}
	require.Greater(t, pages, len(banks), "some log spans several pages")
	for _, page := range []int{1, pages / 2, pages - 1} {
		assert.Equal(t, string(want), string(killedAt(t, srv.ClientURL(), job, page)), "killed after page %d of %d", page, pages)
	}

	split := job
	split.SplitCheckpoint = true
	assert.NotEqual(t, string(want), string(killedAt(t, srv.ClientURL(), split, 2)),
		"with the checkpoint in two writes, a kill between them counts a page twice")
}
