package cqrs

// metaCommandID is the event metadata key under which eventhorizon's
// FromCommand option records the ID of the command that produced the event.
const metaCommandID = "command_id"
