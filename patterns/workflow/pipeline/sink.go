package pipeline

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	_ "modernc.org/sqlite" // the database/sql driver "sqlite", pure Go
)

// Sink is the store stage's database: SQLite, one file per implementation.
// Writes are upserts keyed by reading key (results) and line ID (rejections),
// so writing the same thing twice, from a duplicate line or a redelivered
// message or a retried activity, leaves one row. A counter per row shows how
// many writes it absorbed.
type Sink struct {
	db   *sql.DB
	path string
	opts SinkOptions
}

// SinkOptions are the faults a sink can be given. The zero value is the
// correct sink; each field breaks one thing on purpose. They travel to
// worker processes as JSON.
type SinkOptions struct {
	// Delay slows every Save (a slow disk or a locked table), to show
	// backpressure.
	Delay time.Duration `json:"delay,omitempty"`
	// Append turns the upserts into plain inserts into tables without a
	// key: every duplicate line, redelivered message and retried activity
	// then adds a row. It is the idempotency the invariant depends on,
	// switched off (the demo's -upsert=false).
	Append bool `json:"append,omitempty"`
	// DropRejects makes Save ignore rejections: the pipeline keeps only what
	// it could store, and a line it could not is gone without a reason
	// (the demo's -rejects=false).
	DropRejects bool `json:"drop_rejects,omitempty"`
}

const schema = `
CREATE TABLE IF NOT EXISTS readings (
	key     TEXT PRIMARY KEY,
	line_id TEXT NOT NULL, -- the first line that carried the reading
	machine TEXT NOT NULL,
	metric  TEXT NOT NULL,
	at_ms   INTEGER NOT NULL,
	value   REAL NOT NULL,
	level   TEXT NOT NULL,
	load    REAL NOT NULL,
	writes  INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE IF NOT EXISTS rejects (
	line_id TEXT PRIMARY KEY,
	stage   TEXT NOT NULL,
	kind    TEXT NOT NULL,
	reason  TEXT NOT NULL,
	raw     TEXT NOT NULL,
	writes  INTEGER NOT NULL DEFAULT 1
);`

const upsertReading = `
INSERT INTO readings (key, line_id, machine, metric, at_ms, value, level, load)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (key) DO UPDATE SET
	line_id = min(readings.line_id, excluded.line_id),
	machine = excluded.machine, metric = excluded.metric, at_ms = excluded.at_ms,
	value = excluded.value, level = excluded.level, load = excluded.load,
	writes = readings.writes + 1`

const upsertReject = `
INSERT INTO rejects (line_id, stage, kind, reason, raw)
VALUES (?, ?, ?, ?, ?)
ON CONFLICT (line_id) DO UPDATE SET
	stage = excluded.stage, kind = excluded.kind, reason = excluded.reason,
	raw = excluded.raw, writes = rejects.writes + 1`

// appendOnly is the schema and the writes of SinkOptions.Append: the same
// columns without a key, so nothing conflicts and nothing is merged.
var appendOnly = struct{ schema, reading, reject string }{
	schema: strings.NewReplacer("key     TEXT PRIMARY KEY", "key     TEXT NOT NULL",
		"line_id TEXT PRIMARY KEY", "line_id TEXT NOT NULL").Replace(schema),
	reading: upsertReading[:strings.Index(upsertReading, "ON CONFLICT")],
	reject:  upsertReject[:strings.Index(upsertReject, "ON CONFLICT")],
}

// OpenSink opens (creating if needed) the SQLite database at path.
func OpenSink(path string, opts SinkOptions) (*Sink, error) {
	dsn := "file:" + path + "?_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=busy_timeout(10000)"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open sink %s: %w", path, err)
	}
	db.SetMaxOpenConns(1) // one writer; SQLite serialises writes anyway
	ddl := schema
	if opts.Append {
		ddl = appendOnly.schema
	}
	if _, err := db.Exec(ddl); err != nil {
		db.Close()
		return nil, fmt.Errorf("create sink schema in %s: %w", path, err)
	}
	return &Sink{db: db, path: path, opts: opts}, nil
}

// Path is the database file.
func (s *Sink) Path() string { return s.path }

// Close closes the database.
func (s *Sink) Close() error { return s.db.Close() }

