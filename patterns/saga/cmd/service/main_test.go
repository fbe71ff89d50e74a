package main

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/kit/narrate"
)

func TestFlagsRefuseBadInput(t *testing.T) {
	for _, tt := range []struct {
		args []string
		flag string
	}{
		{[]string{"-nats", "nats://x:4222"}, "service"},
		{[]string{"-service", "billing", "-nats", "nats://x:4222"}, "service"},
		{[]string{"-service", "payment"}, "nats"},
		{[]string{"-service", "payment", "-nats", "nats://x:4222", "-prefix", "a.b"}, "prefix"},
		{[]string{"-service", "payment", "-nats", "nats://x:4222", "-ack-wait", "1ns"}, "ack-wait"},
		{[]string{"-service", "payment", "-nats", "nats://x:4222", "-fault-rate", "NaN"}, "fault-rate"},
		{[]string{"-service", "payment", "-nats", "nats://x:4222", "-orders", "-1"}, "orders"},
	} {
		c := config{prefix: "saga", ackWait: 5e9}
		err := flags(&c).Parse(tt.args)
		var ue *narrate.UsageError
		require.True(t, errors.As(err, &ue), "%v: got %v", tt.args, err)
		assert.Equal(t, tt.flag, ue.Flag, "%v: %v", tt.args, err)
	}
	c := config{prefix: "saga", ackWait: 5e9}
	require.NoError(t, flags(&c).Parse([]string{"-service", "payment", "-nats", "nats://x:4222", "-prefix", "ctr", "-orders", "40"}))
	assert.Equal(t, config{service: "payment", url: "nats://x:4222", prefix: "ctr", orders: 40, ackWait: 5e9}, c)
}
