package edgeiot

import (
	"fmt"
	"math/rand/v2"
)

// SensorConfig shapes what a simulated machine's sensor reports.
type SensorConfig struct {
	Seed           uint64
	MalformedShare float64 // share of payloads that are broken
	AnomalyShare   float64 // share of valid readings above LimitMC
	LimitMC        int64   // the alert limit anomalies exceed
	IntervalMS     int64   // device-clock step between readings
	EpochMS        int64   // the device clock at seq 0, before skew
	MaxSkewMS      int64   // the device clock is off by up to this, either way
}

// Payload is one MQTT message a device publishes, and what the simulator
// knows about it (the edge has to find out).
type Payload struct {
	Device  string
	Topic   string
	Body    []byte
	Key     string  // Reading.ID() when valid, else MalformedKey of the NATS subject
	Valid   bool    // a reading the edge must accept
	Reading Reading // when Valid
	Anomaly bool    // when Valid: above the alert limit
	Flaw    string  // when not Valid: how it is broken
}

// flaws are the ways a simulated payload is broken, each caught by a
// different rule of DecodeReading.
var flaws = []string{"truncated", "not-json", "wrong-type", "missing-field", "unknown-field", "out-of-range", "wrong-device"}

// sensor generates one device's payloads. Its random stream depends only on
// the seed and the device's index, so a seed replays the same fleet whatever
// the timing of the run.
type sensor struct {
	device string
	cfg    SensorConfig
	rng    *rand.Rand
	skew   int64
	seq    uint64
	tempMC int64
}

func newSensor(device string, index int, cfg SensorConfig) *sensor {
	rng := rand.New(rand.NewPCG(cfg.Seed, uint64(index)+1))
	skew := int64(0)
	if cfg.MaxSkewMS > 0 {
		skew = rng.Int64N(2*cfg.MaxSkewMS+1) - cfg.MaxSkewMS
	}
	return &sensor{device: device, cfg: cfg, rng: rng, skew: skew, tempMC: 40_000 + rng.Int64N(10_000)}
}

// next returns the device's next payload.
func (s *sensor) next() Payload {
	s.seq++
	// A random walk of ±0.3 °C per reading around a machine's working range.
	s.tempMC = min(max(s.tempMC+s.rng.Int64N(601)-300, 30_000), 70_000)
	r := Reading{
		Device: s.device,
		Seq:    s.seq,
		TS:     s.cfg.EpochMS + s.skew + int64(s.seq)*s.cfg.IntervalMS,
		TempMC: s.tempMC,
	}
	anomaly := s.rng.Float64() < s.cfg.AnomalyShare
	if anomaly {
		r.TempMC = s.cfg.LimitMC + 1_000 + s.rng.Int64N(10_000)
	}
	topic := TelemetryTopic(s.device)
	subject := "devices." + s.device + ".telemetry"
	if s.rng.Float64() < s.cfg.MalformedShare {
		flaw := flaws[s.rng.IntN(len(flaws))]
		body := breakReading(r, flaw)
		return Payload{Device: s.device, Topic: topic, Body: body, Key: MalformedKey(subject, body), Flaw: flaw}
	}
	return Payload{Device: s.device, Topic: topic, Body: r.Encode(), Key: r.ID(), Valid: true, Reading: r, Anomaly: anomaly}
}

// breakReading renders r broken in the given way. Every broken payload still
// carries the seq, so no two are the same bytes.
func breakReading(r Reading, flaw string) []byte {
	switch flaw {
	case "truncated":
		b := r.Encode()
		return b[:len(b)/2]
	case "not-json":
		return fmt.Appendf(nil, "\x00\x17 %s seq=%d temp=%d", r.Device, r.Seq, r.TempMC)
	case "wrong-type":
		return fmt.Appendf(nil, `{"device":%q,"seq":%d,"ts":%d,"temp_mc":"hot"}`, r.Device, r.Seq, r.TS)
	case "missing-field":
		return fmt.Appendf(nil, `{"device":%q,"seq":%d,"temp_mc":%d}`, r.Device, r.Seq, r.TempMC)
	case "unknown-field":
		return fmt.Appendf(nil, `{"device":%q,"seq":%d,"ts":%d,"temp_mc":%d,"humidity":40}`, r.Device, r.Seq, r.TS, r.TempMC)
	case "out-of-range":
		return fmt.Appendf(nil, `{"device":%q,"seq":%d,"ts":%d,"temp_mc":%d}`, r.Device, r.Seq, r.TS, 900_000+r.Seq)
	case "wrong-device":
		return fmt.Appendf(nil, `{"device":"%s-x","seq":%d,"ts":%d,"temp_mc":%d}`, r.Device, r.Seq, r.TS, r.TempMC)
	}
	panic("unknown flaw " + flaw)
}
