package workqueue

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/patternlab/patternlab/kit/deadletter"
	"github.com/patternlab/patternlab/patterns/workflow/pipeline"
)

// A nak advisory arrives on a subject anyone allowed on
// $JS.EVENT.ADVISORY.> can publish on. Whatever its bytes, the watch
// counts it as a nak of a message only if it names the message's stream
// sequence; a real one is always counted once.
func FuzzNakAdvisory(f *testing.F) {
	f.Add([]byte(`{"type":"io.nats.jetstream.advisory.v1.nak","stream":"WF_ANALYZE","consumer":"analyze","consumer_seq":9,"stream_seq":4,"deliveries":1}`))
	f.Add([]byte(`{"stream_seq":-1}`))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		w := &NakWatch{seqs: map[uint64]int{}}
		w.count([]byte(`{"stream_seq":7}`))
		w.count(data)
		var a struct {
			StreamSeq uint64 `json:"stream_seq"`
		}
		names := json.Unmarshal(data, &a) == nil && a.StreamSeq > 0
		naks, msgs := w.Naked()
		wantNaks, wantMsgs := uint64(1), 1
		if names {
			wantNaks++
			if a.StreamSeq != 7 {
				wantMsgs++
			}
		}
		if naks != wantNaks || msgs != wantMsgs {
			t.Fatalf("advisory %q: %d naks of %d messages, want %d of %d", data, naks, msgs, wantNaks, wantMsgs)
		}
	})
}

// stageJS is the JetStream a stage consumer uses: it keeps the dead
// letters and the outputs, and confirms every output.
type stageJS struct {
	jetstream.JetStream
	letters []*nats.Msg
	outs    []*nats.Msg
}

func (s *stageJS) CreateOrUpdateStream(context.Context, jetstream.StreamConfig) (jetstream.Stream, error) {
	return nil, nil
}

func (s *stageJS) PublishMsg(_ context.Context, m *nats.Msg, _ ...jetstream.PublishOpt) (*jetstream.PubAck, error) {
	s.letters = append(s.letters, m)
	return &jetstream.PubAck{Sequence: uint64(len(s.letters))}, nil
}

type storedFuture struct{ ok chan *jetstream.PubAck }

func (f storedFuture) Ok() <-chan *jetstream.PubAck { return f.ok }
func (f storedFuture) Err() <-chan error            { return nil }
func (f storedFuture) Msg() *nats.Msg               { return nil }

func (s *stageJS) PublishMsgAsync(m *nats.Msg, _ ...jetstream.PublishOpt) (jetstream.PubAckFuture, error) {
	s.outs = append(s.outs, m)
	f := storedFuture{ok: make(chan *jetstream.PubAck, 1)}
	f.ok <- &jetstream.PubAck{Sequence: uint64(len(s.outs))}
	return f, nil
}

// lineMsg is one delivery of the clean stage's stream.
type lineMsg struct {
	jetstream.Msg
	header nats.Header
	data   []byte
	acks   int
	naks   int
}

func (m *lineMsg) Subject() string                    { return "wf.clean" }
func (m *lineMsg) Data() []byte                       { return m.data }
func (m *lineMsg) Headers() nats.Header               { return m.header }
func (m *lineMsg) Ack() error                         { m.acks++; return nil }
func (m *lineMsg) DoubleAck(context.Context) error    { m.acks++; return nil }
func (m *lineMsg) Nak() error                         { m.naks++; return nil }
func (m *lineMsg) NakWithDelay(_ time.Duration) error { m.naks++; return nil }

// Anyone allowed to publish on the clean stage's subject reaches the
// clean stage. Whatever the message (body and line-ID header), it is
// acknowledged exactly once, and either dead-lettered (with a reason and
// its subject), or followed by exactly one output with its line ID and run
// ID: a cleaned reading for analyze, which is a valid reading of that line,
// or a rejection with a reason for the store.
func FuzzCleanStage(f *testing.F) {
	for _, l := range pipeline.Generate(9, 12).Lines {
		data, _ := json.Marshal(l)
		f.Add(pipeline.LineID(1), data)
	}
	f.Add("line-000001", []byte(`{"id":"line-000001","raw":"k,press-01,pressure,1772431200000,1,bar"}`))
	f.Add("line-000002", []byte(`{"id":"line-000001","raw":"k,press-01,pressure,1772431200000,1,bar"}`))
	f.Add("", []byte(`{"id":"","raw":""}`))
	f.Add("x", []byte(`{"id":"x"`))
	f.Fuzz(func(t *testing.T, lineID string, data []byte) {
		js := &stageJS{}
		dlq, err := deadletter.Open(context.Background(), js, "WF_DLQ", "wf.dlq")
		if err != nil {
			t.Fatal(err)
		}
		c := &StageConsumer{Stage: pipeline.Clean, JS: js, dlq: dlq}
		m := &lineMsg{header: nats.Header{HeaderLineID: []string{lineID}, HeaderRunID: []string{"run-1"}}, data: data}
		if err := c.clean(context.Background(), []jetstream.Msg{m}); err != nil {
			t.Fatalf("clean %q: %v", data, err)
		}
		if m.acks != 1 || m.naks != 0 || len(js.letters)+len(js.outs) != 1 {
			t.Fatalf("line %q (%s): %d acks, %d naks, %d letters, %d outputs", data, lineID, m.acks, m.naks, len(js.letters), len(js.outs))
		}
		if len(js.letters) == 1 {
			l := js.letters[0]
			if l.Header.Get(deadletter.HeaderReason) == "" || l.Header.Get(deadletter.HeaderSubject) != "wf.clean" || string(l.Data) != string(data) {
				t.Fatalf("dead letter of %q: %v", data, l.Header)
			}
			return
		}
		var in pipeline.Line
		if err := json.Unmarshal(data, &in); err != nil || in.ID != lineID || in.ID == "" {
			t.Fatalf("cleaned %q under header %q", data, lineID)
		}
		out := js.outs[0]
		if out.Header.Get(HeaderLineID) != lineID || out.Header.Get(HeaderRunID) != "run-1" || out.Header.Get(nats.MsgIdHdr) == "" {
			t.Fatalf("output of %q: headers %v", data, out.Header)
		}
		switch out.Subject {
		case c.Topology.Subject(pipeline.Analyze):
			var cl pipeline.Cleaned
			if err := json.Unmarshal(out.Data, &cl); err != nil || cl.LineID != lineID {
				t.Fatalf("cleaned %q as %q: %v", data, out.Data, err)
			}
			if r, err := pipeline.ParseReading(in.Raw); err != nil || r != cl.Reading {
				t.Fatalf("cleaned %q as %+v; the parser says %+v, %v", in.Raw, cl.Reading, r, err)
			}
		case c.Topology.RejectsSubject():
			var rej pipeline.Rejection
			if err := json.Unmarshal(out.Data, &rej); err != nil || rej.LineID != lineID || rej.Reason == "" || rej.Raw != in.Raw {
				t.Fatalf("rejected %q as %q: %v", data, out.Data, err)
			}
		default:
			t.Fatalf("output of %q on %s", data, out.Subject)
		}
	})
}
