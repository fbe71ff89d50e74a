package cqrs;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The ledger's aggregate: it decides each command alone, from the state its
 * own events fold into, and remembers the IDs of the commands it applied so a
 * command sent again records nothing new. decide() never changes state;
 * apply() is one step of the fold (Go: cqrs.Account's HandleCommand and
 * ApplyEvent).
 */
public final class Account {
    /** What a teller asks for; the sender chooses the ID, and sending again means the same ID. */
    public sealed interface Command permits Open, Deposit, Withdraw {
        String id();
    }

    public record Open(String id, String owner) implements Command {
    }

    public record Deposit(String id, long amount) implements Command {
    }

    public record Withdraw(String id, long amount) implements Command {
    }

    /** What happened, as stored: the account's version after it and the command that caused it. */
    public record Event(String account, int version, String commandId, String type, long delta) {
    }

    /** A command the account refuses, for a business reason. */
    public static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;

        Refused(String reason) {
            super(reason);
        }
    }

    private final String id;
    private int version;
    private boolean opened;
    private long balance;
    private final Set<String> applied = new HashSet<>();

    public Account(String id) {
        this.id = id;
    }

    public int version() {
        return version;
    }

    public long balance() {
        return balance;
    }

    /** Decide: the events the command causes at this version; none when it was applied before. */
    public List<Event> decide(Command c, boolean dedupe) throws Refused {
        if (dedupe && applied.contains(c.id())) {
            return List.of(); // sent again: already in the history
        }
        int next = version + 1;
        if (c instanceof Open) { // Java 17: no pattern matching in switch yet
            if (opened) {
                throw new Refused("account already open");
            }
            return List.of(new Event(id, next, c.id(), "opened", 0));
        }
        if (c instanceof Deposit d) {
            check(d.amount());
            return List.of(new Event(id, next, c.id(), "deposited", d.amount()));
        }
        Withdraw w = (Withdraw) c;
        check(w.amount());
        if (w.amount() > balance) {
            throw new Refused("insufficient funds: withdraw " + w.amount() + " from " + balance);
        }
        return List.of(new Event(id, next, c.id(), "withdrawn", -w.amount()));
    }

    private void check(long amount) throws Refused {
        if (!opened) {
            throw new Refused("account not open");
        }
        if (amount <= 0) {
            throw new Refused("amount must be positive");
        }
    }

    /** Fold one event into the state. */
    public void apply(Event e) {
        if (e.type().equals("opened")) {
            opened = true;
        }
        balance += e.delta();
        version = e.version();
        applied.add(e.commandId());
    }
}
