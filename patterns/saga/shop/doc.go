// Package shop is what both styles of the saga share: the business. An order
// goes through three services, each with its own ledger (inventory reserves
// stock, payment charges, shipping books the shipment), under a seeded fault
// schedule; Verify checks the invariant from the services' own state. The
// services answer NATS requests (the orchestrated saga's activities call
// them) and react to events (the choreographed saga's participants run
// them); the business rules are the same code either way.
package shop
