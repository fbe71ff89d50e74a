// Package logreadtest is a JetStream holding fixed streams, as logread.Each
// reads them: for fuzz tests of what the audits decode from a log, without
// a server.
package logreadtest

import (
	"context"
	"fmt"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Msg is one stored message; its stream sequence is its position, from 1.
type Msg struct {
	Subject string
	Data    []byte
	Header  nats.Header
}

// JetStream serves streams by name. Only what logread.Each calls works.
func JetStream(streams map[string][]Msg) jetstream.JetStream {
	return fakeJS{streams: streams}
}

type fakeJS struct {
	jetstream.JetStream
	streams map[string][]Msg
}

func (j fakeJS) Stream(_ context.Context, name string) (jetstream.Stream, error) {
	msgs, ok := j.streams[name]
	if !ok {
		return nil, fmt.Errorf("stream %s: %w", name, jetstream.ErrStreamNotFound)
	}
	return &fakeStream{msgs: msgs}, nil
}

type fakeStream struct {
	jetstream.Stream
	msgs []Msg
}

func (s *fakeStream) Info(context.Context, ...jetstream.StreamInfoOpt) (*jetstream.StreamInfo, error) {
	n := uint64(len(s.msgs))
	return &jetstream.StreamInfo{State: jetstream.StreamState{Msgs: n, LastSeq: n}}, nil
}

func (s *fakeStream) OrderedConsumer(context.Context, jetstream.OrderedConsumerConfig) (jetstream.Consumer, error) {
	return &fakeConsumer{msgs: s.msgs}, nil
}

type fakeConsumer struct {
	jetstream.Consumer
	msgs []Msg
	next int
}

func (c *fakeConsumer) FetchNoWait(batch int) (jetstream.MessageBatch, error) {
	ch := make(chan jetstream.Msg, batch)
	for ; c.next < len(c.msgs) && len(ch) < batch; c.next++ {
		ch <- &fakeMsg{m: c.msgs[c.next], seq: uint64(c.next + 1), pending: uint64(len(c.msgs) - c.next - 1)}
	}
	close(ch)
	return fakeBatch{ch}, nil
}

type fakeBatch struct{ ch chan jetstream.Msg }

func (b fakeBatch) Messages() <-chan jetstream.Msg { return b.ch }
func (b fakeBatch) Error() error                   { return nil }

type fakeMsg struct {
	jetstream.Msg
	m            Msg
	seq, pending uint64
}

func (m *fakeMsg) Subject() string      { return m.m.Subject }
func (m *fakeMsg) Data() []byte         { return m.m.Data }
func (m *fakeMsg) Headers() nats.Header { return m.m.Header }
func (m *fakeMsg) Metadata() (*jetstream.MsgMetadata, error) {
	return &jetstream.MsgMetadata{Sequence: jetstream.SequencePair{Stream: m.seq, Consumer: m.seq}, NumPending: m.pending, NumDelivered: 1}, nil
}
