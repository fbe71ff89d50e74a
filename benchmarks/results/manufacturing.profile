# Where the gateway's time goes: CPU profiles of BenchmarkGatewayThroughput, and the line
# controller's messages per reading counted from the edge server's connz
# (controller-msgs/reading, labtest.ConnMsgs), written by the commands below (not by make
# bench). The machine was shared: compare shares and the before/after pair, not seconds.

## Before: main at 708339e (the controller waits for each reading's stores before the next)
# uptime: load average: 4.00, 3.92, 4.24

$ go test -run '^$' -bench 'GatewayThroughput$' -benchtime 2x -cpuprofile cpu.out ./industries/manufacturing/
BenchmarkGatewayThroughput-2   	       2	3300916420 ns/op	      2804 readings/s
$ go tool pprof -top -cum -nodecount=22 cpu.out
Duration: 6.61s, Total samples = 3.76s (56.87%)
Showing nodes accounting for 1s, 26.60% of 3.76s total
Dropped 318 nodes (cum <= 0.02s)
Showing top 22 nodes out of 403
      flat  flat%   sum%        cum   cum%
         0     0%     0%      1.16s 30.85%  github.com/nats-io/nats-server/v2/server.(*Server).startGoRoutine.func1
     0.79s 21.01% 21.01%      0.79s 21.01%  internal/runtime/syscall/linux.Syscall6
         0     0% 21.01%      0.76s 20.21%  syscall.RawSyscall6
     0.01s  0.27% 21.28%      0.63s 16.76%  github.com/nats-io/nats-server/v2/server.(*stream).internalLoop
         0     0% 21.28%      0.62s 16.49%  syscall.Syscall
     0.02s  0.53% 21.81%      0.60s 15.96%  github.com/nats-io/nats-server/v2/server.(*client).readLoop
     0.01s  0.27% 22.07%      0.53s 14.10%  github.com/nats-io/nats%2ego.(*Conn).waitForMsgs
     0.05s  1.33% 23.40%      0.51s 13.56%  github.com/nats-io/nats-server/v2/server.(*client).parse
         0     0% 23.40%      0.48s 12.77%  github.com/nats-io/nats.go/jetstream.(*pullConsumer).Consume.func1
     0.03s   0.8% 24.20%      0.43s 11.44%  runtime.mallocgc
     0.05s  1.33% 25.53%      0.42s 11.17%  github.com/nats-io/nats-server/v2/server.(*client).flushOutbound
         0     0% 25.53%      0.42s 11.17%  github.com/nats-io/nats-server/v2/server.(*client).processInboundClientMsg
         0     0% 25.53%      0.42s 11.17%  github.com/nats-io/nats-server/v2/server.(*client).writeLoop
         0     0% 25.53%      0.40s 10.64%  github.com/nats-io/nats-server/v2/server.(*Server).createClientEx.func1
         0     0% 25.53%      0.39s 10.37%  github.com/nats-io/nats-server/v2/server.(*stream).processJetStreamMsg (inline)
     0.02s  0.53% 26.06%      0.39s 10.37%  github.com/nats-io/nats-server/v2/server.(*stream).processJetStreamMsgWithBatch
         0     0% 26.06%      0.33s  8.78%  github.com/patternlab/patternlab/industries/manufacturing/edge.(*Controller).Run.func1
         0     0% 26.06%      0.33s  8.78%  github.com/patternlab/patternlab/industries/manufacturing/edge.(*Controller).handle
         0     0% 26.06%      0.32s  8.51%  github.com/nats-io/nats-server/v2/server.(*Server).createClientEx.func2
     0.01s  0.27% 26.33%      0.31s  8.24%  internal/poll.ignoringEINTRIO (inline)
         0     0% 26.33%      0.28s  7.45%  net.(*Buffers).WriteTo
     0.01s  0.27% 26.60%      0.28s  7.45%  net.(*conn).writeBuffers
