package internet

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/patternlab/patternlab/industries/internet/clickstream"
	"github.com/patternlab/patternlab/kit/deadletter"
)

// Headers the edge puts on every beacon it writes to the log.
const (
	HeaderRecv = "Click-Recv-Ms" // the edge's receive time, Unix ms: the one clock the pipeline trusts
	HeaderEnd  = "Click-End"     // on the last message: the day's traffic is all in the log
	HeaderSeq  = "Click-Log-Seq" // on a late event: its sequence in the clickstream log
)

// Names are the streams and subjects of one run: the clickstream log, the
// late-data stream and the dead letters. On a shared server each carries
// the run's own suffix.
type Names struct {
	Log, Late, Dead  string // stream names
	Subject          string // prefix of every subject: <p>.in, <p>.late, <p>.dead.<kind>
	In, LateSubject  string
	DeadLetterPrefix string
}

// NamesFor derives every name from a stream base and a subject prefix.
func NamesFor(stream, prefix string) Names {
	return Names{
		Log: stream, Late: stream + "_LATE", Dead: stream + "_DEAD",
		Subject: prefix, In: prefix + ".in", LateSubject: prefix + ".late", DeadLetterPrefix: prefix + ".dead",
	}
}

// Log is the run's JetStream side.
type Log struct {
	JS    jetstream.JetStream
	Names Names
	Dead  *deadletter.Queue
}

// OpenLog creates the run's streams (or reuses them: it never purges).
func OpenLog(ctx context.Context, js jetstream.JetStream, n Names) (*Log, error) {
	for _, cfg := range []jetstream.StreamConfig{
		{Name: n.Log, Subjects: []string{n.In}, Storage: jetstream.FileStorage},
		{Name: n.Late, Subjects: []string{n.LateSubject}, Storage: jetstream.FileStorage, Duplicates: 10 * time.Minute},
	} {
		if _, err := js.CreateOrUpdateStream(ctx, cfg); err != nil {
			return nil, fmt.Errorf("stream %s: %w", cfg.Name, err)
		}
	}
	dq, err := deadletter.Open(ctx, js, n.Dead, n.DeadLetterPrefix)
	if err != nil {
		return nil, fmt.Errorf("dead letters: %w", err)
	}
	return &Log{JS: js, Names: n, Dead: dq}, nil
}

// Append writes one beacon with the edge's receive time.
func (l *Log) Append(ctx context.Context, b clickstream.Beacon) error {
	m := nats.NewMsg(l.Names.In)
	m.Data = b.Raw
	m.Header.Set(HeaderRecv, strconv.FormatInt(b.Recv, 10))
	if _, err := l.JS.PublishMsg(ctx, m); err != nil {
		return fmt.Errorf("append to %s: %w", l.Names.Log, err)
	}
	return nil
}

// AppendAsync writes one beacon without waiting for the log's
// acknowledgement: the returned future has it.
func (l *Log) AppendAsync(b clickstream.Beacon) (jetstream.PubAckFuture, error) {
	m := nats.NewMsg(l.Names.In)
	m.Data = b.Raw
	m.Header.Set(HeaderRecv, strconv.FormatInt(b.Recv, 10))
	f, err := l.JS.PublishMsgAsync(m)
	if err != nil {
		return nil, fmt.Errorf("append to %s: %w", l.Names.Log, err)
	}
	return f, nil
}

// End marks the end of the day's traffic.
func (l *Log) End(ctx context.Context) error {
	m := nats.NewMsg(l.Names.In)
	m.Header.Set(HeaderEnd, "true")
	if _, err := l.JS.PublishMsg(ctx, m); err != nil {
		return fmt.Errorf("end of %s: %w", l.Names.Log, err)
	}
	return nil
}

// ErrNoRecv is a log message without the edge's receive time: not written by
// the edge.
var ErrNoRecv = errors.New("no " + HeaderRecv + " header")

// entry is one log message as the collector read it.
type entry struct {
	clickstream.Logged
	End bool
}