// Save upserts results and rejections in one transaction: all or nothing, so
// a crash mid-save leaves the batch to be saved again, which is harmless.
func (s *Sink) Save(ctx context.Context, results []Result, rejects []Rejection) error {
	if s.opts.DropRejects {
		rejects = nil
	}
	if len(results) == 0 && len(rejects) == 0 {
		return nil
	}
	if s.opts.Delay > 0 {
		t := time.NewTimer(s.opts.Delay) // the injected slow disk
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("save: begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
	if len(results) > 0 {
		stmt, err := tx.PrepareContext(ctx, s.writeReading())
		if err != nil {
			return fmt.Errorf("save: prepare: %w", err)
		}
		defer stmt.Close()
		for _, r := range results {
			if _, err := stmt.ExecContext(ctx, r.Key, r.LineID, r.Machine, string(r.Metric), r.AtMS, r.Value, string(r.Level), r.Load); err != nil {
				return fmt.Errorf("save reading %s: %w", r.Key, err)
			}
		}
	}
	if len(rejects) > 0 {
		stmt, err := tx.PrepareContext(ctx, s.writeReject())
		if err != nil {
			return fmt.Errorf("save: prepare: %w", err)
		}
		defer stmt.Close()
		for _, r := range rejects {
			if _, err := stmt.ExecContext(ctx, r.LineID, string(r.Stage), r.Kind, r.Reason, r.Raw); err != nil {
				return fmt.Errorf("save rejection %s: %w", r.LineID, err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("save: commit: %w", err)
	}
	return nil
}

func (s *Sink) writeReading() string {
	if s.opts.Append {
		return appendOnly.reading
	}
	return upsertReading
}

func (s *Sink) writeReject() string {
	if s.opts.Append {
		return appendOnly.reject
	}
	return upsertReject
}

// Snapshot is the content of a sink, sorted, ready to compare.
type Snapshot struct {
	Results []Result
	Rejects []Rejection
	// Writes counts every write the rows absorbed; Writes minus the number
	// of rows is how many repeated writes the upserts made harmless.
	Writes int
}

// Snapshot reads the whole sink.
func (s *Sink) Snapshot(ctx context.Context) (Snapshot, error) {
	var snap Snapshot
	rows, err := s.db.QueryContext(ctx, `SELECT key, line_id, machine, metric, at_ms, value, level, load, writes FROM readings ORDER BY key, line_id`)
	if err != nil {
		return snap, fmt.Errorf("snapshot readings: %w", err)
	}
	for rows.Next() {
		var r Result
		var writes int
		if err := rows.Scan(&r.Key, &r.LineID, &r.Machine, &r.Metric, &r.AtMS, &r.Value, &r.Level, &r.Load, &writes); err != nil {
			rows.Close()
			return snap, fmt.Errorf("snapshot readings: %w", err)
		}
		snap.Results = append(snap.Results, r)
		snap.Writes += writes
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return snap, fmt.Errorf("snapshot readings: %w", err)
	}
	rows, err = s.db.QueryContext(ctx, `SELECT line_id, stage, kind, reason, raw, writes FROM rejects ORDER BY line_id`)
	if err != nil {
		return snap, fmt.Errorf("snapshot rejects: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var r Rejection
		var writes int
		if err := rows.Scan(&r.LineID, &r.Stage, &r.Kind, &r.Reason, &r.Raw, &writes); err != nil {
			return snap, fmt.Errorf("snapshot rejects: %w", err)
		}
		snap.Rejects = append(snap.Rejects, r)
		snap.Writes += writes
	}
	return snap, rows.Err()
}

// ReadSnapshot opens the sink at path, reads it and closes it. It reads the
// rows as they are, whichever schema wrote them.
func ReadSnapshot(ctx context.Context, path string) (Snapshot, error) {
	s, err := OpenSink(path, SinkOptions{})
	if err != nil {
		return Snapshot{}, err
	}
	defer s.Close()
	return s.Snapshot(ctx)
}

// Dump is the snapshot as text, one row a line, the same for equal content
// whatever wrote it (golden files hold it).
func (s Snapshot) Dump() string {
	var b strings.Builder
	for _, r := range s.Results {
		fmt.Fprintf(&b, "reading %s %s %s %s %d %s %s %s\n", r.Key, r.LineID, r.Machine, r.Metric, r.AtMS,
			strconv.FormatFloat(r.Value, 'g', -1, 64), r.Level, strconv.FormatFloat(r.Load, 'g', -1, 64))
	}
	for _, r := range s.Rejects {
		fmt.Fprintf(&b, "reject %s %s %s %q raw=%q\n", r.LineID, r.Stage, r.Kind, r.Reason, r.Raw)
	}
	return b.String()
}

// Digest is a short hash of Dump: equal digests, equal stores.
func (s Snapshot) Digest() string {
	sum := sha256.Sum256([]byte(s.Dump()))
	return hex.EncodeToString(sum[:6])
}

// Repeats is how many writes the upserts absorbed beyond one per row.
func (s Snapshot) Repeats() int { return s.Writes - len(s.Results) - len(s.Rejects) }