$ go tool pprof -top -cum -nodecount=400 cpu.out | grep -E 'Controller\)\.handle|mqttProcessPub|paho.*startOutgoingComms.func1|floor.*Interval.func1|Forwarder\)\.run|OEE\)\.handle|gcBgMarkWorker$'
         0     0% 26.06%      0.33s  8.78%  github.com/patternlab/patternlab/industries/manufacturing/edge.(*Controller).handle
         0     0% 35.64%      0.09s  2.39%  github.com/eclipse/paho%2emqtt%2egolang.startOutgoingComms.func1
         0     0% 42.29%      0.08s  2.13%  runtime.gcBgMarkWorker
     0.01s  0.27% 48.40%      0.07s  1.86%  github.com/nats-io/nats-server/v2/server.(*Server).mqttProcessPub
         0     0% 48.67%      0.07s  1.86%  github.com/patternlab/patternlab/industries/manufacturing/floor.(*Plant).Interval.func1
         0     0% 53.46%      0.06s  1.60%  github.com/patternlab/patternlab/industries/manufacturing/hub.(*OEE).handle
         0     0% 53.72%      0.06s  1.60%  github.com/patternlab/patternlab/patterns/edge-iot.(*Forwarder).run

# The committed ratios of that code (benchmarks/results/manufacturing.ratios.md at 708339e, run at commit b9bd4f8):
| `GatewayThroughput` | `AnchorInProcess` | readings/s | 621 | 24,580 | **54x** | 55x |  | 3 |
| `GatewayThroughput` | `AnchorNATSBench/js-pub-async-batch-32` | readings/s | 621 | 71,222 | **115x** | 117x |  | 3 |

# StopLatency before: the medians over three rounds in benchmarks/results/manufacturing.md at 708339e (run at commit b9bd4f8):
| benchmark | ns/op | readings/s | B/op | allocs/op | backlog | catchup-s | heap-peak-MiB | inflight-KiB | peak-inflight | p50-ms | p99-ms |
| `StopLatency/edge` | 20,669,202,718 |  | 292,297,144 | 1,381,383 |  |  |  |  |  | 5.95 | 25.1 |
| `StopLatency/hub-over-20ms-wan` | 20,489,371,634 |  | 346,932,776 | 3,689,536 |  |  |  |  |  | 369 | 553 |

## After: this branch (the controller's stores pipelined, up to 64 readings unsettled)
# at 889b07e, load average: 7.81, 7.48, 7.33

$ go test -run '^$' -bench 'GatewayThroughput$' -benchtime 2x -cpuprofile cpu.out ./industries/manufacturing/
BenchmarkGatewayThroughput-2   	       2	5823466788 ns/op	         6.006 controller-msgs/reading	      1332 readings/s	         3.320 undecided-%
$ go tool pprof -top -cum -nodecount=22 cpu.out
Duration: 11.66s, Total samples = 4.88s (41.86%)
Showing nodes accounting for 1.05s, 21.52% of 4.88s total
Dropped 498 nodes (cum <= 0.02s)
Showing top 22 nodes out of 346
      flat  flat%   sum%        cum   cum%
         0     0%     0%      1.42s 29.10%  github.com/nats-io/nats-server/v2/server.(*Server).startGoRoutine.func1
     0.01s   0.2%   0.2%      0.78s 15.98%  github.com/nats-io/nats-server/v2/server.(*stream).internalLoop
         0     0%   0.2%      0.76s 15.57%  github.com/nats-io/nats-server/v2/server.(*client).readLoop
     0.76s 15.57% 15.78%      0.76s 15.57%  internal/runtime/syscall/linux.Syscall6
     0.01s   0.2% 15.98%      0.74s 15.16%  syscall.RawSyscall6
     0.01s   0.2% 16.19%      0.69s 14.14%  github.com/nats-io/nats%2ego.(*Conn).waitForMsgs
     0.01s   0.2% 16.39%      0.62s 12.70%  github.com/nats-io/nats-server/v2/server.(*client).parse
         0     0% 16.39%      0.58s 11.89%  github.com/nats-io/nats.go/jetstream.(*pullConsumer).Consume.func1
         0     0% 16.39%      0.55s 11.27%  syscall.Syscall
     0.02s  0.41% 16.80%      0.53s 10.86%  runtime.mallocgc
     0.01s   0.2% 17.01%      0.46s  9.43%  github.com/nats-io/nats-server/v2/server.(*client).processInboundClientMsg
         0     0% 17.01%      0.44s  9.02%  github.com/nats-io/nats-server/v2/server.(*client).writeLoop
     0.07s  1.43% 18.44%      0.43s  8.81%  github.com/nats-io/nats-server/v2/server.(*client).flushOutbound
         0     0% 18.44%      0.43s  8.81%  github.com/nats-io/nats-server/v2/server.(*stream).processJetStreamMsg (inline)
     0.02s  0.41% 18.85%      0.43s  8.81%  github.com/nats-io/nats-server/v2/server.(*stream).processJetStreamMsgWithBatch
     0.05s  1.02% 19.88%      0.39s  7.99%  encoding/json.(*decodeState).object
         0     0% 19.88%      0.39s  7.99%  encoding/json.(*decodeState).unmarshal
     0.01s   0.2% 20.08%      0.39s  7.99%  encoding/json.(*decodeState).value
     0.05s  1.02% 21.11%      0.39s  7.99%  github.com/nats-io/nats-server/v2/server.(*client).processMsgResults
     0.01s   0.2% 21.31%      0.37s  7.58%  internal/poll.ignoringEINTRIO (inline)
         0     0% 21.31%      0.33s  6.76%  github.com/nats-io/nats-server/v2/server.(*Server).createClientEx.func1
     0.01s   0.2% 21.52%      0.33s  6.76%  runtime.systemstack
