# Where the catch-up's time goes: CPU profiles of BenchmarkCatchUp on the LAN, and the
# forwarder's messages per reading counted from the edge server's connz
# (forwarder-msgs/reading, labtest.ConnMsgs), written by the commands below (not by make
# bench). The machine was shared: compare shares and the before/after pair, not seconds.

## Before: main at 708339e (the forwarder's Fetch of a full batch, FetchMaxWait 500 ms)
# uptime: load average: 4.37, 4.02, 4.26

$ go test -run '^$' -bench 'CatchUp/(after-outage|live)/lan$' -benchtime 2x -cpuprofile cpu.out ./patterns/edge-iot/
BenchmarkCatchUp/after-outage/lan-2         	       2	3423678012 ns/op	         0.7740 payload-MB/s	     13470 readings/s	       324.3 resume-ms
BenchmarkCatchUp/live/lan-2                 	       2	2479047900 ns/op	         0.4636 payload-MB/s	      8068 readings/s	         0 resume-ms
$ go tool pprof -top -cum -nodecount=22 cpu.out
Duration: 22.07s, Total samples = 10.60s (48.03%)
Showing nodes accounting for 0.65s, 6.13% of 10.60s total
Dropped 615 nodes (cum <= 0.05s)
Showing top 22 nodes out of 294
      flat  flat%   sum%        cum   cum%
         0     0%     0%      2.83s 26.70%  github.com/nats-io/nats-server/v2/server.(*Server).startGoRoutine.func1
     0.01s 0.094% 0.094%      2.42s 22.83%  github.com/nats-io/nats-server/v2/server.(*client).readLoop
     0.01s 0.094%  0.19%      2.37s 22.36%  github.com/nats-io/nats-server/v2/server.(*stream).internalLoop
     0.16s  1.51%  1.70%      2.36s 22.26%  github.com/nats-io/nats-server/v2/server.(*client).parse
         0     0%  1.70%      1.68s 15.85%  github.com/nats-io/nats-server/v2/server.(*client).processInboundClientMsg
         0     0%  1.70%      1.60s 15.09%  github.com/nats-io/nats-server/v2/server.(*Server).createClientEx.func1
         0     0%  1.70%      1.49s 14.06%  github.com/nats-io/nats-server/v2/server.(*stream).processJetStreamMsg (inline)
     0.04s  0.38%  2.08%      1.49s 14.06%  github.com/nats-io/nats-server/v2/server.(*stream).processJetStreamMsgWithBatch
     0.12s  1.13%  3.21%      1.43s 13.49%  runtime.mallocgc
     0.01s 0.094%  3.30%      1.32s 12.45%  runtime.systemstack
         0     0%  3.30%      1.27s 11.98%  github.com/nats-io/nats-server/v2/server.(*client).processInboundMsg
     0.15s  1.42%  4.72%      1.13s 10.66%  github.com/nats-io/nats-server/v2/server.(*client).processMsgResults
     0.01s 0.094%  4.81%      0.87s  8.21%  github.com/nats-io/nats-server/v2/server.(*msgBlock).writeMsgRecord
     0.07s  0.66%  5.47%      0.87s  8.21%  runtime.newobject
     0.01s 0.094%  5.57%      0.85s  8.02%  github.com/nats-io/nats%2ego.(*Conn).waitForMsgs
     0.03s  0.28%  5.85%      0.83s  7.83%  github.com/nats-io/nats-server/v2/server.(*msgBlock).writeMsgRecordLocked
     0.02s  0.19%  6.04%      0.83s  7.83%  github.com/nats-io/nats.go/jetstream.(*jetStream).handleAsyncReply
         0     0%  6.04%      0.82s  7.74%  github.com/nats-io/nats-server/v2/server.(*Server).createLeafNode.func2
         0     0%  6.04%      0.77s  7.26%  runtime.gcBgMarkWorker
         0     0%  6.04%      0.76s  7.17%  encoding/json.Unmarshal
         0     0%  6.04%      0.76s  7.17%  runtime.gcBgMarkWorker.func2
     0.01s 0.094%  6.13%      0.76s  7.17%  runtime.gcDrain
$ go tool pprof -top -cum -nodecount=400 cpu.out | grep -E 'Forwarder\)\.(run|forward|next)$|storeReadings|gcBgMarkWorker$|fileStore\)\.(StoreMsg|RemoveMsg)$|createLeafNode.func2'
         0     0%  6.04%      0.82s  7.74%  github.com/nats-io/nats-server/v2/server.(*Server).createLeafNode.func2
         0     0%  6.04%      0.77s  7.26%  runtime.gcBgMarkWorker
     0.02s  0.19%  7.83%      0.73s  6.89%  github.com/nats-io/nats-server/v2/server.(*fileStore).StoreMsg
         0     0%  7.83%      0.72s  6.79%  github.com/patternlab/patternlab/patterns/edge-iot.(*Forwarder).run
         0     0% 16.60%      0.67s  6.32%  github.com/patternlab/patternlab/patterns/edge-iot.(*Forwarder).forward
     0.02s  0.19% 17.92%      0.56s  5.28%  github.com/patternlab/patternlab/patterns/edge-iot.storeReadings
         0     0% 31.32%      0.29s  2.74%  github.com/nats-io/nats-server/v2/server.(*fileStore).RemoveMsg
     0.01s 0.094% 50.19%      0.16s  1.51%  github.com/patternlab/patternlab/patterns/edge-iot.storeReadings.func1

