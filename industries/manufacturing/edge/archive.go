package edge

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/patternlab/patternlab/industries/manufacturing/plant"
)

// Record is one stored message, read back.
type Record struct {
	Subject string
	Data    []byte
}

// ReadAll reads every message of stream whose subject matches filter
// ("" for all), oldest first, through an ordered consumer: what the server
// holds now, not what anyone counted on the way.
func ReadAll(ctx context.Context, js jetstream.JetStream, stream, filter string) ([]Record, error) {
	s, err := js.Stream(ctx, stream)
	if err != nil {
		return nil, fmt.Errorf("stream %s: %w", stream, err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		return nil, err
	}
	last := info.State.LastSeq
	if info.State.Msgs == 0 {
		return nil, nil
	}
	cfg := jetstream.OrderedConsumerConfig{}
	if filter != "" {
		cfg.FilterSubjects = []string{filter}
	}
	cons, err := s.OrderedConsumer(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", stream, err)
	}
	var out []Record
	for {
		batch, err := cons.Fetch(512, jetstream.FetchMaxWait(200*time.Millisecond))
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", stream, err)
		}
		n, reached := 0, false
		for m := range batch.Messages() {
			if reached {
				// A fetch is a goroutine in nats.go that ends only when the
				// batch is full, the server says there is no more, or its
				// wait has passed; returning in the middle of a batch would
				// leave it running after the read (goleak saw the same in
				// fintech's log reader). Read the batch to its end.
				continue
			}
			n++
			out = append(out, Record{Subject: m.Subject(), Data: m.Data()})
			if meta, err := m.Metadata(); err == nil && meta.Sequence.Stream >= last {
				reached = true
			}
		}
		if reached {
			return out, nil
		}
		if err := batch.Error(); err != nil && !errors.Is(err, jetstream.ErrNoMessages) && !errors.Is(err, nats.ErrTimeout) {
			return nil, fmt.Errorf("read %s: %w", stream, err)
		}
		if n == 0 && filter != "" {
			// a whole wait without a message: nothing more matches the filter
			if c, err := cons.Info(ctx); err == nil && c.NumPending == 0 {
				return out, nil
			}
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
}

// Archive is what an edge kept: every raw reading it accepted and every
// stop event it raised, copies included.
type Archive struct {
	Readings []plant.Reading
	Stops    []StopEvent
}

// ReadArchive reads the archive of the edge js talks to.
func ReadArchive(ctx context.Context, js jetstream.JetStream) (Archive, error) {
	recs, err := ReadAll(ctx, js, StreamArchive, "")
	if err != nil {
		return Archive{}, err
	}
	var a Archive
	for _, rec := range recs {
		switch {
		case strings.HasPrefix(rec.Subject, archiveReading):
			var r plant.Reading
			if err := json.Unmarshal(rec.Data, &r); err != nil {
				return Archive{}, fmt.Errorf("archive %s: %w", rec.Subject, err)
			}
			a.Readings = append(a.Readings, r)
		case strings.HasPrefix(rec.Subject, archiveStop):
			e, err := DecodeStopEvent(rec.Data)
			if err != nil {
				return Archive{}, err
			}
			a.Stops = append(a.Stops, e)
		}
	}
	return a, nil
}

// ArchivedReadings is how many reading messages the archive holds, copies
// included, as the edge's server counts them.
func ArchivedReadings(ctx context.Context, js jetstream.JetStream) (uint64, error) {
	s, err := js.Stream(ctx, StreamArchive)
	if err != nil {
		return 0, err
	}
	info, err := s.Info(ctx, jetstream.WithSubjectFilter(archiveReading+">"))
	if err != nil {
		return 0, err
	}
	var n uint64
	for _, c := range info.State.Subjects {
		n += c
	}
	return n, nil
}
