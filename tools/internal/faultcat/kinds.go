package faultcat

// Kind is a kind of fault a test injects.
type Kind struct {
	ID      string // what a tag and pattern.yaml write: "kill-9"
	En, Zh  string // the column heading in each edition
	Meaning string // what counts as this kind, for the page and the error messages
	MeanZh  string
}

// Kinds are the faults the catalog knows, in the matrix's column order.
var Kinds = []Kind{
	{"crash", "crash", "崩溃", "a process or server stops and starts again (in-process stop, container stop, restart)", "进程或服务器停止后再启动（进程内停止、容器停止、重启）"},
	{"kill-9", "kill -9", "kill -9", "a separate process is killed with SIGKILL, mid-work", "独立进程在工作中途被 SIGKILL 杀掉"},
	{"pause", "pause", "暂停", "a process is frozen (docker pause, a stalled consumer, a hung predecessor) and resumes", "进程被冻结（docker pause、停滞的消费者、挂起的前任）后恢复"},
	{"partition", "partition", "网络分区", "a node is cut off from its peers in a cluster and reconnected", "集群中的一个节点与其他节点断开后重新连接"},
	{"link-cut", "link cut", "链路中断", "the link between two sites (edge and hub) is cut and restored", "两个站点（边缘与中心）之间的链路被切断后恢复"},
	{"duplicate", "duplicate", "重复", "the same message, command or write arrives more than once", "同一条消息、命令或写入到达不止一次"},
	{"reorder", "reorder", "乱序", "messages arrive out of order or late", "消息乱序或迟到"},
	{"delay", "delay", "延迟", "a step, a store or a reply is slow, past a timeout or a deadline", "某一步、存储或应答变慢，超过超时或截止时间"},
	{"overload", "overload", "过载", "load beyond capacity: a fast producer, a spike, a full buffer", "超过容量的负载：过快的生产者、突发流量、满的缓冲区"},
	{"bad-input", "bad input", "错误输入", "malformed, foreign or hostile input: payloads, specs, messages", "格式错误、外来或恶意的输入：负载、spec、消息"},
	{"conflict", "conflict", "冲突", "concurrent writers race on the same version", "并发写入者在同一版本上竞争"},
	{"drift", "drift", "漂移", "what a controller owns is deleted or edited behind its back", "控制器所管理的对象在它背后被删除或修改"},
	{"failure", "failure", "失败", "a dependency answers with errors or is down, and comes back", "依赖返回错误或不可用，之后恢复"},
	{"loss", "loss", "丢失", "a message, an ack or a reply is lost on its way", "消息、确认或应答在途中丢失"},
}

// kindByID finds a kind.
func kindByID(id string) (Kind, bool) {
	for _, k := range Kinds {
		if k.ID == id {
			return k, true
		}
	}
	return Kind{}, false
}

// kindIDs lists the known kinds, for error messages.
func kindIDs() []string {
	out := make([]string, len(Kinds))
	for i, k := range Kinds {
		out[i] = k.ID
	}
	return out
}
