package fintech

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/patternlab/patternlab/industries/fintech/clearing"
	"github.com/patternlab/patternlab/industries/fintech/traffic"
	"github.com/patternlab/patternlab/kit/poll"
)

// clearingTimeout bounds one clearing run on a loaded machine: a page of
// the log per few milliseconds, with ample slack.
func (d *demo) clearingTimeout() time.Duration {
	var msgs uint64
	for _, c := range d.cutoff {
		msgs += c
	}
	return time.Minute + time.Duration(msgs)*time.Millisecond
}

// endOfDay is the clearing cycle: the cut-off, a clearing process killed
// with SIGKILL mid-run and started again, which resumes from its
// checkpoint, and an uninterrupted run to compare its file with.
func (d *demo) endOfDay(ctx context.Context) error {
	d.n.Act("act 4: end-of-day clearing")
	d.cutoff = map[string]uint64{}
	for _, b := range d.cfg.banks() {
		s, err := d.js.Stream(ctx, d.books[b].Log.Stream)
		if err != nil {
			return err
		}
		info, err := s.Info(ctx)
		if err != nil {
			return err
		}
		d.cutoff[b] = info.State.LastSeq
	}
	d.n.Step("clearing", "cut-off: every bank's log up to its last event now; the run reads each log page by page and saves a checkpoint after each page")
	dir, err := os.MkdirTemp("", "fintech-clearing-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	d.job = clearing.Job{
		Cycle: traffic.CycleDate.Format("2006-01-02"), Banks: d.cfg.banks(), Stream: d.names.ledger, Prefix: d.names.books(),
		Cutoff: d.cutoff, Dir: filepath.Join(dir, "resumed"), SplitCheckpoint: !d.cfg.AtomicCheckpoint,
	}
	if err := os.MkdirAll(d.job.Dir, 0o755); err != nil {
		return err
	}
	if err := d.killAndResume(ctx); err != nil {
		return err
	}
	if d.file, err = os.ReadFile(filepath.Join(d.job.Dir, clearing.File)); err != nil {
		return fmt.Errorf("the resumed run's file: %w", err)
	}
	straight := d.job
	straight.Dir = filepath.Join(dir, "straight")
	if err := os.MkdirAll(straight.Dir, 0o755); err != nil {
		return err
	}
	rctx, cancel := context.WithTimeout(ctx, d.clearingTimeout())
	defer cancel()
	st, err := clearing.Run(rctx, d.js, straight)
	if err != nil {
		return fmt.Errorf("the uninterrupted run: %w", err)
	}
	if d.straight, err = os.ReadFile(filepath.Join(straight.Dir, clearing.File)); err != nil {
		return err
	}
	payers, payees := 0, 0
	for _, p := range st.Positions {
		switch {
		case p < 0:
			payers++
		case p > 0:
			payees++
		}
	}
	d.n.Step("clearing", "settlement file: %d bilateral obligations netted into %d positions; the settlement agent debits %d banks and credits %d",
		len(st.Obligations), len(st.Positions), payers, payees)
	d.n.Measure("clearing", "settlement file sha256 %x (%d bytes)", sha256.Sum256(d.file), len(d.file))
	d.n.Check("resumed-equals-uninterrupted", bytes.Equal(d.file, d.straight),
		"the killed and resumed run's file against an uninterrupted run's: %s", sameOrNot(d.file, d.straight))
	return nil
}

// killAndResume runs the clearing in a child process that pauses after a
// page, kills it there with SIGKILL, and starts it again.
func (d *demo) killAndResume(ctx context.Context) error {
	kill := d.n.Plan("clearing", "the clearing process killed with SIGKILL mid-run")
	paused := d.job
	paused.PauseAfter = len(d.cfg.banks())/2 + 1 // every bank's log is at least one page: this is mid-run
	spec := clearing.ProcessSpec{NATSURL: d.nats.URL, Job: paused}
	p, err := clearing.StartProcess(ctx, spec)
	if err != nil {
		return err
	}
	marker := filepath.Join(d.job.Dir, clearing.Paused)
	err = poll.Within(ctx, d.clearingTimeout(), 10*time.Millisecond, func() (bool, error) {
		if p.Exited() {
			return false, fmt.Errorf("the clearing process ended before it was killed: %v: %s", p.Err(), p.Stderr())
		}
		_, err := os.Stat(marker)
		return err == nil, nil
	})
	if err != nil {
		p.Kill()
		return fmt.Errorf("waiting for the clearing process to reach page %d: %w", paused.PauseAfter, err)
	}
	p.Kill()
	pages, at, next, err := d.job.Checkpointed()
	if err != nil {
		return err
	}
	kill.Fire("the clearing process is killed with SIGKILL after page %d of the run; its checkpoint stands at page %d", paused.PauseAfter, pages)
	d.n.Measure("clearing", "pid %d killed; the checkpoint resumes in %s's log at seq %d", p.PID(), at, next)
	if err := os.Remove(marker); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	spec.Job = d.job
	p, err = clearing.StartProcess(ctx, spec)
	if err != nil {
		return err
	}
	t := time.NewTimer(d.clearingTimeout())
	defer t.Stop()
	select {
	case <-p.Done():
	case <-t.C:
		p.Kill()
		return fmt.Errorf("the restarted clearing process did not finish in %s", d.clearingTimeout())
	case <-ctx.Done():
		p.Kill()
		return ctx.Err()
	}
	if err := p.Err(); err != nil {
		return fmt.Errorf("the restarted clearing process: %w: %s", err, p.Stderr())
	}
	d.n.Step("clearing", "started again: it resumed from its checkpoint and wrote the settlement file")
	return nil
}

func sameOrNot(a, b []byte) string {
	if bytes.Equal(a, b) {
		return fmt.Sprintf("identical, byte for byte (%d bytes)", len(a))
	}
	return fmt.Sprintf("they differ (%d and %d bytes): first difference at byte %d", len(a), len(b), firstDiff(a, b))
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}
