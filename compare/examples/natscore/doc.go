// Package natscore shows core NATS: subjects, fire-and-forget publish,
// request-reply, and no storage at all.
package natscore
