package cqrs;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import lab.Flags;
import lab.Narrator;
import lab.Pcg;

/**
 * The event-sourced ledger demo in Java: seeded deposits and withdrawals,
 * tellers racing on the same account (optimistic concurrency refuses the
 * stale append), commands sent twice (the aggregate's command IDs absorb
 * them), and the balances projection rebuilt by replaying the log.
 *
 * <pre>java -cp classes cqrs.Main [-accounts 4] [-commands 60] [-seed 1] [-occ=false] [-dedupe=false] [-summary]</pre>
 */
public final class Main {
    static final List<String> NAMES = List.of("alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi");
    static final long OPENING = 10_000;
    static final int RACE_EVERY = 7, RESEND_EVERY = 5;
    public static final String INVARIANT = "every balance equals the client's books and never went below zero; each stream's versions"
            + " run 1..n; no command applied twice; the projection rebuilt by replay equals the live one";

    record Config(int accounts, int commands, long seed, boolean occ, boolean dedupe, boolean perturb) {
    }

    static final class Run {
        final Config cfg;
        final EventStore store;
        final Balances live = new Balances();
        final Map<String, Long> books = new LinkedHashMap<>();
        int accepted, refused, resent, absorbed, races, conflicts, rivalAccepted, rivalRefused;
        final List<String> violations = new ArrayList<>();

        Run(Config cfg) {
            this.cfg = cfg;
            store = new EventStore(cfg.occ());
            store.subscribe(live::project);
        }

        List<String> summary() {
            List<String> out = new ArrayList<>();
            out.add("cqrs seed=" + cfg.seed() + " accounts=" + cfg.accounts() + " commands=" + cfg.commands() + " occ=" + cfg.occ()
                    + " dedupe=" + cfg.dedupe());
            for (String name : books.keySet()) {
                Account a = store.load(name);
                out.add("account " + name + " version=" + a.version() + " balance=" + cents(a.balance()) + " books=" + cents(books.get(name)));
            }
            out.add("commands accepted=" + accepted + " refused=" + refused + " resent=" + resent + " absorbed=" + absorbed
                    + " races=" + races + " conflicts=" + conflicts + " rival-accepted=" + rivalAccepted + " rival-refused=" + rivalRefused
                    + " events=" + store.log().size());
            violations.forEach(v -> out.add("violation " + v));
            out.add("invariant " + (violations.isEmpty() ? "HELD" : "VIOLATED"));
            return out;
        }
    }

    static String cents(long c) {
        return (c < 0 ? "-" : "") + Math.abs(c) / 100 + "." + String.format("%02d", Math.abs(c) % 100);
    }

    static Run run(Config cfg, Narrator n) {
        Run r = new Run(cfg);
        Teller teller = new Teller(r.store, cfg.dedupe());
        Pcg rng = new Pcg(cfg.seed(), 0xe5e5);
        int[] ids = {0};
        java.util.function.Supplier<String> newId = () -> "cmd-" + (++ids[0]);
        List<String> accounts = NAMES.subList(0, cfg.accounts());
        for (String name : accounts) {
            teller.send(name, new Account.Open(newId.get(), name));
            teller.send(name, new Account.Deposit(newId.get(), OPENING));
            r.books.put(name, OPENING);
        }
        n.step("tellers", cfg.accounts() + " accounts opened with " + cents(OPENING) + " each");
        for (int i = 0; i < cfg.commands(); i++) {
            String acct = accounts.get(rng.intN(accounts.size()));
            Account.Command c = rng.intN(10) < 5 ? new Account.Deposit(newId.get(), 100 + rng.int64N(20_000))
                    : new Account.Withdraw(newId.get(), 100 + rng.int64N(30_000));
            boolean race = i % RACE_EVERY == RACE_EVERY - 1; // the race schedule
            if (cfg.perturb() && i == 0) {
                race = !race; // a changed schedule: the cross-language test must notice
            }
            Teller.Outcome o;
            if (race) {
                r.races++;
                Account loaded = r.store.load(acct);
                o = teller.send(loaded, acct, c, () -> {
                    long amount = Math.max(100, r.store.load(acct).balance() * 6 / 10);
                    Teller.Outcome rival = teller.send(acct, new Account.Withdraw(newId.get(), amount));
                    if (rival.accepted()) {
                        r.rivalAccepted++;
                        r.books.merge(acct, rival.delta(), Long::sum);
                    } else {
                        r.rivalRefused++;
                    }
                    n.fault("teller-2", "withdraws " + cents(amount) + " from " + acct + " between teller-1's load and append: "
                            + (rival.accepted() ? "accepted" : "refused, " + rival.refusal()));
                });
            } else {
                o = teller.send(acct, c);
            }
            r.conflicts += o.conflicts();
            if (o.accepted()) {
                r.accepted++;
                r.books.merge(acct, o.delta(), Long::sum);
            } else {
                r.refused++;
            }
            if (o.conflicts() > 0) {
                n.step("teller-1", acct + ": append refused (stale version), reloaded and decided again: "
                        + (o.accepted() ? "accepted" : "refused, " + o.refusal()));
            }
            if (i % RESEND_EVERY == RESEND_EVERY - 1) {
                r.resent++;
                // the client timed out and sent it again, same ID; it books a command once
                Teller.Outcome again = teller.send(acct, c);
                if (o.accepted() && !again.appended()) {
                    r.absorbed++;
                }
            }
        }
        verify(r);
        return r;
    }

