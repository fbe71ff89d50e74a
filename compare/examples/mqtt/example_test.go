package mqtt_test

import (
	"fmt"
	"net"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"

	"github.com/patternlab/patternlab/kit/natsembed"
)

// A device publishes with QoS 1: the broker's PUBACK means it holds the
// message. nats-server maps the MQTT topic plant/m1/telemetry to the NATS
// subject plant.m1.telemetry, so NATS services read what devices send.
func Example() {
	port, err := freePort()
	if err != nil {
		fmt.Println(err)
		return
	}
	srv, err := natsembed.Start(natsembed.Options{
		Name: "broker", // MQTT needs a server name and JetStream (sessions live there)
		Configure: func(o *server.Options) {
			o.MQTT.Host, o.MQTT.Port = "127.0.0.1", port
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Shutdown()
	nc, err := nats.Connect(srv.ClientURL())
	if err != nil {
		fmt.Println(err)
		return
	}
	defer nc.Close()
	sub, _ := nc.SubscribeSync("plant.*.telemetry")
	_ = nc.Flush()

	device := paho.NewClient(paho.NewClientOptions().
		AddBroker(fmt.Sprintf("tcp://127.0.0.1:%d", port)).
		SetClientID("m1").
		SetCleanSession(false)) // a persistent session: QoS 1 state survives a reconnect
	if t := device.Connect(); !t.WaitTimeout(5*time.Second) || t.Error() != nil {
		fmt.Println("connect:", t.Error())
		return
	}
	defer device.Disconnect(100)
	if t := device.Publish("plant/m1/telemetry", 1, false, `{"temp_mc":41250}`); !t.WaitTimeout(5*time.Second) || t.Error() != nil {
		fmt.Println("publish:", t.Error())
		return
	}
	fmt.Println("device m1: PUBACK received")

	msg, err := sub.NextMsg(5 * time.Second)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("NATS subscriber: %s %s\n", msg.Subject, msg.Data)
	// Output:
	// device m1: PUBACK received
	// NATS subscriber: plant.m1.telemetry {"temp_mc":41250}
}

// freePort asks the kernel for a free loopback port for the MQTT listener
// (nats-server reports no address for it when given port 0).
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
