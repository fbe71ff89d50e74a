package cqrs

import "fmt"

// Cents is an amount of money in cents; integers, so sums are exact.
type Cents int64

// String formats cents as "1234.56" (negative amounts with a sign).
func (c Cents) String() string {
	sign, v := "", int64(c)
	if v < 0 {
		sign, v = "-", -v
	}
	return fmt.Sprintf("%s%d.%02d", sign, v/100, v%100)
}

// Signed formats a movement: "+12.00", "-3.50".
func (c Cents) Signed() string {
	if c >= 0 {
		return "+" + c.String()
	}
	return c.String()
}