    /** The invariant, checked from the log and the client's books, not from the aggregate's own fields. */
    static void verify(Run r) {
        List<Account.Event> log = r.store.log();
        Map<String, Integer> lastVersion = new HashMap<>();
        Map<String, Long> running = new HashMap<>();
        Set<String> commands = new HashSet<>(), stale = new HashSet<>();
        for (Account.Event e : log) {
            int want = lastVersion.getOrDefault(e.account(), 0) + 1;
            if (e.version() != want && stale.add(e.account())) {
                r.violations.add(e.account() + ": an event has version " + e.version() + " where " + want + " was due (stored on a stale state)");
            }
            lastVersion.put(e.account(), want);
            long bal = running.merge(e.account(), e.delta(), Long::sum);
            if (bal < 0) {
                r.violations.add(e.account() + ": balance went to " + cents(bal));
            }
            if (!commands.add(e.commandId())) {
                r.violations.add(e.account() + ": command " + e.commandId() + " applied twice");
            }
        }
        for (var b : r.books.entrySet()) {
            long balance = r.store.load(b.getKey()).balance();
            if (balance != b.getValue()) {
                r.violations.add(b.getKey() + ": balance " + cents(balance) + " but the client's books say " + cents(b.getValue()));
            }
        }
        if (!Balances.replay(log).equals(r.live)) {
            r.violations.add("the projection rebuilt by replay differs from the live one");
        }
    }

    public static void main(String[] args) {
        Config cfg;
        boolean summary;
        try {
            Flags f = new Flags(args, Set.of("occ", "dedupe", "summary", "perturb-schedule"));
            cfg = new Config((int) f.integer("accounts", 4, 1, NAMES.size()), (int) f.integer("commands", 60, 1, 100_000),
                    f.integer("seed", 1, 0, Long.MAX_VALUE), f.bool("occ", true), f.bool("dedupe", true), f.bool("perturb-schedule", false));
            summary = f.bool("summary", false);
            f.done();
        } catch (Flags.UsageError e) {
            System.err.println("usage: " + e.getMessage());
            System.exit(2);
            return;
        }
        if (summary) {
            Run r = run(cfg, Narrator.silent());
            r.summary().forEach(System.out::println);
            System.exit(r.violations.isEmpty() ? 0 : 1);
        }
        Narrator n = new Narrator(System.out);
        n.act("event-sourced ledger in Java: " + cfg.accounts() + " accounts, " + cfg.commands() + " commands, seed " + cfg.seed());
        if (!cfg.occ()) {
            n.step("lab", "optimistic concurrency OFF: a stale append lands (watch the invariant break)");
        }
        if (!cfg.dedupe()) {
            n.step("lab", "command de-duplication OFF: a command sent twice applies twice (watch the invariant break)");
        }
        Run r = run(cfg, n);
        n.act("verdict");
        r.summary().stream().filter(l -> l.startsWith("account ") || l.startsWith("commands ")).forEach(l -> n.step("ledger", l));
        n.check("races", r.races > 0 && (r.rivalAccepted == 0 || r.conflicts > 0 || !cfg.occ()),
                r.races + " races, " + r.conflicts + " stale appends refused and decided again");
        n.check("resends", r.resent > 0, r.resent + " commands sent twice, " + r.absorbed + " absorbed by their command ID");
        System.exit(n.invariant(INVARIANT, r.violations) ? 0 : 1);
    }
}
