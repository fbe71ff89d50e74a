package cqrs

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/kit/deadletter"
	"github.com/patternlab/patternlab/kit/labtest"
	"github.com/patternlab/patternlab/kit/natsembed"
)

// A batch commit's reply is decoded into the sequence the store remembers as
// the aggregate's head: whatever the reply, it is an error or the sequence
// the server's PubAck named, and never 0 (no message has sequence 0; a
// remembered 0 would make the next save expect an empty subject).
func FuzzParseBatchAck(f *testing.F) {
	f.Add("", "", []byte(`{"stream":"LEDGER","seq":42,"count":2}`))
	f.Add("", "", []byte(`{"error":{"code":400,"err_code":10176,"description":"atomic publish batch is incomplete"}}`))
	f.Add("503", "No Responders", []byte{})
	f.Add("", "", []byte(`{"seq":-1}`))
	f.Add("", "", []byte("\xff"))
	f.Fuzz(func(t *testing.T, status, description string, data []byte) {
		reply := &nats.Msg{Subject: "_INBOX.x", Header: nats.Header{}, Data: data}
		if status != "" {
			reply.Header.Set("Status", status)
			reply.Header.Set("Description", description)
		}
		seq, err := parseBatchAck(reply)
		if err != nil {
			if seq != 0 {
				t.Fatalf("an error and sequence %d: %v", seq, err)
			}
			return
		}
		var ack struct {
			Error *jetstream.APIError `json:"error"`
			Seq   uint64              `json:"seq"`
		}
		if status != "" || json.Unmarshal(data, &ack) != nil || ack.Error != nil {
			t.Fatalf("accepted reply %q (status %q) as sequence %d", data, status, seq)
		}
		if seq == 0 || seq != ack.Seq {
			t.Fatalf("reply %q decoded as sequence %d", data, seq)
		}
	})
}

// A dead letter names the log sequence it refused in a header anyone who
// can read the dead-letter stream sees: a sequence written round-trips, and
// any other value reads as 0 ("names none"), never as some other sequence.
func FuzzLetterSequence(f *testing.F) {
	f.Add("17", uint64(17))
	f.Add("", uint64(1))
	f.Add("-1", uint64(18446744073709551615))
	f.Add(" 5", uint64(5))
	f.Fuzz(func(t *testing.T, header string, seq uint64) {
		written := deadletter.Letter{Header: nats.Header{}}
		written.Header.Set(HeaderLogSequence, strconv.FormatUint(seq, 10))
		if got := LetterSequence(written); got != seq {
			t.Fatalf("sequence %d written, %d read", seq, got)
		}
		l := deadletter.Letter{Header: nats.Header{HeaderLogSequence: []string{header}}}
		got := LetterSequence(l)
		if want, err := strconv.ParseUint(header, 10, 64); (err == nil && got != want) || (err != nil && got != 0) {
			t.Fatalf("header %q read as sequence %d", header, got)
		}
	})
}

// readPage decodes the replies of a batched direct get. A fake responder on
// a real server answers with one fuzzed message, then the end-of-batch
// marker: readPage must return exactly what the replies said (a stored
// message with the sequence and data it carried, then the marker's pending
// count), nothing on 404, or an error; never hang or panic.
func FuzzReadPage(f *testing.F) {
	srv := labtest.NATS(f, func(o *natsembed.Options) { o.NoJetStream = true })
	nc, err := natsembed.Connect(srv.ClientURL(), "fuzz-read-page")
	require.NoError(f, err)
	f.Cleanup(nc.Close)
	const stream = "FUZZ"
	responder, err := nc.Subscribe("$JS.API.DIRECT.GET."+stream, func(m *nats.Msg) {
		var req struct {
			Status, Seq, Pending string
			Data                 []byte
		}
		var got directGetRequest
		if json.Unmarshal(m.Data, &got) != nil || got.NextFor == "" {
			return
		}
		_ = json.Unmarshal([]byte(got.NextFor[len("fuzz."):]), &req)
		first := &nats.Msg{Subject: m.Reply, Header: nats.Header{}, Data: req.Data}
		if req.Status != "" {
			first.Header.Set("Status", req.Status)
		}
		first.Header.Set(jetstream.SequenceHeader, req.Seq)
		first.Header.Set(jetstream.SubjectHeader, "ledger.Account.x")
		marker := &nats.Msg{Subject: m.Reply, Header: nats.Header{"Status": []string{"204"}, headerNumPending: []string{req.Pending}}}
		_ = nc.PublishMsg(first)
		_ = nc.PublishMsg(marker)
	})
	require.NoError(f, err)
	f.Cleanup(func() { _ = responder.Unsubscribe() })

	f.Add("", "7", "0", []byte(`{"event_type":"AccountOpened"}`))
	f.Add("", "7", "3", []byte{})
	f.Add("404", "", "", []byte{})
	f.Add("204", "", "", []byte{})
	f.Add("408", "", "", []byte("timeout"))
	f.Add("", "x", "1", []byte("x"))
	f.Add("", "7", "-1", []byte("x"))
	f.Fuzz(func(t *testing.T, status, seqHeader, pending string, data []byte) {
		for _, s := range []string{status, seqHeader, pending} {
			if !headerSafe(s) {
				t.Skip("not a value a NATS header can carry")
			}
		}
		// The fuzzed reply travels in the request's filter, as JSON.
		spec, _ := json.Marshal(map[string]any{"Status": status, "Seq": seqHeader, "Pending": pending, "Data": data})
		sub, err := nc.SubscribeSync(nc.NewRespInbox())
		require.NoError(t, err)
		defer func() { _ = sub.Unsubscribe() }()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		msgs, left, err := readPage(ctx, nc, sub, stream, "fuzz."+string(spec), 1)
		if ctx.Err() != nil {
			t.Fatalf("readPage hung on status %q seq %q: %v", status, seqHeader, err)
		}
		seq, seqErr := strconv.ParseUint(seqHeader, 10, 64)
		wantPending, _ := strconv.ParseUint(pending, 10, 64)
		switch {
		case status == "" && seqErr == nil:
			require.NoError(t, err)
			require.Len(t, msgs, 1)
			require.Equal(t, seq, msgs[0].seq)
			require.Equal(t, "ledger.Account.x", msgs[0].subject)
			require.Equal(t, string(data), string(msgs[0].data))
			require.Equal(t, wantPending, left)
		case status == "404" || status == "204":
			require.NoError(t, err)
			require.Empty(t, msgs)
			require.Zero(t, left)
		default:
			require.Error(t, err, "status %q seq %q", status, seqHeader)
			require.Empty(t, msgs)
		}
	})
}

// headerSafe says whether s survives a NATS header as it is: printable,
// no line break, nothing the header parser trims.
func headerSafe(s string) bool {
	if strings.TrimSpace(s) != s {
		return false
	}
	for _, c := range s {
		if c < 0x21 || c > 0x7e {
			return false
		}
	}
	return true
}