$ go tool pprof -top -cum -nodecount=400 cpu.out | grep -E 'Controller\)\.(handle|settle)|mqttProcessPub|paho.*startOutgoingComms.func1|floor.*Interval.func1|Forwarder\)\.run|OEE\)\.handle|gcBgMarkWorker$'
         0     0% 22.95%      0.24s  4.92%  github.com/patternlab/patternlab/industries/manufacturing/edge.(*Controller).handle
         0     0% 23.57%      0.20s  4.10%  github.com/eclipse/paho%2emqtt%2egolang.startOutgoingComms.func1
         0     0% 23.57%      0.19s  3.89%  github.com/patternlab/patternlab/industries/manufacturing/floor.(*Plant).Interval.func1
         0     0% 23.57%      0.18s  3.69%  github.com/patternlab/patternlab/industries/manufacturing/hub.(*OEE).handle
         0     0% 26.64%      0.14s  2.87%  runtime.gcBgMarkWorker
         0     0% 37.50%      0.10s  2.05%  github.com/nats-io/nats-server/v2/server.(*Server).mqttProcessPub
         0     0% 52.05%      0.06s  1.23%  github.com/patternlab/patternlab/patterns/edge-iot.(*Forwarder).run
         0     0% 60.86%      0.04s  0.82%  github.com/patternlab/patternlab/industries/manufacturing/edge.(*Controller).settle

## The pair: this branch's benchmark with edge/controller.go from 708339e (old) and from this branch (new), in turn
# load average: 9.07, 7.83, 7.46
$ git show 708339e:industries/manufacturing/edge/controller.go > edge/controller.go && go test -c -o old.test . && git checkout edge/controller.go && go test -c -o new.test .
$ ./old.test -test.run '^$' -test.bench 'GatewayThroughput$' -test.benchtime 1x
BenchmarkGatewayThroughput-2   	       1	11944831865 ns/op	         6.011 controller-msgs/reading	       642.4 readings/s	        68.80 undecided-%
$ ./new.test -test.run '^$' -test.bench 'GatewayThroughput$' -test.benchtime 1x
BenchmarkGatewayThroughput-2   	       1	7712643778 ns/op	         6.011 controller-msgs/reading	       955.5 readings/s	        31.50 undecided-%
$ ./old.test -test.run '^$' -test.bench 'GatewayThroughput$' -test.benchtime 1x
BenchmarkGatewayThroughput-2   	       1	4901640734 ns/op	         6.011 controller-msgs/reading	      1778 readings/s	        70.39 undecided-%
$ ./new.test -test.run '^$' -test.bench 'GatewayThroughput$' -test.benchtime 1x
BenchmarkGatewayThroughput-2   	       1	5218601589 ns/op	         6.011 controller-msgs/reading	      1614 readings/s	         5.500 undecided-%
$ ./old.test -test.run '^$' -test.bench 'GatewayThroughput$' -test.benchtime 1x
BenchmarkGatewayThroughput-2   	       1	13081387439 ns/op	         6.131 controller-msgs/reading	       568.4 readings/s	        68.03 undecided-%
$ ./new.test -test.run '^$' -test.bench 'GatewayThroughput$' -test.benchtime 1x
BenchmarkGatewayThroughput-2   	       1	3673569710 ns/op	         6.011 controller-msgs/reading	      2227 readings/s	         0.5000 undecided-%
