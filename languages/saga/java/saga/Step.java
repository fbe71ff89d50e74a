package saga;

/** The saga's local transactions: T1..T3 forward, C2 and C1 to undo them. */
public enum Step {
    RESERVE("inventory"), CHARGE("payment"), BOOK("shipping"), REFUND("payment"), RELEASE("inventory");

    /** The service that owns the step's state. */
    public final String service;

    Step(String service) {
        this.service = service;
    }

    public static final Step[] FORWARD = {RESERVE, CHARGE, BOOK};

    /** The step that undoes this one, or null: book is the pivot and needs none. */
    public Step compensation() {
        return switch (this) {
            case RESERVE -> RELEASE;
            case CHARGE -> REFUND;
            default -> null;
        };
    }

    @Override
    public String toString() {
        return name().toLowerCase();
    }

    /** One step of one saga: what every idempotency record is keyed by. */
    public record Key(String saga, Step step) {
        @Override
        public String toString() {
            return saga + "/" + step;
        }
    }
}