func entryOf(m jetstream.Msg) (entry, error) {
	meta, err := m.Metadata()
	if err != nil {
		return entry{}, fmt.Errorf("log message metadata: %w", err)
	}
	e := entry{Logged: clickstream.Logged{Seq: meta.Sequence.Stream, Beacon: clickstream.Beacon{Raw: m.Data()}}}
	if m.Headers().Get(HeaderEnd) != "" {
		e.End = true
		return e, nil
	}
	recv, err := strconv.ParseInt(m.Headers().Get(HeaderRecv), 10, 64)
	if err != nil {
		// Still an entry: the screen stage dead-letters what it cannot read.
		recv = -1
	}
	e.Recv = recv
	return e, nil
}

// Read follows the log from sequence from (1 is the start) and hands each
// message to emit, until the end marker.
func (l *Log) Read(ctx context.Context, from uint64, emit func(entry) error) error {
	cons, err := l.JS.OrderedConsumer(ctx, l.Names.Log, jetstream.OrderedConsumerConfig{
		DeliverPolicy: jetstream.DeliverByStartSequencePolicy, OptStartSeq: max(from, 1),
	})
	if err != nil {
		return fmt.Errorf("read %s from %d: %w", l.Names.Log, from, err)
	}
	it, err := cons.Messages()
	if err != nil {
		return fmt.Errorf("read %s: %w", l.Names.Log, err)
	}
	defer it.Stop()
	stop := context.AfterFunc(ctx, it.Stop)
	defer stop()
	for {
		m, err := it.Next()
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("read %s: %w", l.Names.Log, err)
		}
		e, err := entryOf(m)
		if err != nil {
			return err
		}
		if err := emit(e); err != nil {
			return err
		}
		if e.End {
			return nil
		}
	}
}

// Source reads the whole log back from the server, as the audit's batch
// recomputation sees it: every beacon, without the end marker.
func (l *Log) Source(ctx context.Context) ([]clickstream.Logged, error) {
	var out []clickstream.Logged
	err := l.Read(ctx, 1, func(e entry) error {
		if !e.End {
			out = append(out, e.Logged)
		}
		return nil
	})
	return out, err
}

// LateEvents reads the late-data stream back: the log sequence of each late
// event the server holds, once per event.
func (l *Log) LateEvents(ctx context.Context) ([]uint64, error) {
	s, err := l.JS.Stream(ctx, l.Names.Late)
	if err != nil {
		return nil, fmt.Errorf("late stream: %w", err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		return nil, fmt.Errorf("late stream: %w", err)
	}
	var out []uint64
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq && info.State.Msgs > 0; seq++ {
		m, err := s.GetMsg(ctx, seq)
		if err != nil {
			if errors.Is(err, jetstream.ErrMsgNotFound) {
				continue
			}
			return nil, fmt.Errorf("late event %d: %w", seq, err)
		}
		n, err := strconv.ParseUint(m.Header.Get(HeaderSeq), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("late event %d: %w", seq, err)
		}
		out = append(out, n)
	}
	return out, nil
}

// RouteLate publishes a late event to the late-data subject, once: the
// message ID is its log sequence, so a replay after a restart is dropped by
// the stream's duplicate window.
func (l *Log) RouteLate(ctx context.Context, seq uint64, raw []byte) error {
	m := nats.NewMsg(l.Names.LateSubject)
	m.Data = raw
	m.Header.Set(HeaderSeq, strconv.FormatUint(seq, 10))
	m.Header.Set(nats.MsgIdHdr, fmt.Sprintf("%s.%d", l.Names.Log, seq))
	if _, err := l.JS.PublishMsg(ctx, m); err != nil {
		return fmt.Errorf("route late event %d: %w", seq, err)
	}
	return nil
}

// DeadLetter stores a malformed beacon with its reason, once per log record.
func (l *Log) DeadLetter(ctx context.Context, seq uint64, raw []byte, kind, reason string) error {
	return l.Dead.Send(ctx, kind, deadletter.Letter{
		Subject: l.Names.In, Header: nats.Header{}, Data: raw, Reason: reason,
		ID: fmt.Sprintf("%s.%d", l.Names.Log, seq),
	})
}
