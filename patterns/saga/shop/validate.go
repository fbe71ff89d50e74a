package shop

import "fmt"

// Check refuses an order no step may run: one without an ID, a quantity
// below 1 (a reservation of -5 lamps adds 5 to the stock and leaves -5
// reserved) or a negative amount (a charge that pays out). Decoders of
// requests and events call it; orders made by NewOrders always pass.
func (o Order) Check() error {
	switch {
	case o.ID == "":
		return fmt.Errorf("order without an ID")
	case o.Qty < 1:
		return fmt.Errorf("order %s for %d units", o.ID, o.Qty)
	case o.Amount < 0:
		return fmt.Errorf("order %s for %s", o.ID, o.Amount)
	}
	return nil
}
