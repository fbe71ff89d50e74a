package saga;

import java.util.ArrayList;
import java.util.List;
import lab.Pcg;

/** One business transaction, and so one saga: reserve qty of sku, charge amount, book a shipment. */
public record Order(String id, String sku, int qty, long amount) {
    /** What the shop sells, and the unit price in cents (patterns/saga's Catalog). */
    public static final List<String> SKUS = List.of("lamp", "desk", "chair");
    public static final long[] PRICES = {4000, 12000, 6500};
    /** Stock of each SKU when a run starts: no order fails for want of stock. */
    public static final long INITIAL_STOCK = 1000;

    /** order-1..order-n drawn like Go's saga.NewOrders(n, seed): same seed, same orders. */
    public static List<Order> draw(int n, long seed) {
        Pcg rng = new Pcg(seed, 0x5a6a);
        List<Order> orders = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int item = rng.intN(SKUS.size());
            int qty = 1 + rng.intN(3);
            orders.add(new Order("order-" + (i + 1), SKUS.get(item), qty, PRICES[item] * qty));
        }
        return orders;
    }

    public String what() {
        return qty + " x " + sku + " for " + cents(amount);
    }

    /** Money is never a float: cents printed as 12.34. */
    public static String cents(long c) {
        return String.format("%d.%02d", c / 100, c % 100);
    }
}
