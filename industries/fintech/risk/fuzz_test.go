package risk

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nats.go/micro"

	"github.com/patternlab/patternlab/industries/fintech/internal/logread/logreadtest"
	"github.com/patternlab/patternlab/industries/fintech/traffic"
)

// journal is the risk service's JetStream: it keeps what is journalled.
type journal struct {
	jetstream.JetStream
	msgs []*nats.Msg
}

func (j *journal) PublishMsg(_ context.Context, m *nats.Msg, _ ...jetstream.PublishOpt) (*jetstream.PubAck, error) {
	j.msgs = append(j.msgs, m)
	return &jetstream.PubAck{Sequence: uint64(len(j.msgs))}, nil
}

// screening is one request to the risk service, keeping its answer.
type screening struct {
	micro.Request
	data    []byte
	answers int
	code    string
	reply   []byte
}

func (s *screening) Data() []byte { return s.data }
func (s *screening) Error(code, _ string, _ []byte, _ ...micro.RespondOpt) error {
	s.answers, s.code = s.answers+1, code
	return nil
}
func (s *screening) Respond(data []byte, _ ...micro.RespondOpt) error {
	s.answers, s.reply = s.answers+1, data
	return nil
}

// Anyone on the bus can send the risk service a request. Whatever it is,
// the service answers once: 400 when it is no screening request, or the
// decision for the request's payment, journalled first under a subject of
// the journal that names that payment as one token and under the payment's
// message ID; an approval holds every rule.
func FuzzHandle(f *testing.F) {
	in := traffic.Instruction{ID: "pi-1", Time: traffic.CycleDate.Add(time.Hour), Payer: "alpha-0001", Payee: "bravo-0001", Amount: 10_00, Currency: "EUR"}
	good, _ := json.Marshal(Request{Payment: "pi-1", Instruction: in})
	f.Add(good)
	f.Add([]byte(`{"payment":"pi-2","instruction":{"payer":"charlie-0002","amount":1,"currency":"EUR"}}`))
	f.Add([]byte(`{"payment":"pi-3","instruction":{"amount":100000001,"currency":"EUR"}}`))
	f.Add([]byte(`{"payment":"","instruction":{}}`))
	f.Add([]byte(`{"payment":"pi-4","instruction":{"time":"not a time"}}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		js := &journal{}
		r := &Service{Subject: "x.risk.screen", Journal: "x.risk.decided", js: js, screener: NewScreener(rules)}
		req := &screening{data: data}
		r.handle(req)
		if req.answers != 1 {
			t.Fatalf("%q answered %d times", data, req.answers)
		}
		var q Request
		if json.Unmarshal(data, &q) != nil || q.Payment == "" {
			if req.code != "400" || len(js.msgs) != 0 {
				t.Fatalf("%q: code %q, %d journalled", data, req.code, len(js.msgs))
			}
			return
		}
		if !traffic.ValidID(q.Payment) {
			if req.code != "400" || len(js.msgs) != 0 {
				t.Fatalf("%q: no payment ID: code %q, %d journalled", data, req.code, len(js.msgs))
			}
			return
		}
		if req.code != "" || len(js.msgs) != 1 {
			t.Fatalf("%q: code %q, %d journalled", data, req.code, len(js.msgs))
		}
		m := js.msgs[0]
		if m.Subject != r.Journal+"."+q.Payment || !validToken(strings.TrimPrefix(m.Subject, r.Journal+".")) ||
			m.Header.Get(jetstream.MsgIDHeader) != q.Payment || string(m.Data) != string(req.reply) {
			t.Fatalf("%q journalled on %q (%v) as %q, answered %q", data, m.Subject, m.Header, m.Data, req.reply)
		}
		var d Decision
		if err := json.Unmarshal(req.reply, &d); err != nil || d.Payment != q.Payment {
			t.Fatalf("%q answered %q: %v", data, req.reply, err)
		}
		i := q.Instruction
		if d.Approved && (i.Currency != rules.Currency || i.Amount > rules.MaxAmount || rules.Blocked[i.Payer] || rules.Blocked[i.Payee]) {
			t.Fatalf("approved %+v", i)
		}
		if !d.Approved && (d.Rule == "" || d.Reason == "") {
			t.Fatalf("refused %+v without a rule and a reason: %+v", i, d)
		}
	})
}

// validToken is one NATS subject token: not empty, no separator, wildcard
// or whitespace the protocol splits on.
func validToken(s string) bool {
	return s != "" && !strings.ContainsAny(s, ". \t\r\n*>")
}

// The velocity limit, seen from outside: whatever payments arrive, in
// whatever business-time order and however often each is asked again, no
// payer has more than VelocityMax approved payments in any window of
// VelocityWindow that ends at one of them; asking again answers the same.
func FuzzScreenVelocity(f *testing.F) {
	f.Add([]byte{0, 0, 1, 0, 2, 0, 3, 0, 4, 0})
	f.Add([]byte{0, 10, 0, 9, 0, 8, 0, 7, 1, 200, 0, 6})
	f.Add([]byte{5, 0, 5, 0, 5, 255, 5, 255})
	f.Fuzz(func(t *testing.T, plan []byte) {
		s := NewScreener(rules)
		payers := []string{"alpha-0001", "alpha-0002", "bravo-0003"}
		type approved struct {
			payer string
			at    time.Time
		}
		var ok []approved
		first := map[string]Decision{}
		for i := 0; i+1 < len(plan); i += 2 {
			who := payers[int(plan[i])%len(payers)]
			at := traffic.CycleDate.Add(time.Duration(binary.BigEndian.Uint16([]byte{plan[i] / 8, plan[i+1]})) * time.Minute / 4)
			id := "pi-" + string(rune('a'+int(plan[i+1])%20))
			q := Request{Payment: id, Instruction: traffic.Instruction{ID: id, Time: at, Payer: who, Payee: "charlie-0009", Amount: 1_00, Currency: "EUR"}}
			d := s.Screen(q)
			if prev, seen := first[id]; seen {
				if d != prev {
					t.Fatalf("%s asked again: %+v, first %+v", id, d, prev)
				}
				continue
			}
			first[id] = d
			if d.Approved {
				ok = append(ok, approved{who, at})
			} else if d.Rule != RuleVelocity {
				t.Fatalf("%s refused by %s", id, d.Rule)
			}
		}
		for _, end := range ok {
			n := 0
			for _, a := range ok {
				if a.payer == end.payer && !a.at.After(end.at) && a.at.After(end.at.Add(-rules.VelocityWindow)) {
					n++
				}
			}
			if n > rules.VelocityMax {
				t.Fatalf("%s: %d approved payments in the %s up to %s (limit %d); plan %v", end.payer, n, rules.VelocityWindow, end.at.Format("15:04:05"), rules.VelocityMax, plan)
			}
		}
	})
}

// The audit reads the risk journal back from the server. Whatever the
// journal holds (one message a line here), Decisions fails when a message
// is no decision, and otherwise returns, for each payment, the last
// decision journalled for it.
func FuzzDecisions(f *testing.F) {
	a, _ := json.Marshal(Decision{Payment: "pi-1", Approved: true})
	b, _ := json.Marshal(Decision{Payment: "pi-1", Rule: RuleVelocity, Reason: "too many"})
	f.Add(append(append(a, '\n'), b...))
	f.Add([]byte("{\"payment\":\"pi-2\"}\nnot json"))
	f.Add([]byte("{}\n{\"payment\":7}"))
	f.Fuzz(func(t *testing.T, text []byte) {
		var msgs []logreadtest.Msg
		want := map[string]Decision{}
		bad := false
		for _, line := range bytes.Split(text, []byte("\n")) {
			if len(line) == 0 {
				continue
			}
			var d Decision
			if json.Unmarshal(line, &d) != nil {
				bad = true
			} else if !bad {
				want[d.Payment] = d
			}
			msgs = append(msgs, logreadtest.Msg{Subject: "x.risk.decided." + d.Payment, Data: line})
		}
		js := logreadtest.JetStream(map[string][]logreadtest.Msg{"RISK": msgs})
		got, err := Decisions(context.Background(), js, "RISK")
		if bad {
			if err == nil {
				t.Fatalf("%q: no error", text)
			}
			return
		}
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: %v, %v; want %v", text, got, err, want)
		}
	})
}
