package learn_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/tools/internal/learn"
	"github.com/patternlab/patternlab/tools/internal/repo"
	"github.com/patternlab/patternlab/tools/internal/scaffold"
	"github.com/patternlab/patternlab/tools/internal/testrepo"
)

// fixture is a checkout with two scaffolded patterns (sample-y needs
// sample-x first) and one valid record of every kind, in both languages.
func fixture(t *testing.T) *repo.Repo {
	t.Helper()
	r := testrepo.New(t)
	for _, name := range []string{"sample-x", "sample-y"} {
		_, err := scaffold.Write(r, name)
		require.NoError(t, err)
	}
	edit(t, r, "patterns/sample-y/pattern.yaml", "prerequisites: []", "prerequisites: [sample-x]")
	testrepo.Write(t, r.Root, "patterns/sample-x/errors.go", `package samplex

import "errors"

// ErrJammed is a condition callers branch on.
var ErrJammed = errors.New("the queue is jammed")
`)
	testrepo.Write(t, r.Root, learn.GlossaryFile, `terms:
  - id: process
    en: Process
    zh: 处理
    def: Hands every job to a handler until it succeeds.
    def_zh: 把每个任务交给处理函数，直到成功为止。
    code: patterns/sample-x/samplex.go#Process
    patterns: [sample-x]
    names: sample-x
  - id: report-handled
    en: handled count
    zh: 处理次数
    def: How many times a job was handled.
    def_zh: 每个任务被成功处理的次数。
    code: patterns/sample-x/samplex.go#Report.Handled
    patterns: [sample-x, sample-y]
`)
	testrepo.Write(t, r.Root, learn.PathsFile, `paths:
  - id: beginner
    title: Beginner
    title_zh: 入门
    level: beginner
    intro: Start here.
    intro_zh: 从这里开始。
    steps:
      - pattern: sample-x
        section: run-it
        read: what the demo prints
        read_zh: 演示打印什么
        try: -jobs 20 -fail-job=4
        exercise: Predict the attempts, run, compare.
        exercise_zh: 先预测尝试次数，再运行并对照。
      - pattern: sample-y
        section: definition-and-formal-model
        read: the model
        read_zh: 模型
        try: -jobs 5
        exercise: Predict, run, compare.
        exercise_zh: 预测、运行、对照。
  - id: fintech
    title: Fintech
    title_zh: 金融科技
    industry: fintech
    requires: [beginner]
    intro: After the beginner path.
    intro_zh: 学完入门路径之后。
    steps:
      - pattern: sample-y
        section: run-it
        read: again
        read_zh: 再读一遍
        try: -jobs 7
        exercise: Predict, run, compare.
        exercise_zh: 预测、运行、对照。
`)
	testrepo.Write(t, r.Root, learn.FAQFile, `entries:
  - id: why-retry
    patterns: [sample-x]
    q: Why retry?
    q_zh: 为什么要重试？
    a: Because handlers fail transiently.
    a_zh: 因为处理函数会出现暂时性失败。
    code: [patterns/sample-x/samplex.go#Handler]
    demo: sample-x -fail-job 2
    see: [patterns/sample-x.md#tests-and-fault-injection, learn/glossary.md#lab-term-process]
`)
	testrepo.Write(t, r.Root, learn.BankFile, `questions:
  - id: x-retry
    patterns: [sample-x]
    level: beginner
    q: What bounds the retries?
    q_zh: 什么限制了重试次数？
    answer: maxAttempts per job.
    answer_zh: 每个任务的 maxAttempts。
    followups:
      - What if a job never succeeds?
    followups_zh:
      - 如果某个任务永远不成功呢？
    code: [patterns/sample-x/samplex.go#Process]
    demo: sample-x -jobs 3
`)
	testrepo.Write(t, r.Root, learn.TroubleshootingFile, `topics:
  - id: ports
    title: Ports in use
    title_zh: 端口被占用
    body: Servers pick free ports.
    body_zh: 服务器会选择空闲端口。
    code: [patterns/sample-x/samplex.go#Report]
errors:
  - match: queue is jammed
    means: The queue stopped; restart it.
    means_zh: 队列卡住了，请重启。
`)
	for _, p := range learn.GeneratedPages {
		for _, dir := range []string{"docs", "docs-zh"} {
			testrepo.Write(t, r.Root, dir+"/"+p.Page, "# "+p.Name+"\n\n"+p.Marker()+"\n")
		}
	}
	return r
}

// demos are the fixture's demo flags, as their -h would print them.
var demos = learn.StaticDemos{
	"patterns/sample-x": learn.ParseUsage("Usage of demo:\n  -fail-job int\n    \tthe job whose first attempt fails (default 3)\n  -jobs int\n    \thow many jobs to handle (default 10)\n"),
	"patterns/sample-y": learn.ParseUsage("Usage of demo:\n  -jobs int\n    \thow many jobs to handle (default 10)\n  -v\tverbose\n"),
}

func edit(t *testing.T, r *repo.Repo, rel, old, new string) {
	t.Helper()
	data, err := r.Read(rel)
	require.NoError(t, err)
	require.Contains(t, string(data), old, "fixture %s", rel)
	testrepo.Write(t, r.Root, rel, strings.Replace(string(data), old, new, 1))
}

func check(t *testing.T, r *repo.Repo) []string {
	t.Helper()
	findings, err := learn.Check(r, demos)
	require.NoError(t, err)
	var out []string
	for _, f := range findings {
		out = append(out, f.String())
	}
	return out
}
