package clearing

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/patternlab/patternlab/industries/fintech/bank"
	"github.com/patternlab/patternlab/industries/fintech/internal/logread/logreadtest"
)

// fuzzLog turns fuzz text into a bank's log: one message a line,
// "<account>|<stored event>" (no "|": account acct-1).
func fuzzLog(l string, text []byte) []logreadtest.Msg {
	var out []logreadtest.Msg
	for _, line := range bytes.Split(text, []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		acct, data, ok := bytes.Cut(line, []byte("|"))
		if !ok {
			acct, data = []byte("acct-1"), line
		}
		out = append(out, logreadtest.Msg{Subject: l + ".Account." + string(acct), Data: data})
	}
	return out
}

// The witness reads each bank's log raw, as the server holds it: bytes any
// writer of the stream put there. Whatever the logs hold, Recompute does
// not fail or panic; per bank it books exactly the events up to the
// cut-off that decode, name the account their subject names and continue
// that account's versions 1, 2, 3..., and lists every other one as
// skipped; the balances are what those events moved; the positions sum to
// zero, and equal the books' positions when nothing broke.
func FuzzRecompute(f *testing.F) {
	ev := func(acct, typ string, v int, amount int64, ref string) string {
		b, _ := json.Marshal(map[string]any{"event_type": typ, "aggregate_id": acct, "version": v, "data": map[string]any{"amount": amount, "ref": ref}})
		return acct + "|" + string(b)
	}
	f.Add([]byte(strings.Join([]string{ev("a1", "AccountOpened", 1, 0, ""), ev("a1", "MoneyDeposited", 2, 500, bank.OpeningRef), ev("a1", "MoneyWithdrawn", 3, 100, "debit pi-1 bravo")}, "\n")),
		[]byte(ev("b1", "AccountOpened", 1, 0, "")+"\n"+ev("b1", "MoneyDeposited", 2, 100, "credit pi-1 alpha")), uint8(3), uint8(2))
	f.Add([]byte(ev("a1", "MoneyWithdrawn", 1, 100, "debit pi-2 bravo")+"\n"+ev("a1", "MoneyWithdrawn", 1, 100, "debit pi-2 bravo")),
		[]byte(ev("b1", "MoneyDeposited", 2, 100, "credit pi-2 alpha")), uint8(9), uint8(9))
	f.Add([]byte("a1|not json\nx|{\"aggregate_id\":\"a1\",\"version\":1}"), []byte(ev("b1", "MoneyDeposited", 1, -7, "credit-back pi-3 alpha")), uint8(1), uint8(0))
	f.Fuzz(func(t *testing.T, alpha, bravo []byte, cutA, cutB uint8) {
		job := Job{Cycle: "c1", Banks: []string{"alpha", "bravo"}, Stream: "BOOKS", Prefix: "books",
			Cutoff: map[string]uint64{"alpha": uint64(cutA), "bravo": uint64(cutB)}}
		streams := map[string][]logreadtest.Msg{}
		wantSkipped, wantBalance := 0, map[string]int64{}
		for name, text := range map[string][]byte{"alpha": alpha, "bravo": bravo} {
			l := bank.LogOf(name, job.Stream, job.Prefix)
			msgs := fuzzLog(l.Prefix, text)
			streams[l.Stream] = msgs
			versions := map[string]int{}
			for i, m := range msgs {
				if uint64(i+1) > job.Cutoff[name] {
					break
				}
				var e wireEvent
				if json.Unmarshal(m.Data, &e) != nil || e.AggregateID == "" || !strings.HasSuffix(m.Subject, "."+e.AggregateID) || e.Version != versions[e.AggregateID]+1 {
					wantSkipped++
					continue
				}
				versions[e.AggregateID] = e.Version
				switch e.EventType {
				case "MoneyDeposited":
					wantBalance[name] += e.Data.Amount
				case "MoneyWithdrawn":
					wantBalance[name] -= e.Data.Amount
				}
			}
		}
		w, err := Recompute(context.Background(), logreadtest.JetStream(streams), job)
		if err != nil {
			t.Fatalf("recompute: %v", err)
		}
		if len(w.Skipped) != wantSkipped || w.Balances["alpha"] != wantBalance["alpha"] || w.Balances["bravo"] != wantBalance["bravo"] {
			t.Fatalf("skipped %d (want %d), balances %v (want %v)", len(w.Skipped), wantSkipped, w.Balances, wantBalance)
		}
		var sum int64
		for _, p := range w.Settlement.Positions {
			sum += p
		}
		if sum != 0 {
			t.Fatalf("positions %v sum to %d", w.Settlement.Positions, sum)
		}
		if len(w.Settlement.Breaks) == 0 && !reflect.DeepEqual(w.Settlement.Positions, w.Settlement.BookPositions) {
			t.Fatalf("no break, yet positions %v and book positions %v differ", w.Settlement.Positions, w.Settlement.BookPositions)
		}
	})
}

// A resumed run reads its checkpoint files back. Whatever a file holds,
// readJSON fails or fills the value the bytes decode to; a missing file
// leaves it as it was.
func FuzzReadJSON(f *testing.F) {
	f.Add([]byte(`{"Cycle":"c1","Banks":["alpha"],"Positions":{"alpha":0}}`))
	f.Add([]byte(`{"Positions":{"alpha":"x"}}`))
	f.Add([]byte(`null`))
	f.Add([]byte{})
	dir := f.TempDir() // each fuzz worker is a process of its own
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, "checkpoint.json")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		var got, want Settlement
		err := readJSON(path, &got)
		if json.Unmarshal(data, &want) != nil {
			if err == nil || !strings.Contains(err.Error(), path) {
				t.Fatalf("%q read without an error naming the file: %v", data, err)
			}
			return
		}
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("%q read as %+v, %v", data, got, err)
		}
		keep := Settlement{Cycle: "kept"}
		if err := readJSON(filepath.Join(dir, "missing.json"), &keep); err != nil || keep.Cycle != "kept" {
			t.Fatalf("a missing file: %+v, %v", keep, err)
		}
	})
}
