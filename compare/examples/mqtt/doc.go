// Package mqtt shows MQTT 3.1.1 with QoS 1 through nats-server's MQTT
// listener, the broker the edge-iot pattern runs: a device publishes on an
// MQTT topic and a NATS subscriber reads it on the mapped subject.
package mqtt
