package quiz_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/tools/internal/learn"
	"github.com/patternlab/patternlab/tools/internal/quiz"
	"github.com/patternlab/patternlab/tools/internal/repo"
)

var bank = []learn.Question{
	{ID: "a", Patterns: []string{"saga"}, Level: "beginner", Q: "Why a pivot?", QZh: "为什么要有关键转折事务？",
		Answer: "Because **nothing** after it fails.", AnswerZh: "因为它之后不会再失败。",
		Followups: []string{"And the e-mail?"}, FollowupsZh: []string{"那邮件呢？"},
		Links: learn.Links{Code: []string{"patterns/saga/step.go#Book"}, Demo: "saga -temporal memory"}},
	{ID: "b", Patterns: []string{"saga", "cqrs"}, Level: "advanced", Q: "Design payments.", Answer: "Keys everywhere."},
	{ID: "c", Patterns: []string{"cqrs"}, Level: "intermediate", Q: "Two writers?", Answer: "One wins."},
}

func ids(qs []learn.Question) string {
	var s []string
	for _, q := range qs {
		s = append(s, q.ID)
	}
	return strings.Join(s, ",")
}

func TestSelectFiltersByPatternAndLevel(t *testing.T) {
	qs, err := quiz.Select(bank, quiz.Options{Pattern: "saga", Seed: 1})
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"a", "b"}, strings.Split(ids(qs), ","))
	qs, err = quiz.Select(bank, quiz.Options{Pattern: "cqrs", Level: "advanced", Seed: 1})
	require.NoError(t, err)
	assert.Equal(t, "b", ids(qs))
	qs, err = quiz.Select(bank, quiz.Options{N: 2, Seed: 7})
	require.NoError(t, err)
	assert.Len(t, qs, 2)
	again, _ := quiz.Select(bank, quiz.Options{N: 2, Seed: 7})
	assert.Equal(t, ids(qs), ids(again), "the same seed asks in the same order")

	_, err = quiz.Select(bank, quiz.Options{Pattern: "operator"})
	assert.ErrorIs(t, err, quiz.ErrNoQuestions)
	assert.ErrorContains(t, err, "cqrs, saga", "says which patterns exist")
	_, err = quiz.Select(bank, quiz.Options{Level: "expert"})
	assert.ErrorIs(t, err, quiz.ErrNoQuestions)
	_, err = quiz.Select(bank, quiz.Options{Pattern: "cqrs", Level: "beginner"})
	assert.ErrorIs(t, err, quiz.ErrNoQuestions)
}

// The quiz reads a reader, so it is played here with no terminal: Enter,
// then y, n or q.
func TestRunAsksShowsTheAnswerAndKeepsScore(t *testing.T) {
	var out bytes.Buffer
	in := strings.NewReader("\ny\n\nmaybe\nn\n\n\n")
	score, err := quiz.Run(in, &out, bank, "en")
	require.NoError(t, err)
	assert.Equal(t, quiz.Score{Asked: 3, Known: 1, Missed: []string{"b", "c"}}, score, "an empty answer counts as not known")
	text := out.String()
	for _, want := range []string{
		"patternlab quiz: 3 questions.",
		"[1/3] saga · beginner\nQ: Why a pivot?\n(Enter for the answer) \nA: Because nothing after it fails.\n",
		"Follow-ups:\n  - And the e-mail?\n",
		"Code: patterns/saga/step.go Book\n",
		"Try:  make demo P=saga ARGS='-temporal memory'\n",
		"[2/3] saga, cqrs · advanced",
		"Did you know it? [y/n/q] Did you know it? [y/n/q] ", // "maybe" asks again
		"Score: 1 of 3 known.\nTo review: b, c\n",
	} {
		assert.Contains(t, text, want)
	}
}

func TestRunStopsOnQuitOrEndOfInput(t *testing.T) {
	var out bytes.Buffer
	score, err := quiz.Run(strings.NewReader("\ny\nq\n"), &out, bank, "en")
	require.NoError(t, err)
	assert.Equal(t, quiz.Score{Asked: 1, Known: 1, Quit: true}, score)
	assert.Contains(t, out.String(), "Score: 1 of 1 known.")

	out.Reset()
	score, err = quiz.Run(strings.NewReader("\n"), &out, bank, "en")
	require.NoError(t, err)
	assert.Equal(t, quiz.Score{Asked: 1, Quit: true}, score, "the input ended before the y/n")
	assert.Contains(t, out.String(), "Score: 0 of 1 known.")
}

func TestRunInChinese(t *testing.T) {
	var out bytes.Buffer
	_, err := quiz.Run(strings.NewReader("\ny\n"), &out, bank[:1], "zh")
	require.NoError(t, err)
	for _, want := range []string{"共 1 题", "Q: 为什么要有关键转折事务？", "A: 因为它之后不会再失败。", "追问：\n  - 那邮件呢？", "得分：1 / 1。"} {
		assert.Contains(t, out.String(), want)
	}
}

// make quiz reads the real bank; every pattern and level it has can be asked.
func TestTheBankCanBeQuizzed(t *testing.T) {
	r, err := repo.Find(".")
	require.NoError(t, err)
	d, err := learn.Load(r)
	require.NoError(t, err)
	for _, level := range []string{"beginner", "intermediate", "advanced"} {
		qs, err := quiz.Select(d.Bank.Questions, quiz.Options{Level: level, N: 3, Seed: 1})
		require.NoError(t, err, level)
		var out bytes.Buffer
		score, err := quiz.Run(strings.NewReader(strings.Repeat("\ny\n", 3)), &out, qs, "zh")
		require.NoError(t, err)
		assert.Equal(t, 3, score.Known)
	}
}
