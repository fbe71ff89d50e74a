package shop

import (
	"encoding/json"
	"testing"

	"github.com/nats-io/nats.go/micro"

	"github.com/patternlab/patternlab/patterns/saga/ledger"
)

// fakeRequest is a request to a service endpoint, keeping the answer.
type fakeRequest struct {
	micro.Request
	data    []byte
	answers int
	code    string // "" for a JSON answer
	answer  []byte
}

func (r *fakeRequest) Data() []byte { return r.data }

func (r *fakeRequest) Error(code, _ string, _ []byte, _ ...micro.RespondOpt) error {
	r.answers, r.code = r.answers+1, code
	return nil
}

func (r *fakeRequest) RespondJSON(v any, _ ...micro.RespondOpt) error {
	data, err := json.Marshal(v)
	r.answers, r.answer = r.answers+1, data
	return err
}

// checkBooks fails t when a service's counters say something no run of
// valid orders can: stock that is negative or not conserved, money charged
// or refunded below zero, more refunded than charged, negative shipments.
func checkBooks(t *testing.T, svc *Service, what string) {
	t.Helper()
	c := svc.Ledger.Snapshot().Counters
	for name, v := range c {
		if v < 0 {
			t.Fatalf("%s: counter %s of %s is %d", what, name, svc.Name, v)
		}
	}
	if svc.Name == Inventory {
		for _, item := range Catalog {
			if got := c[available(item.SKU)] + c[reserved(item.SKU)]; got != InitialStock {
				t.Fatalf("%s: %d units of %s exist, %d were stocked", what, got, item.SKU, InitialStock)
			}
		}
	}
	if c[refunded] > c[charged] {
		t.Fatalf("%s: refunded %d of %d charged", what, c[refunded], c[charged])
	}
}

// The step endpoints answer requests from Temporal activities, and anyone
// who reaches the endpoint's subject. Whatever the request, the endpoint
// answers exactly once: 400 without touching the ledger when the request is
// not the step's, else the step's result for the request's key or a
// decline or transient error; and the service's books stay possible.
func FuzzStepHandler(f *testing.F) {
	for _, s := range Steps {
		req, _ := json.Marshal(Request{Key: s.Key("order-1"), Order: Order{ID: "order-1", SKU: "lamp", Qty: 2, Amount: 8000}})
		f.Add(uint8(indexOf(s)), req)
	}
	f.Add(uint8(0), []byte(`{"key":{"saga":"order-2","step":"reserve"},"order":{"id":"order-1"}}`))
	f.Add(uint8(2), []byte(`not json`))
	f.Fuzz(func(t *testing.T, which uint8, data []byte) {
		step := Steps[int(which)%len(Steps)]
		svc, err := NewService(step.Service(), Options{})
		if err != nil {
			t.Fatal(err)
		}
		before, _ := json.Marshal(svc.Ledger.Snapshot())
		req := &fakeRequest{data: data}
		stepHandler(svc, step, nil)(req)
		if req.answers != 1 {
			t.Fatalf("%s request %q answered %d times", step, data, req.answers)
		}
		var r Request
		wellFormed := json.Unmarshal(data, &r) == nil && r.Order.ID != "" && r.Key == step.Key(r.Order.ID) && r.Order.Qty >= 1 && r.Order.Amount >= 0
		after, _ := json.Marshal(svc.Ledger.Snapshot())
		switch {
		case !wellFormed:
			if req.code != codeBadInput || string(after) != string(before) {
				t.Fatalf("%s request %q: code %q, ledger %s -> %s", step, data, req.code, before, after)
			}
			return
		case req.code == "":
			var res ledger.Result
			if err := json.Unmarshal(req.answer, &res); err != nil || res.Key != step.Key(r.Order.ID) {
				t.Fatalf("%s request %q answered %q (%v)", step, data, req.answer, err)
			}
		case req.code != codeDeclined && req.code != codeTransient:
			t.Fatalf("%s request %q: code %q", step, data, req.code)
		}
		checkBooks(t, svc, string(step)+" "+string(data))
	})
}

func indexOf(s Step) int {
	for i, x := range Steps {
		if x == s {
			return i
		}
	}
	return 0
}

// The settle endpoints decide a key whose caller stopped trying. Whatever
// the request, exactly one answer: 400 without touching the ledger unless
// it names this step, a saga and a reason; else the key's recorded entry.
func FuzzSettleHandler(f *testing.F) {
	for i, s := range Steps {
		req, _ := json.Marshal(SettleRequest{Key: s.Key("order-1"), Reason: "gave up after 3 attempts"})
		f.Add(uint8(i), req)
	}
	f.Add(uint8(0), []byte(`{"key":{"saga":"","step":"reserve"},"reason":"x"}`))
	f.Add(uint8(0), []byte(`{"key":{"saga":"a","step":"charge"},"reason":"x"}`))
	f.Add(uint8(0), []byte(`[]`))
	f.Fuzz(func(t *testing.T, which uint8, data []byte) {
		step := Steps[int(which)%len(Steps)]
		svc, err := NewService(step.Service(), Options{})
		if err != nil {
			t.Fatal(err)
		}
		before, _ := json.Marshal(svc.Ledger.Snapshot())
		req := &fakeRequest{data: data}
		settleHandler(svc, step)(req)
		if req.answers != 1 {
			t.Fatalf("%s settle %q answered %d times", step, data, req.answers)
		}
		var r SettleRequest
		wellFormed := json.Unmarshal(data, &r) == nil && r.Key.Step == string(step) && r.Key.Saga != "" && r.Reason != ""
		after, _ := json.Marshal(svc.Ledger.Snapshot())
		if !wellFormed {
			if req.code != codeBadInput || string(after) != string(before) {
				t.Fatalf("%s settle %q: code %q, ledger %s -> %s", step, data, req.code, before, after)
			}
			return
		}
		var e ledger.Entry
		if req.code != "" || json.Unmarshal(req.answer, &e) != nil {
			t.Fatalf("%s settle %q: code %q, answer %q", step, data, req.code, req.answer)
		}
		if got, ok := svc.Ledger.Snapshot().Entry(r.Key); !ok || got != e {
			t.Fatalf("%s settle %q answered %+v, the ledger holds %+v", step, data, e, got)
		}
		checkBooks(t, svc, string(step)+" settle "+string(data))
	})
}
