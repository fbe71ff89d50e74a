package clearing

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/patternlab/patternlab/industries/fintech/bank"
	"github.com/patternlab/patternlab/patterns/cqrs"
)

// Job is one clearing run: which books to read, up to where, and where
// to keep its checkpoint and write its file.
type Job struct {
	Cycle  string            `json:"cycle"`
	Banks  []string          `json:"banks"`
	Stream string            `json:"stream"` // the books' stream and subject bases (bank.LogOf)
	Prefix string            `json:"prefix"`
	Cutoff map[string]uint64 `json:"cutoff"` // the last sequence of each bank's log in this cycle
	Dir    string            `json:"dir"`
	// SplitCheckpoint keeps the position and the sums in two files,
	// written one after the other: the demo's -atomic-checkpoint=false. A
	// crash between the two writes makes the resumed run count a page
	// twice.
	SplitCheckpoint bool `json:"splitCheckpoint,omitempty"`
	// PauseAfter > 0 stops the run after that many pages, at the worst
	// moment (after the sums of the page are saved and, when they are
	// split, before its position is), until the process is killed: the
	// demo's SIGKILL lands there. Paused is the file that says it waits.
	PauseAfter int `json:"pauseAfter,omitempty"`
}

// File is the settlement file's name in Job.Dir.
const File = "settlement.txt"

// Paused is the file a paused run creates in Job.Dir.
const Paused = "paused"

// checkpoint is where a run stands: the bank it reads (an index in Banks),
// its cursor in that bank's log, the sums so far, and how many pages are
// behind it.
type checkpoint struct {
	Bank   int         `json:"bank"`
	Cursor cqrs.Cursor `json:"cursor"`
	Sheet  *Sheet      `json:"sheet,omitempty"`
	Pages  int         `json:"pages"`
}

// Run runs the job to its end, resuming from its checkpoint if there is
// one, and writes the settlement file. It returns the settlement.
func Run(ctx context.Context, js jetstream.JetStream, job Job) (Settlement, error) {
	cp, err := job.load()
	if err != nil {
		return Settlement{}, err
	}
	for ; cp.Bank < len(job.Banks); cp.Bank, cp.Cursor = cp.Bank+1, (cqrs.Cursor{}) {
		name := job.Banks[cp.Bank]
		store, err := cqrs.NewEventStore(ctx, js, bank.LogOf(name, job.Stream, job.Prefix))
		if err != nil {
			return Settlement{}, err
		}
		page := func(next cqrs.Cursor, _ cqrs.Replayed) error {
			cp.Cursor = next
			cp.Pages++
			return job.save(ctx, cp)
		}
		if _, err := store.Resume(ctx, cp.Cursor, job.Cutoff[name], page, folder{bank: name, sheet: cp.Sheet}); err != nil {
			return Settlement{}, fmt.Errorf("clear %s: %w", name, err)
		}
	}
	st := Settle(job.Cycle, job.Banks, job.Cutoff, cp.Sheet)
	return st, writeAtomic(filepath.Join(job.Dir, File), st.Render())
}

// Checkpointed says where a run of this job would resume: how many pages
// its checkpoint is past, in which bank's log, at which sequence. A fresh
// job has 0 pages.
func (j Job) Checkpointed() (pages int, bankName string, next uint64, err error) {
	cp, err := j.load()
	if err != nil || cp.Pages == 0 {
		return 0, "", 0, err
	}
	if cp.Bank < len(j.Banks) {
		bankName = j.Banks[cp.Bank]
	}
	return cp.Pages, bankName, cp.Cursor.Next, nil
}

func (j Job) load() (checkpoint, error) {
	cp := checkpoint{Sheet: NewSheet()}
	if j.SplitCheckpoint {
		if err := readJSON(filepath.Join(j.Dir, "position.json"), &cp); err != nil {
			return cp, err
		}
		var sums struct {
			Sheet *Sheet `json:"sheet"`
		}
		if err := readJSON(filepath.Join(j.Dir, "sums.json"), &sums); err != nil {
			return cp, err
		}
		if sums.Sheet != nil {
			cp.Sheet = sums.Sheet
		}
		return cp, nil
	}
	err := readJSON(filepath.Join(j.Dir, "checkpoint.json"), &cp)
	return cp, err
}

// save records the checkpoint: one file, replaced atomically, holding the
// position and the sums together, so a crash leaves the old pair or the
// new one. The split variant writes the sums, then the position.
func (j Job) save(ctx context.Context, cp checkpoint) error {
	pause := j.PauseAfter > 0 && cp.Pages == j.PauseAfter
	if j.SplitCheckpoint {
		if err := writeJSON(filepath.Join(j.Dir, "sums.json"), struct {
			Sheet *Sheet `json:"sheet"`
		}{cp.Sheet}); err != nil {
			return err
		}
		if pause {
			return j.pause(ctx)
		}
		pos := cp
		pos.Sheet = nil
		return writeJSON(filepath.Join(j.Dir, "position.json"), pos)
	}
	if err := writeJSON(filepath.Join(j.Dir, "checkpoint.json"), cp); err != nil {
		return err
	}
	if pause {
		return j.pause(ctx)
	}
	return nil
}

// pause waits to be killed.
func (j Job) pause(ctx context.Context) error {
	if err := os.WriteFile(filepath.Join(j.Dir, Paused), nil, 0o644); err != nil {
		return err
	}
	<-ctx.Done()
	return ctx.Err()
}

func readJSON(path string, v any) error {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

func writeJSON(path string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return writeAtomic(path, data)
}

// writeAtomic replaces path with data: a temporary file, synced, then
// renamed over it, so a reader (or a resumed run) sees the old content or
// the new, never a part.
func writeAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
