package fintech

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	eh "github.com/looplab/eventhorizon"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	_ "modernc.org/sqlite"

	"github.com/patternlab/patternlab/industries/fintech/bank"
	"github.com/patternlab/patternlab/industries/fintech/clearing"
	"github.com/patternlab/patternlab/industries/fintech/payment"
	"github.com/patternlab/patternlab/industries/fintech/risk"
	"github.com/patternlab/patternlab/industries/fintech/traffic"
	"github.com/patternlab/patternlab/kit/labtest"
	"github.com/patternlab/patternlab/kit/narrate"
	"github.com/patternlab/patternlab/kit/temporaldev"
	"github.com/patternlab/patternlab/patterns/cqrs"
)

// BenchmarkDay runs the demo's whole day (every fault of its schedule
// included) on a larger traffic and reports the business act: payments per
// second from the first instruction sent to the last saga closed, and the
// time from an instruction stored on the server to its saga closed on
// Temporal. The banks send the day's instructions as fast as they can, so
// the latency includes the time an instruction waits in the intake's
// queue: it is the latency of a burst, not of an idle system.
func BenchmarkDay(b *testing.B) {
	requireTemporal(b)
	cfg := DefaultConfig()
	cfg.Payments = 500
	var stats dayStats
	for b.Loop() {
		var err error
		stats, err = runDay(context.Background(), narrate.New(io.Discard), cfg)
		require.NoError(b, err)
	}
	b.ReportMetric(float64(stats.Payments)/stats.Elapsed.Seconds(), "payments/s")
	reportLatency(b, stats.Latency)
}

// BenchmarkPayment prices one payment's transfer, in the same run, two
// ways, each with 16 payments in flight (the office's starters):
//
//   - saga: the payment saga on Temporal, its legs commands on two banks'
//     event-sourced books on JetStream, as the demo runs it (without the
//     intake and the risk service, which BenchmarkDay includes);
//   - sqlite-tx: the single-database baseline, one SQLite transaction per
//     payment (check the payer's balance, debit, credit, record the payment
//     ID, which a resend would collide with), on a file in WAL mode.
//
// The ratio of their ns/op is the price of distributing the books.
func BenchmarkPayment(b *testing.B) {
	b.Run("saga", benchSaga)
	b.Run("sqlite-tx", benchSQLite)
}

const inFlight = 16

