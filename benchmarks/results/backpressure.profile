# CPU profiles of the JetStream strategy, written by the commands below (not by make bench)
# 2026-12-01, commit 24e7d1c, uptime: load average: 21.13, 20.58, 20.67

$ go test -run '^$' -bench 'FlatOut/jetstream-pull$' -benchtime 2x -cpuprofile cpu.out ./patterns/backpressure/
BenchmarkFlatOut/jetstream-pull-2         	       2	2087668416 ns/op	      4888 msgs/s	        25.34 p99-ms	       152.0 peak-queue
$ go tool pprof -top -cum -nodecount=20 cpu.out
Duration: 4.28s, Total samples = 2.81s (65.70%)
Showing nodes accounting for 0.91s, 32.38% of 2.81s total
Dropped 208 nodes (cum <= 0.01s)
Showing top 20 nodes out of 246
      flat  flat%   sum%        cum   cum%
     0.84s 29.89% 29.89%      0.84s 29.89%  internal/runtime/syscall/linux.Syscall6
     0.01s  0.36% 30.25%      0.82s 29.18%  syscall.Syscall
         0     0% 30.25%      0.80s 28.47%  syscall.RawSyscall6
         0     0% 30.25%      0.72s 25.62%  github.com/nats-io/nats-server/v2/server.(*Server).startGoRoutine.func1
         0     0% 30.25%      0.56s 19.93%  internal/poll.ignoringEINTRIO (inline)
         0     0% 30.25%      0.42s 14.95%  github.com/nats-io/nats-server/v2/server.(*stream).internalLoop
         0     0% 30.25%      0.37s 13.17%  github.com/nats-io/nats%2ego.(*Conn).flusher
     0.02s  0.71% 30.96%      0.36s 12.81%  github.com/nats-io/nats%2ego.(*natsWriter).flush
         0     0% 30.96%      0.36s 12.81%  github.com/patternlab/patternlab/patterns/backpressure.Run.func2
         0     0% 30.96%      0.36s 12.81%  golang.org/x/sync/errgroup.(*Group).Go.func1
         0     0% 30.96%      0.35s 12.46%  github.com/patternlab/patternlab/patterns/backpressure.produce
         0     0% 30.96%      0.34s 12.10%  github.com/nats-io/nats%2ego.(*timeoutWriter).Write
         0     0% 30.96%      0.34s 12.10%  github.com/nats-io/nats-server/v2/server.(*Server).createClientEx.func1
         0     0% 30.96%      0.34s 12.10%  github.com/nats-io/nats-server/v2/server.(*Server).createClientEx.func2
         0     0% 30.96%      0.34s 12.10%  github.com/nats-io/nats-server/v2/server.(*client).readLoop
         0     0% 30.96%      0.34s 12.10%  github.com/nats-io/nats-server/v2/server.(*client).writeLoop
     0.01s  0.36% 31.32%      0.33s 11.74%  internal/poll.(*FD).Read
         0     0% 31.32%      0.33s 11.74%  net.(*conn).Read
         0     0% 31.32%      0.33s 11.74%  net.(*netFD).Read
     0.03s  1.07% 32.38%      0.32s 11.39%  github.com/nats-io/nats-server/v2/server.(*client).flushOutbound
$ go tool pprof -top -cum -focus 'patterns/backpressure\.\(\*Worker\)\.handle' cpu.out | head -1 (the module's consumer code)
Showing nodes accounting for 0.05s, 1.78% of 2.81s total

$ go test -run '^$' -bench 'Consume/pull-batch-64$' -benchtime 2x -cpuprofile cpu.out ./patterns/backpressure/
BenchmarkConsume/pull-batch-64-2         	       2	 471408594 ns/op	     22229 msgs/s
$ go tool pprof -top -cum -nodecount=20 cpu.out
Duration: 2.35s, Total samples = 890ms (37.87%)
Showing nodes accounting for 60ms, 6.74% of 890ms total
Showing top 20 nodes out of 341
      flat  flat%   sum%        cum   cum%
      10ms  1.12%  1.12%      200ms 22.47%  runtime.mallocgc
      10ms  1.12%  2.25%      190ms 21.35%  runtime.systemstack
         0     0%  2.25%      180ms 20.22%  github.com/nats-io/nats-server/v2/server.(*Server).startGoRoutine.func1
         0     0%  2.25%      150ms 16.85%  github.com/nats-io/nats-server/v2/server.(*client).processInboundClientMsg
         0     0%  2.25%      130ms 14.61%  github.com/nats-io/nats-server/v2/server.(*Server).createClientEx.func1
         0     0%  2.25%      130ms 14.61%  github.com/nats-io/nats-server/v2/server.(*client).readLoop
         0     0%  2.25%      120ms 13.48%  github.com/nats-io/nats-server/v2/server.(*stream).internalLoop
      10ms  1.12%  3.37%      110ms 12.36%  github.com/nats-io/nats-server/v2/server.(*client).parse
         0     0%  3.37%      100ms 11.24%  github.com/nats-io/nats-server/v2/server.(*client).processInboundMsg
      10ms  1.12%  4.49%      100ms 11.24%  runtime.newobject
         0     0%  4.49%       90ms 10.11%  runtime.gcBgMarkWorker
         0     0%  4.49%       80ms  8.99%  github.com/nats-io/nats%2ego.(*Conn).readLoop
         0     0%  4.49%       80ms  8.99%  github.com/nats-io/nats-server/v2/server.(*consumer).processInboundAcks
         0     0%  4.49%       80ms  8.99%  github.com/nats-io/nats-server/v2/server.(*consumer).setLeader.func3
      10ms  1.12%  5.62%       80ms  8.99%  runtime.(*mcache).nextFree
         0     0%  5.62%       80ms  8.99%  runtime.gcBgMarkWorker.func2
      10ms  1.12%  6.74%       80ms  8.99%  runtime.gcDrain
         0     0%  6.74%       80ms  8.99%  runtime.mallocgcSmallScanNoHeader
         0     0%  6.74%       80ms  8.99%  testing.(*B).run1.func1
         0     0%  6.74%       80ms  8.99%  testing.(*B).runN
$ go tool pprof -top -cum -focus 'patterns/backpressure\.\(\*Worker\)\.handle' cpu.out | head -1 (the module's consumer code)
Showing nodes accounting for 0, 0% of 890ms total
