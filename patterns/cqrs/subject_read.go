package cqrs

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// maxSubjectsListed is the most subjects one multi-last direct get lists
// (nats-server answers 413 beyond it).
const maxSubjectsListed = 1024

// headerLastSequence is set on the end-of-batch marker of a direct get: the
// sequence of the last message the batch sent.
const headerLastSequence = "Nats-Last-Sequence"

// subjectRead is what readSubject found.
type subjectRead struct {
	payloads [][]byte // every message on the subject up to upTo, in stream order
	exact    bool     // they are all of the aggregate's messages up to upTo, and nothing past it
}

// readSubject reads an aggregate's messages without their headers, when
// they are all on one subject: the common case, and the cheap one. Every
// stored event carries headers (its batch's and the expected sequence the
// server checked), and a direct get of a message with headers makes the
// server rewrite them per message (six header insertions) and the client
// parse them again: most of a load's cost. Without headers a reply is the
// payload alone, with neither its sequence nor its subject, so two things
// must be known otherwise, and are asked in the same round trip:
//   - which subjects hold messages of the aggregate up to upTo: a multi-last
//     direct get bounded by upTo lists each with its last sequence; only
//     subject may be there, at upTo itself (which also shows the replica
//     that answered holds everything up to upTo);
//   - where the read ends: the end-of-batch marker names the sequence of the
//     last message sent, which must reach upTo exactly.
//
// When either is not so (another subject, a lagging replica, or an append
// that landed past upTo before the read reached it), exact is false and the
// caller reads the aggregate the full way (readLog, with headers, in stream
// order across its subjects), so a load reads the same messages either way.
func readSubject(ctx context.Context, nc *nats.Conn, stream, filter, subject string, upTo uint64) (subjectRead, error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, requestTimeout)
		defer cancel()
	}
	inbox := nc.NewInbox()
	// Room for every reply of the requests in flight at once (the listing
	// and one page, each with its marker): a full channel would drop replies.
	replies := make(chan *nats.Msg, maxSubjectsListed+pageSize+2)
	sub, err := nc.ChanSubscribe(inbox+".*", replies)
	if err != nil {
		return subjectRead{}, fmt.Errorf("read %s: subscribe: %w", subject, err)
	}
	defer func() { _ = sub.Unsubscribe() }()
	listing, paging := inbox+".subjects", inbox+".page"

	api := "$JS.API.DIRECT.GET." + stream
	list, err := json.Marshal(struct {
		MultiLast []string `json:"multi_last"`
		UpTo      uint64   `json:"up_to_seq"`
	}{[]string{filter}, upTo})
	if err != nil {
		return subjectRead{}, err
	}
	if err := nc.PublishRequest(api, listing, list); err != nil {
		return subjectRead{}, err
	}
	page := func(from uint64) error {
		req, err := json.Marshal(struct {
			Seq      uint64 `json:"seq"`
			NextFor  string `json:"next_by_subj"`
			Batch    int    `json:"batch"`
			NoHeader bool   `json:"no_hdr"`
		}{from, subject, pageSize, true})
		if err != nil {
			return err
		}
		return nc.PublishRequest(api, paging, req)
	}
	if err := page(1); err != nil {
		return subjectRead{}, err
	}

	var (
		r          subjectRead
		listed     = false // the listing's marker came
		onlyThis   = true  // the listing shows no other subject
		atUpTo     = false // the listing shows subject's last message at upTo
		last       uint64  // the last sequence a page sent
		morePaging = true
	)
	for !listed || morePaging {
		var m *nats.Msg
		select {
		case m = <-replies:
		case <-ctx.Done():
			return subjectRead{}, fmt.Errorf("read %s: %w", subject, ctx.Err())
		}
		status := m.Header.Get("Status")
		if m.Subject == listing {
			switch status {
			case "":
				seq, _ := strconv.ParseUint(m.Header.Get(jetstream.SequenceHeader), 10, 64)
				if m.Header.Get(jetstream.SubjectHeader) != subject {
					onlyThis = false
				} else if seq == upTo {
					atUpTo = true
				}
			default: // 204 the end, 404 nothing (a replica behind), 413 too many subjects
				listed = true
				if status != "204" {
					onlyThis = false
				}
			}
			if listed && !(onlyThis && atUpTo) {
				return subjectRead{}, nil // not the cheap case: read it the full way
			}
			continue
		}
		switch status {
		case "":
			r.payloads = append(r.payloads, m.Data)
		case "204": // the page's end
			pending, _ := strconv.ParseUint(m.Header.Get(headerNumPending), 10, 64)
			last, _ = strconv.ParseUint(m.Header.Get(headerLastSequence), 10, 64)
			if morePaging = pending > 0 && last < upTo; morePaging {
				if err := page(last + 1); err != nil {
					return subjectRead{}, err
				}
			}
		case "404": // nothing (more) on the subject
			morePaging = false
		default:
			return subjectRead{}, fmt.Errorf("read %s: direct get: status %s %s", subject, status, m.Header.Get("Description"))
		}
	}
	r.exact = last == upTo
	return r, nil
}
