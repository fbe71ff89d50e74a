package cqrs

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// pageSize is how many events one direct-get request asks for.
const pageSize = 512

// headerNumPending is set on the end-of-batch marker of a direct get.
const headerNumPending = "Nats-Num-Pending"

// requestTimeout bounds one page when the caller's context has no deadline.
const requestTimeout = 10 * time.Second

// storedMsg is one message read back from the log.
type storedMsg struct {
	subject string
	seq     uint64
	header  nats.Header
	data    []byte
}

// readLog returns the messages whose subject matches filter with a stream
// sequence in [from, upTo] (upTo 0: up to the end), in stream order, calling
// page for each page. It uses JetStream's batched direct get: one request per
// page, answered by any replica, and no consumer is created on the server,
// which is what makes loading an aggregate cheap.
func readLog(ctx context.Context, nc *nats.Conn, stream, filter string, from, upTo uint64, page func([]storedMsg) error) error {
	inbox := nc.NewRespInbox()
	sub, err := nc.SubscribeSync(inbox)
	if err != nil {
		return fmt.Errorf("read %s: subscribe: %w", filter, err)
	}
	defer func() { _ = sub.Unsubscribe() }()

	seq := max(from, 1)
	for {
		msgs, pending, err := readBoundedPage(ctx, nc, sub, stream, filter, seq)
		if err != nil {
			return fmt.Errorf("read %s from %d: %w", filter, seq, err)
		}
		// A batched direct get does not honour up_to_seq (the server applies
		// it to multi-last requests only), so the bound is kept here.
		past := false
		if upTo > 0 {
			n := len(msgs)
			for n > 0 && msgs[n-1].seq > upTo {
				n--
			}
			msgs, past = msgs[:n], n < len(msgs)
		}
		if len(msgs) > 0 {
			if err := page(msgs); err != nil {
				return err
			}
			seq = msgs[len(msgs)-1].seq + 1
		}
		if pending == 0 || len(msgs) == 0 || past || (upTo > 0 && seq > upTo) {
			return nil
		}
	}
}

type directGetRequest struct {
	Seq     uint64 `json:"seq,omitempty"`
	NextFor string `json:"next_by_subj"`
	Batch   int    `json:"batch"`
}

// readBoundedPage is readPage within requestTimeout when ctx has no
// deadline: the bound is per page, so a long replay on a slow machine is
// not cut off by a limit meant for one unanswered request.
func readBoundedPage(ctx context.Context, nc *nats.Conn, sub *nats.Subscription, stream, filter string, seq uint64) ([]storedMsg, uint64, error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, requestTimeout)
		defer cancel()
	}
	return readPage(ctx, nc, sub, stream, filter, seq)
}

// readPage sends one batched direct get and collects the replies up to the
// end-of-batch marker, returning how many matching messages remain after it.
func readPage(ctx context.Context, nc *nats.Conn, sub *nats.Subscription, stream, filter string, seq uint64) ([]storedMsg, uint64, error) {
	req, err := json.Marshal(directGetRequest{Seq: seq, NextFor: filter, Batch: pageSize})
	if err != nil {
		return nil, 0, err
	}
	if err := nc.PublishRequest("$JS.API.DIRECT.GET."+stream, sub.Subject, req); err != nil {
		return nil, 0, err
	}
	var msgs []storedMsg
	for {
		m, err := sub.NextMsgWithContext(ctx)
		if err != nil {
			return nil, 0, err
		}
		switch status := m.Header.Get("Status"); status {
		case "":
		case "404": // nothing (more) matches
			return msgs, 0, nil
		case "204": // end of batch
			pending, _ := strconv.ParseUint(m.Header.Get(headerNumPending), 10, 64)
			return msgs, pending, nil
		default:
			return nil, 0, fmt.Errorf("direct get: status %s %s", status, m.Header.Get("Description"))
		}
		s, err := strconv.ParseUint(m.Header.Get(jetstream.SequenceHeader), 10, 64)
		if err != nil {
			return nil, 0, fmt.Errorf("direct get: sequence header: %w", err)
		}
		msgs = append(msgs, storedMsg{subject: m.Header.Get(jetstream.SubjectHeader), seq: s, header: m.Header, data: m.Data})
	}
}

// leaderLastSeq asks the stream's leader for the sequence of the last
// message matching filter (0 when none does), and its subject. A plain
// message get (not a direct get) is answered by the leader only, so the
// answer includes every append acknowledged before the request.
func leaderLastSeq(ctx context.Context, nc *nats.Conn, stream, filter string) (uint64, string, error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, requestTimeout)
		defer cancel()
	}
	req, err := json.Marshal(struct {
		LastFor  string `json:"last_by_subj"`
		NoHeader bool   `json:"no_hdr"`
	}{filter, true})
	if err != nil {
		return 0, "", err
	}
	reply, err := nc.RequestWithContext(ctx, "$JS.API.STREAM.MSG.GET."+stream, req)
	if err != nil {
		return 0, "", fmt.Errorf("last of %s from the leader: %w", filter, err)
	}
	var resp struct {
		Error   *jetstream.APIError `json:"error"`
		Message *struct {
			Sequence uint64 `json:"seq"`
			Subject  string `json:"subject"`
		} `json:"message"`
	}
	if err := json.Unmarshal(reply.Data, &resp); err != nil {
		return 0, "", fmt.Errorf("last of %s from the leader: reply %q: %w", filter, reply.Data, err)
	}
	switch {
	case resp.Error != nil && resp.Error.ErrorCode == jetstream.JSErrCodeMessageNotFound:
		return 0, "", nil
	case resp.Error != nil:
		return 0, "", fmt.Errorf("last of %s from the leader: %w", filter, resp.Error)
	case resp.Message == nil:
		return 0, "", fmt.Errorf("last of %s from the leader: reply %q has no message", filter, reply.Data)
	}
	return resp.Message.Sequence, resp.Message.Subject, nil
}
