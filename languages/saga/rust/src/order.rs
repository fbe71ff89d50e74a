use lab::pcg::Pcg;

/// What the shop sells and the unit price in cents (patterns/saga's Catalog).
pub const CATALOG: [(&str, i64); 3] = [("lamp", 4000), ("desk", 12000), ("chair", 6500)];
/// Stock of each SKU when a run starts: no order fails for want of stock.
pub const INITIAL_STOCK: i64 = 1000;

/// One business transaction, and so one saga.
#[derive(Clone, Debug)]
pub struct Order {
    pub id: String,
    pub sku: &'static str,
    pub qty: i64,
    pub amount: i64,
}

impl Order {
    /// order-1..order-n drawn like Go's saga.NewOrders(n, seed).
    pub fn draw(n: usize, seed: u64) -> Vec<Order> {
        let mut rng = Pcg::new(seed, 0x5a6a);
        (1..=n)
            .map(|i| {
                let (sku, price) = CATALOG[rng.int_n(CATALOG.len())];
                let qty = 1 + rng.int_n(3) as i64;
                Order { id: format!("order-{i}"), sku, qty, amount: price * qty }
            })
            .collect()
    }

    pub fn what(&self) -> String {
        format!("{} x {} for {}", self.qty, self.sku, cents(self.amount))
    }
}

/// Money is never a float: cents printed as 12.34.
pub fn cents(c: i64) -> String {
    format!("{}.{:02}", c / 100, c % 100)
}