# The committed ratios of that code (benchmarks/results/edge-iot.ratios.md at 708339e, run at commit 74e80cf):
| `CatchUp/after-outage/lan` | `AnchorNATSBench/js-pub-async-batch-256` | readings/s | 3,324 | 61,823 | **16x** | 109x |  | 6 |
| `CatchUp/after-outage/lan` | `AnchorNATSBench/js-consume-batch-256` | readings/s | 3,324 | 73,037 | **22x** | 105x |  | 6 |
| `CatchUp/live/lan` | `AnchorNATSBench/js-pub-async-batch-256` | readings/s | 2,792 | 61,823 | **25x** | 38x |  | 6 |

## After: this branch (FetchNoWait of what the edge holds, a Fetch of 1 only when it holds nothing)
# at 889b07e, load average: 8.26, 7.58, 7.37

$ go test -run '^$' -bench 'CatchUp/(after-outage|live)/lan$' -benchtime 2x -cpuprofile cpu.out ./patterns/edge-iot/
BenchmarkCatchUp/after-outage/lan-2         	       2	3720380266 ns/op	         3.759 forwarder-msgs/reading	         0.5925 payload-MB/s	     10312 readings/s	       243.2 resume-ms
BenchmarkCatchUp/live/lan-2                 	       2	2384173814 ns/op	         3.880 forwarder-msgs/reading	         0.4820 payload-MB/s	      8389 readings/s	         0 resume-ms
$ go tool pprof -top -cum -nodecount=22 cpu.out
Duration: 22.65s, Total samples = 11.68s (51.57%)
Showing nodes accounting for 1s, 8.56% of 11.68s total
Dropped 683 nodes (cum <= 0.06s)
Showing top 22 nodes out of 305
      flat  flat%   sum%        cum   cum%
         0     0%     0%      3.16s 27.05%  github.com/nats-io/nats-server/v2/server.(*Server).startGoRoutine.func1
     0.07s   0.6%   0.6%      2.84s 24.32%  github.com/nats-io/nats-server/v2/server.(*stream).internalLoop
         0     0%   0.6%      2.49s 21.32%  github.com/nats-io/nats-server/v2/server.(*client).readLoop
     0.19s  1.63%  2.23%      2.37s 20.29%  github.com/nats-io/nats-server/v2/server.(*client).parse
     0.05s  0.43%  2.65%      1.70s 14.55%  github.com/nats-io/nats-server/v2/server.(*client).processInboundClientMsg
     0.12s  1.03%  3.68%      1.68s 14.38%  runtime.mallocgc
         0     0%  3.68%      1.66s 14.21%  github.com/nats-io/nats-server/v2/server.(*stream).processJetStreamMsg (inline)
     0.07s   0.6%  4.28%      1.66s 14.21%  github.com/nats-io/nats-server/v2/server.(*stream).processJetStreamMsgWithBatch
         0     0%  4.28%      1.54s 13.18%  github.com/nats-io/nats-server/v2/server.(*Server).createClientEx.func1
         0     0%  4.28%      1.24s 10.62%  runtime.systemstack
         0     0%  4.28%      1.13s  9.67%  github.com/nats-io/nats-server/v2/server.(*client).processInboundMsg
     0.09s  0.77%  5.05%      1.06s  9.08%  github.com/nats-io/nats-server/v2/server.(*client).processMsgResults
     0.01s 0.086%  5.14%         1s  8.56%  github.com/nats-io/nats%2ego.(*Conn).waitForMsgs
     0.03s  0.26%  5.39%      0.98s  8.39%  github.com/nats-io/nats.go/jetstream.(*jetStream).handleAsyncReply
         0     0%  5.39%      0.95s  8.13%  github.com/nats-io/nats-server/v2/server.(*Server).createLeafNode.func2
         0     0%  5.39%      0.87s  7.45%  github.com/nats-io/nats.go/jetstream.(*jetStream).PublishMsgAsync
     0.06s  0.51%  5.91%      0.80s  6.85%  github.com/nats-io/nats-server/v2/server.(*client).deliverMsg
     0.07s   0.6%  6.51%      0.80s  6.85%  runtime.newobject
     0.02s  0.17%  6.68%      0.78s  6.68%  encoding/json.Unmarshal
     0.04s  0.34%  7.02%      0.75s  6.42%  github.com/nats-io/nats.go/jetstream.(*jetStream).publishMsgAsync
     0.12s  1.03%  8.05%      0.75s  6.42%  runtime.mallocgcSmallScanNoHeader
     0.06s  0.51%  8.56%      0.72s  6.16%  github.com/nats-io/nats-server/v2/server.(*Account).selectMappedSubject
$ go tool pprof -top -cum -nodecount=400 cpu.out | grep -E 'Forwarder\)\.(run|forward|next)$|storeReadings|gcBgMarkWorker$|fileStore\)\.(StoreMsg|RemoveMsg)$|createLeafNode.func2'
         0     0%  5.39%      0.95s  8.13%  github.com/nats-io/nats-server/v2/server.(*Server).createLeafNode.func2
     0.03s  0.26% 15.33%      0.66s  5.65%  github.com/nats-io/nats-server/v2/server.(*fileStore).StoreMsg
         0     0% 15.33%      0.66s  5.65%  github.com/patternlab/patternlab/patterns/edge-iot.(*Forwarder).run
         0     0% 20.98%      0.63s  5.39%  github.com/patternlab/patternlab/patterns/edge-iot.(*Forwarder).forward
         0     0% 20.98%      0.60s  5.14%  github.com/patternlab/patternlab/patterns/edge-iot.storeReadings
         0     0% 20.98%      0.60s  5.14%  runtime.gcBgMarkWorker
         0     0% 42.12%      0.29s  2.48%  github.com/nats-io/nats-server/v2/server.(*fileStore).RemoveMsg
     0.01s 0.086% 56.16%      0.12s  1.03%  github.com/patternlab/patternlab/patterns/edge-iot.storeReadings.func1
