module github.com/patternlab/patternlab/industries/manufacturing

go 1.26.8

require (
	github.com/eclipse/paho.mqtt.golang v1.5.1
	github.com/nats-io/nats.go v1.55.0
	github.com/patternlab/patternlab/kit v0.0.0
	github.com/patternlab/patternlab/patterns/backpressure v0.0.0-00010101000000-000000000000
	github.com/patternlab/patternlab/patterns/edge-iot v0.0.0
	github.com/stretchr/testify v1.12.1
	golang.org/x/sync v0.25.0
)

require (
	github.com/antithesishq/antithesis-sdk-go v0.8.0-default-no-op // indirect
	github.com/google/go-tpm v0.9.8 // indirect
	github.com/gorilla/websocket v1.5.3 // indirect
	github.com/klauspost/compress v1.20.3 // indirect
	github.com/minio/highwayhash v1.0.4 // indirect
	github.com/nats-io/jwt/v2 v2.8.2 // indirect
	github.com/nats-io/nats-server/v2 v2.15.2 // indirect
	github.com/nats-io/nkeys v0.4.16 // indirect
	github.com/nats-io/nuid v1.0.1 // indirect
	go.uber.org/goleak v1.3.0 // indirect
	go.yaml.in/yaml/v3 v3.0.5 // indirect
	golang.org/x/crypto v0.58.0 // indirect
	golang.org/x/net v0.60.0 // indirect
	golang.org/x/sys v0.49.0 // indirect
	golang.org/x/time v0.16.0 // indirect
)

replace (
	github.com/patternlab/patternlab/kit => ../../kit
	github.com/patternlab/patternlab/patterns/backpressure => ../../patterns/backpressure
	github.com/patternlab/patternlab/patterns/edge-iot => ../../patterns/edge-iot
	github.com/patternlab/patternlab/patterns/operator => ../../patterns/operator
)
