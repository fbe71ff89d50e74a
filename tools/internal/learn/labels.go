package learn

import "fmt"

// Languages the site is built in: "en" (mkdocs.yml) and "zh" (mkdocs.zh.yml).
var Languages = []string{"en", "zh"}

// labels are the words the generated pages use, in each language.
var labels = map[string][2]string{
	"related":         {"Related", "相关内容"},
	"chinese-name":    {"Chinese name", "英文名"},
	"learn-first":     {"Learn first", "先修"},
	"needed-by":       {"Learn next (it needs this)", "后续（以本章为先修）"},
	"related-to":      {"Related", "相关"},
	"alternatives":    {"Alternatives (contrasts with)", "替代方案（对比）"},
	"built-from":      {"Built from", "组成部分"},
	"used-by":         {"Used by", "被以下模块使用"},
	"industries":      {"Industries", "行业"},
	"paths":           {"Learning paths", "学习路径"},
	"graph":           {"Knowledge graph", "知识图谱"},
	"graph-link":      {"where this chapter stands in the map", "本章在知识图谱中的位置"},
	"terms":           {"Terms", "术语"},
	"faq":             {"FAQ", "常见问题"},
	"interview":       {"Interview questions", "面试题"},
	"term":            {"Term", "术语"},
	"zh":              {"中文", "English"},
	"definition":      {"Definition", "释义"},
	"in-code":         {"In the code", "代码"},
	"code":            {"Code", "代码"},
	"try":             {"Try", "动手"},
	"see":             {"See", "参见"},
	"chapters":        {"Chapters", "章节"},
	"model-answer":    {"Model answer", "参考答案"},
	"followups":       {"Follow-ups", "追问"},
	"level":           {"Level", "难度"},
	"patterns":        {"Patterns", "模式"},
	"seed":            {"from the seed's list", "源自原始大纲"},
	"read":            {"Read", "阅读"},
	"run":             {"Run", "运行"},
	"exercise":        {"Exercise", "练习"},
	"assumes":         {"Assumes", "前置路径"},
	"capstone":        {"Capstone", "综合案例"},
	"none":            {"none", "无"},
	"message":         {"Message (as written in the code)", "错误信息（代码原文）"},
	"kind":            {"Kind", "类别"},
	"where":           {"Where", "位置"},
	"means":           {"What it means, what to do", "含义与处理"},
	"errors":          {"Every error message of the demos and the kit", "演示程序与 kit 的全部错误信息"},
	"english-chapter": {"English chapter", "英文章节"},
	"edges":           {"Every link of the map", "图谱中的全部关系"},
	"from":            {"From", "起点"},
	"to":              {"To", "终点"},
	"relation":        {"Relation", "关系"},
	"filter-pattern":  {"Pattern", "模式"},
	"filter-level":    {"Level", "难度"},
	"filter-all":      {"all", "全部"},
	"shown":           {"questions shown", "道题目"},

	"edge:" + EdgePrerequisite: {"learn first", "先修"},
	"edge:" + EdgeRelated:      {"related", "相关"},
	"edge:" + EdgeComposes:     {"built from", "组成"},
	"edge:" + EdgeContrasts:    {"contrasts with", "对比"},
	"edge:" + EdgeIndustry:     {"used in", "应用于"},

	"group:patterns":   {"Patterns", "模式"},
	"group:industries": {"Industry cases", "行业案例"},
	"group:industry":   {"Industries", "行业"},

	"beginner":     {"beginner", "入门"},
	"intermediate": {"intermediate", "进阶"},
	"advanced":     {"advanced", "高阶"},

	KindUsage:    {"usage (exit 2)", "用法错误（退出码 2）"},
	KindSentinel: {"sentinel", "哨兵错误"},
	KindTyped:    {"error type", "错误类型"},
	KindError:    {"error", "错误"},

	"usage-means": {
		"A flag value is out of range or malformed; the message names the flag and what it accepts. Nothing ran; the demo exits with status 2.",
		"某个参数的取值超出范围或格式不对；信息里写明了是哪个参数、允许什么取值。演示尚未运行，退出码为 2。",
	},
	"error-means": {
		"Printed as `[demo] error: …` with the context the callers add; the demo exits with status 1. Read it with the lines just before it.",
		"以 `[demo] error: …` 的形式打印，前面带有调用方补充的上下文；演示以退出码 1 结束。请结合它前面几行输出一起看。",
	},
}

// stepTitle is "Step 3" in English, "第 3 步" in Chinese.
func stepTitle(lang string, i int) string {
	if lang == "zh" {
		return fmt.Sprintf("第 %d 步", i)
	}
	return fmt.Sprintf("Step %d", i)
}

// colon joins a label and its text the way each language writes it.
func colon(lang string) string {
	if lang == "zh" {
		return "："
	}
	return ": "
}

// L is a label in lang.
func L(lang, key string) string {
	l, ok := labels[key]
	if !ok {
		return key
	}
	if lang == "zh" {
		return l[1]
	}
	return l[0]
}

// pick returns the text for lang: the Chinese one in zh, else the English.
func pick(lang, en, zh string) string {
	if lang == "zh" && zh != "" {
		return zh
	}
	return en
}
