// Package quiz is the terminal quiz over the interview bank (make quiz): it
// asks a question, waits for Enter, shows the model answer, the follow-ups
// and where the lab shows it, and asks whether you knew it, keeping a score.
// It reads answers from any io.Reader, so it runs without a terminal.
package quiz

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/patternlab/patternlab/tools/internal/learn"
)

// Options choose the questions.
type Options struct {
	Pattern string // only questions about this pattern ("" for all)
	Level   string // only questions of this level ("" for all)
	N       int    // at most this many (0 for all)
	Seed    uint64 // order of the questions
	Lang    string // "en" or "zh"
}

// ErrNoQuestions is returned when the options select nothing.
var ErrNoQuestions = errors.New("no question matches")

// Select filters the bank by pattern and level, shuffles it by seed and
// keeps N.
func Select(bank []learn.Question, o Options) ([]learn.Question, error) {
	var patterns []string
	for _, q := range bank {
		for _, p := range q.Patterns {
			if !slices.Contains(patterns, p) {
				patterns = append(patterns, p)
			}
		}
	}
	slices.Sort(patterns)
	if o.Pattern != "" && !slices.Contains(patterns, o.Pattern) {
		return nil, fmt.Errorf("%w PATTERN=%s: the bank has questions on %s", ErrNoQuestions, o.Pattern, strings.Join(patterns, ", "))
	}
	if o.Level != "" && !slices.Contains([]string{"beginner", "intermediate", "advanced"}, o.Level) {
		return nil, fmt.Errorf("%w LEVEL=%s: want beginner, intermediate or advanced", ErrNoQuestions, o.Level)
	}
	var out []learn.Question
	for _, q := range bank {
		if (o.Pattern == "" || slices.Contains(q.Patterns, o.Pattern)) && (o.Level == "" || q.Level == o.Level) {
			out = append(out, q)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w PATTERN=%s LEVEL=%s", ErrNoQuestions, o.Pattern, o.Level)
	}
	rng := rand.New(rand.NewPCG(o.Seed, o.Seed^0x9e3779b97f4a7c15))
	rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	if o.N > 0 && o.N < len(out) {
		out = out[:o.N]
	}
	return out, nil
}

// Score is how a quiz went.
type Score struct {
	Asked  int
	Known  int
	Missed []string // ids of the questions answered "n", to review
	Quit   bool     // stopped early (q, or the input ended)
}

// Run asks each question on out, reading Enter and y/n/q from in.
func Run(in io.Reader, out io.Writer, qs []learn.Question, lang string) (Score, error) {
	sc := bufio.NewScanner(in)
	w := &errWriter{w: out}
	var s Score
	w.printf("%s\n\n", text(lang,
		fmt.Sprintf("patternlab quiz: %d questions. Enter shows the model answer; then y if you knew it, n if not; q quits.", len(qs)),
		fmt.Sprintf("patternlab 面试题自测：共 %d 题。按回车查看参考答案；答对输入 y，没答上输入 n；输入 q 退出。", len(qs))))
	for i, q := range qs {
		w.printf("[%d/%d] %s · %s\n", i+1, len(qs), strings.Join(q.Patterns, ", "), q.Level)
		w.printf("Q: %s\n", plain(pick(lang, q.Q, q.QZh)))
		w.printf("%s", text(lang, "(Enter for the answer) ", "（回车查看答案）"))
		line, ok := next(sc)
		if !ok || line == "q" {
			s.Quit = true
			break
		}
		w.printf("\nA: %s\n", plain(pick(lang, q.Answer, q.AnswerZh)))
		fus := q.Followups
		if lang == "zh" && len(q.FollowupsZh) == len(fus) {
			fus = q.FollowupsZh
		}
		if len(fus) > 0 {
			w.printf("%s\n", text(lang, "Follow-ups:", "追问："))
			for _, f := range fus {
				w.printf("  - %s\n", plain(f))
			}
		}
		for _, c := range q.Code {
			ref := learn.ParseCodeRef(c)
			w.printf("%s %s %s\n", text(lang, "Code:", "代码："), ref.File, ref.Symbol)
		}
		if q.Demo != "" {
			w.printf("%s %s\n", text(lang, "Try: ", "动手："), learn.ParseDemoRef(q.Demo).Command())
		}
		s.Asked++
		answered := false
		for !answered {
			w.printf("%s", text(lang, "Did you know it? [y/n/q] ", "答上了吗？[y/n/q] "))
			line, ok = next(sc)
			switch {
			case !ok || line == "q":
				s.Quit = true
				answered = true
			case line == "y" || line == "yes":
				s.Known++
				answered = true
			case line == "n" || line == "no" || line == "":
				s.Missed = append(s.Missed, q.ID)
				answered = true
			}
		}
		w.printf("\n")
		if s.Quit {
			break
		}
	}
	w.printf("%s\n", text(lang,
		fmt.Sprintf("Score: %d of %d known.", s.Known, s.Asked),
		fmt.Sprintf("得分：%d / %d。", s.Known, s.Asked)))
	if len(s.Missed) > 0 {
		w.printf("%s %s\n", text(lang, "To review:", "需要复习："), strings.Join(s.Missed, ", "))
	}
	if err := sc.Err(); err != nil {
		return s, err
	}
	return s, w.err
}

func next(sc *bufio.Scanner) (string, bool) {
	if !sc.Scan() {
		return "", false
	}
	return strings.ToLower(strings.TrimSpace(sc.Text())), true
}

func pick(lang, en, zh string) string {
	if lang == "zh" && zh != "" {
		return zh
	}
	return en
}

func text(lang, en, zh string) string { return pick(lang, en, zh) }

// plain drops the markdown emphasis a terminal would show as asterisks.
func plain(s string) string {
	return strings.TrimSpace(strings.NewReplacer("**", "", "__", "").Replace(s))
}

type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, args ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, args...)
	}
}