// transfers runs b.N payments, inFlight at a time, and reports the rate and
// each one's latency.
func transfers(b *testing.B, pay func(ctx context.Context, i int) error) {
	ctx := context.Background()
	lat := make([]time.Duration, b.N)
	slots := make(chan struct{}, inFlight)
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	b.ResetTimer()
	for i := range b.N {
		slots <- struct{}{}
		wg.Go(func() {
			defer func() { <-slots }()
			start := time.Now()
			err := pay(ctx, i)
			lat[i] = time.Since(start)
			if err != nil {
				mu.Lock()
				first = cmpOr(first, err)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	require.NoError(b, first)
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "payments/s")
	slices.Sort(lat)
	reportLatency(b, lat)
}

func cmpOr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

func reportLatency(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	b.ReportMetric(ms(lat[len(lat)/2]), "p50-ms")
	b.ReportMetric(ms(lat[len(lat)*99/100]), "p99-ms")
}

// benchAccounts are the accounts the payment benchmarks move money
// between: payers at alpha, payees at bravo.
const benchAccounts = 32

func benchSaga(b *testing.B) {
	requireTemporal(b)
	ctx := context.Background()
	srv := labtest.NATS(b)
	js := labtest.JetStream(b, srv.ClientURL())
	books := map[string]*bank.Books{}
	for _, name := range []string{"alpha", "bravo"} {
		bk, err := bank.Open(ctx, js, name, bank.LogOf(name, "LEDGER", "fintech.ledger"), bank.Options{})
		require.NoError(b, err)
		books[name] = bk
		for i := range benchAccounts {
			require.NoError(b, bk.OpenAccount(ctx, fmt.Sprintf("%s-%04d", name, i), 1<<40))
		}
	}
	t, err := temporaldev.FromEnv(ctx, temporaldev.Options{})
	require.NoError(b, err)
	b.Cleanup(t.Close)
	tc, err := t.Dial(ctx)
	require.NoError(b, err)
	b.Cleanup(tc.Close)
	w := payment.NewWorker(tc, "fintech-bench", &payment.Activities{Banks: books})
	require.NoError(b, w.Start())
	b.Cleanup(w.Stop)
	run := fmt.Sprintf("%d", time.Now().UnixNano())
	pay := func(ctx context.Context, i int) error {
		id := fmt.Sprintf("bench-%s-%06d", run, i)
		in := payment.Input{
			Payment:  payment.Payment{ID: id, Instruction: benchInstruction(id, i)},
			Decision: risk.Decision{Payment: id, Approved: true},
		}
		r, err := tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: "fintech-bench"}, payment.PaymentSaga, in)
		if err != nil {
			return err
		}
		var res payment.Result
		if err := r.Get(ctx, &res); err != nil {
			return err
		}
		if res.Status != payment.Settled {
			return fmt.Errorf("%s: %s %s", id, res.Status, res.Reason)
		}
		return nil
	}
	// The first sagas on a fresh server pay for its task queue, the
	// worker's pollers and the streams' first pages: warm up, untimed, so
	// the measured payments are the steady state.
	for i := range 2 * inFlight {
		require.NoError(b, pay(ctx, -1-i))
	}
	transfers(b, pay)
}

func benchInstruction(id string, i int) traffic.Instruction {
	i = max(i, -i)
	return traffic.Instruction{
		ID: id, Time: traffic.CycleDate.Add(time.Duration(i) * time.Second), Currency: traffic.Currency, Amount: 100_00,
		Payer: fmt.Sprintf("alpha-%04d", i%benchAccounts), Payee: fmt.Sprintf("bravo-%04d", (i*7)%benchAccounts),
	}
}

// benchSQLite is the baseline: both banks' accounts in one database, a
// payment one transaction.
func benchSQLite(b *testing.B) {
	db, err := sql.Open("sqlite", filepath.Join(b.TempDir(), "books.db")+"?_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=busy_timeout(10000)")
	require.NoError(b, err)
	b.Cleanup(func() { _ = db.Close() })
	db.SetMaxOpenConns(1) // SQLite has one writer; the others queue here instead of in busy retries
	for _, q := range []string{
		`CREATE TABLE accounts (name TEXT PRIMARY KEY, balance INTEGER NOT NULL)`,
		`CREATE TABLE payments (id TEXT PRIMARY KEY, payer TEXT NOT NULL, payee TEXT NOT NULL, amount INTEGER NOT NULL)`,
	} {
		_, err := db.Exec(q)
		require.NoError(b, err)
	}
	for _, name := range []string{"alpha", "bravo"} {
		for i := range benchAccounts {
			_, err := db.Exec(`INSERT INTO accounts VALUES (?, ?)`, fmt.Sprintf("%s-%04d", name, i), int64(1<<40))
			require.NoError(b, err)
		}
	}
	run := fmt.Sprintf("%d", time.Now().UnixNano())
	transfers(b, func(ctx context.Context, i int) error {
		id := fmt.Sprintf("bench-%s-%06d", run, i)
		return sqlitePayment(ctx, db, benchInstruction(id, i))
	})
}

var errInsufficient = errors.New("insufficient funds")

func sqlitePayment(ctx context.Context, db *sql.DB, in traffic.Instruction) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	if _, err := tx.ExecContext(ctx, `INSERT INTO payments VALUES (?, ?, ?, ?)`, in.ID, in.Payer, in.Payee, in.Amount); err != nil {
		return err // a resend: the primary key refuses it
	}
	res, err := tx.ExecContext(ctx, `UPDATE accounts SET balance = balance - ? WHERE name = ? AND balance >= ?`, in.Amount, in.Payer, in.Amount)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return cmpOr(err, errInsufficient)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE accounts SET balance = balance + ? WHERE name = ?`, in.Amount, in.Payee); err != nil {
		return err
	}
	return tx.Commit()
}

// BenchmarkClearing times the end-of-day run over the books of 10k and
// 100k payments (4 banks, 400 accounts each): it reads every bank's log
// page by page, saves a checkpoint after each page and writes the
// settlement file. The books are written directly as each payment's two
// legs (the debit at the payer's bank, the credit at the payee's), in
// batches per account, untimed: the saga would take hours to write 100k.
func BenchmarkClearing(b *testing.B) {
	for _, payments := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("payments=%d", payments), func(b *testing.B) {
			ctx := context.Background()
			srv := labtest.NATS(b)
			js := labtest.JetStream(b, srv.ClientURL())
			banks := bankNames[:4]
			cutoff := writeLegs(b, ctx, js, banks, 400, payments)
			var events uint64
			for _, c := range cutoff {
				events += c
			}
			for b.Loop() {
				dir := b.TempDir()
				_, err := clearing.Run(ctx, js, clearing.Job{Cycle: "2026-01-01", Banks: banks, Stream: "LEDGER", Prefix: "fintech.ledger", Cutoff: cutoff, Dir: dir})
				require.NoError(b, err)
			}
			b.ReportMetric(float64(events)/(b.Elapsed().Seconds()/float64(b.N)), "events/s")
		})
	}
}

// writeLegs writes the legs of payments payments between random accounts
// of random banks and returns each bank's last sequence.
func writeLegs(b *testing.B, ctx context.Context, js jetstream.JetStream, banks []string, accounts, payments int) map[string]uint64 {
	type acct struct{ bank, name string }
	events := map[acct][]eh.Event{}
	at := time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC)
	for i := range payments {
		payer := acct{banks[i%len(banks)], ""}
		payee := acct{banks[(i*3+1)%len(banks)], ""}
		payer.name = fmt.Sprintf("%s-%04d", payer.bank, (i*7)%accounts)
		payee.name = fmt.Sprintf("%s-%04d", payee.bank, (i*13+5)%accounts)
		if payer == payee {
			payee.name = fmt.Sprintf("%s-%04d", payee.bank, ((i*13+5)%accounts+1)%accounts)
		}
		id := fmt.Sprintf("pi-%06d", i)
		amount := int64(1 + (i*7919)%250_000)
		leg := func(a acct, typ eh.EventType, ref string) {
			events[a] = append(events[a], eh.NewEvent(typ, &cqrs.MoneyMovedData{Amount: amount, Ref: ref}, at,
				eh.ForAggregate(cqrs.AccountType, bank.AccountID(a.name), len(events[a])+1)))
		}
		leg(payer, cqrs.MoneyWithdrawn, bank.Ref(bank.Debit, id, payee.bank))
		leg(payee, cqrs.MoneyDeposited, bank.Ref(bank.Credit, id, payer.bank))
	}
	stores := map[string]*cqrs.EventStore{}
	for _, name := range banks {
		s, err := cqrs.NewEventStore(ctx, js, bank.LogOf(name, "LEDGER", "fintech.ledger"))
		require.NoError(b, err)
		stores[name] = s
	}
	const batch = 500
	for a, evs := range events {
		for i := 0; i < len(evs); i += batch {
			require.NoError(b, stores[a.bank].Save(ctx, evs[i:min(i+batch, len(evs))], i))
		}
	}
	cutoff := map[string]uint64{}
	for _, name := range banks {
		s, err := js.Stream(ctx, bank.LogOf(name, "LEDGER", "fintech.ledger").Stream)
		require.NoError(b, err)
		info, err := s.Info(ctx)
		require.NoError(b, err)
		cutoff[name] = info.State.LastSeq
	}
	return cutoff
}

func requireTemporal(b *testing.B) {
	if err := temporaldev.Available(); err != nil {
		labtest.Missing(b, err.Error())
	}
}
