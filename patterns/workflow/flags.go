package workflow

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/patternlab/patternlab/kit/demoflag"
	"github.com/patternlab/patternlab/kit/narrate"
)

// Flags are the demo's flags, each with its range, writing into cfg. The
// switches (-upsert=false, -rejects=false, -bounded=false,
// -ack-after-publish=false, -retry=false) each turn one safeguard off.
func Flags(cfg *Config) *demoflag.Set {
	s := demoflag.New("workflow")
	s.Uint64(&cfg.Seed, "seed", "seed of the generated dataset: same seed, same lines, same verdict")
	s.Int(&cfg.Records, "records", minRecords, maxRecords, "lines in the dataset")
	s.Int(&cfg.FanOut, "fanout", 2, 16, "readings analyzed at once in every engine")
	s.Duration(&cfg.AnalyzeLatency, "latency", 0, 100*time.Millisecond, "scoring service response time per reading")
	s.Int(&cfg.MaxAttempts, "attempts", 1, 10, "analyze attempts per reading before it is rejected")
	s.Int(&cfg.Poison, "poison", 0, 10, "readings the scoring service always fails on")
	engines := make([]string, len(cfg.Engines))
	for i, e := range cfg.Engines {
		engines[i] = string(e)
	}
	names := make([]string, len(Engines))
	for i, e := range Engines {
		names[i] = string(e)
	}
	s.List(&engines, "engines", names, "implementations to run")
	s.Bool(&cfg.Crash, "crash", "SIGKILL a worker process mid-stage in the nats and temporal runs")
	s.Duration(&cfg.AckWait, "ackwait", 100*time.Millisecond, time.Minute, "JetStream AckWait: how soon a dead consumer's messages are redelivered")
	s.Duration(&cfg.HeartbeatTimeout, "heartbeat", time.Second, time.Minute, "Temporal heartbeat timeout: how soon a dead worker's activity is retried")
	s.Text(&cfg.Dir, "dir", validDir, "keep the run's files (input, SQLite stores, worker logs) in this directory")
	s.Bool(&cfg.Hold, "hold", "keep the servers and the Temporal Web UI up after the verdict, until Ctrl-C")
	g := &cfg.Safeguards
	s.Bool(&g.Upsert, "upsert", "the sink merges writes by key (false: every repeated write adds a row)")
	s.Bool(&g.Rejects, "rejects", "the sink records every rejection with its reason (false: rejected lines are dropped)")
	s.Bool(&g.Bounded, "bounded", "the in-process hand-offs have a capacity (false: a slow stage lets the collector read everything into memory)")
	s.Bool(&g.AckAfterPublish, "ack-after-publish", "a stage consumer acks its input only after the next stream stored its output (false: it acks first)")
	s.Bool(&g.Retry, "retry", "Temporal retries an activity whose worker died (false: one attempt)")
	s.Check(func() error {
		cfg.Engines = nil
		for _, e := range engines {
			cfg.Engines = append(cfg.Engines, Engine(e))
		}
		return cfg.Validate()
	})
	return s
}

// validDir accepts a directory the demo can create or use: printable, and
// not an existing file.
func validDir(d string) error {
	if d == "" || len(d) > 512 {
		return fmt.Errorf("want a directory path of 1..512 bytes")
	}
	for _, r := range d {
		if r < 0x20 || r == 0x7f {
			return fmt.Errorf("control characters are not allowed")
		}
	}
	if st, err := os.Stat(filepath.Clean(d)); err == nil && !st.IsDir() {
		return fmt.Errorf("%s is a file, not a directory", d)
	}
	return nil
}

// Command parses the demo's command line into a runnable demo:
// cmd/demo, the switch tests and the flag fuzzer all go through it.
func Command(args []string) (narrate.Demo, error) {
	return demoflag.Command(args, DefaultConfig(), Flags, Demo)
}
