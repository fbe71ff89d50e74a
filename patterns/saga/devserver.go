package saga

import (
	"context"
	"os"
	"path/filepath"

	"github.com/patternlab/patternlab/kit/temporaldev"
)

// StartTemporal starts the Temporal target (TEMPORAL_ADDRESS, or a dev
// server) for a run and returns it with a function that stops it.
//
// A dev server keeps its state in a SQLite file and syncs it to disk on
// every write; on a busy disk those syncs dominate a short run. When the
// machine has a memory-backed /dev/shm the file goes there: the runs here
// kill workers, never the server, so they do not need the file to survive
// the machine.
func StartTemporal(ctx context.Context, ui bool) (*temporaldev.Target, func(), error) {
	opts := temporaldev.Options{UI: ui}
	dir := ""
	if os.Getenv(temporaldev.EnvAddress) == "" {
		if d, err := os.MkdirTemp("/dev/shm", "saga-temporal-*"); err == nil {
			dir = d
			opts.DBFile = filepath.Join(d, "temporal.db")
		}
	}
	tg, err := temporaldev.FromEnv(ctx, opts)
	if err != nil {
		if dir != "" {
			os.RemoveAll(dir)
		}
		return nil, nil, err
	}
	return tg, func() {
		tg.Close()
		if dir != "" {
			os.RemoveAll(dir)
		}
	}, nil
}
