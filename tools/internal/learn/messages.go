package learn

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/patternlab/patternlab/tools/internal/repo"
)

// Kinds of user-facing messages.
const (
	KindUsage    = "usage"    // narrate.Usagef: a bad flag, exit status 2, nothing ran
	KindSentinel = "sentinel" // a package-level error variable callers branch on
	KindTyped    = "typed"    // the Error method of an error type
	KindError    = "error"    // an error made where it happens (not a wrap of another)
)

// Message is one user-facing error message of the demos and the kit, as the
// code writes it (format verbs such as %d stand for values filled in at run
// time).
type Message struct {
	Dir  string // module or kit package dir: "patterns/saga", "kit/natsembed"
	File string // root-relative
	Line int
	Kind string
	Name string // the variable or type, for sentinel and typed errors
	Text string
}

// MessageDirs are the trees whose messages a user can see: every module's
// demo and library code, and the kit they run on.
var MessageDirs = []string{"patterns", "industries", "kit"}

// Messages collects every user-facing error message: each narrate.Usagef,
// each errors.New, each fmt.Errorf that does not wrap another error (%w
// only adds context to a message listed where it is made), and the Error
// method of each error type, in non-test, non-generated Go files.
func Messages(r *repo.Repo) ([]Message, error) {
	var out []Message
	for _, top := range MessageDirs {
		files, err := r.Files(top, ".go")
		if err != nil {
			return nil, err
		}
		byPkg := map[string][]string{}
		for _, f := range files {
			base := path.Base(f)
			if strings.HasSuffix(base, "_test.go") || strings.HasPrefix(base, "zz_generated") || strings.Contains(f, "/testdata/") {
				continue
			}
			byPkg[path.Dir(f)] = append(byPkg[path.Dir(f)], f)
		}
		for _, dir := range sortedKeys(byPkg) {
			msgs, err := packageMessages(r, byPkg[dir])
			if err != nil {
				return nil, err
			}
			out = append(out, msgs...)
		}
	}
	return out, nil
}

// MessageDir is the group a file's messages are listed under: the module
// (patterns/saga) or, in the kit, the package (kit/natsembed).
func MessageDir(file string) string {
	parts := strings.Split(file, "/")
	if len(parts) >= 3 {
		return parts[0] + "/" + parts[1]
	}
	return path.Dir(file)
}

func packageMessages(r *repo.Repo, files []string) ([]Message, error) {
	fset := token.NewFileSet()
	var parsed []*ast.File
	for _, f := range files {
		src, err := r.Read(f)
		if err != nil {
			return nil, err
		}
		pf, err := parser.ParseFile(fset, f, src, parser.SkipObjectResolution)
		if err != nil {
			continue // a file that does not compile is the compiler's report, not this one
		}
		parsed = append(parsed, pf)
	}
	consts := stringConsts(parsed)
	var out []Message
	for i, f := range parsed {
		file := files[i]
		if fset.File(f.Pos()).Name() != file {
			file = fset.File(f.Pos()).Name()
		}
		add := func(kind, name string, pos token.Pos, text string) {
			out = append(out, Message{Dir: MessageDir(file), File: file, Line: fset.Position(pos).Line, Kind: kind, Name: name, Text: text})
		}
		sentinels := map[*ast.CallExpr]string{}
		for _, decl := range f.Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok || gd.Tok != token.VAR {
				continue
			}
			for _, spec := range gd.Specs {
				vs := spec.(*ast.ValueSpec)
				for j, v := range vs.Values {
					if call, ok := v.(*ast.CallExpr); ok && j < len(vs.Names) {
						sentinels[call] = vs.Names[j].Name
					}
				}
			}
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.FuncDecl:
				if name, ok := errorMethod(n); ok {
					if text, ok := returnedText(n, consts); ok {
						add(KindTyped, name, n.Pos(), text)
					}
				}
			case *ast.CallExpr:
				fn := calleeName(n.Fun)
				if len(n.Args) == 0 {
					return true
				}
				text := stringValue(n.Args[0], consts)
				switch fn {
				case "narrate.Usagef", "Usagef":
					add(KindUsage, "", n.Pos(), text)
				case "errors.New", "fmt.Errorf":
					if fn == "fmt.Errorf" && strings.Contains(text, "%w") {
						return true
					}
					if name, ok := sentinels[n]; ok {
						add(KindSentinel, name, n.Pos(), text)
					} else {
						add(KindError, "", n.Pos(), text)
					}
				}
			}
			return true
		})
	}
	return out, nil
}

// errorMethod reports whether fn is `func (T) Error() string`, and T.
func errorMethod(fn *ast.FuncDecl) (string, bool) {
	if fn.Recv == nil || len(fn.Recv.List) != 1 || fn.Name.Name != "Error" || fn.Type.Params.NumFields() != 0 {
		return "", false
	}
	res := fn.Type.Results
	if res == nil || len(res.List) != 1 {
		return "", false
	}
	if id, ok := res.List[0].Type.(*ast.Ident); !ok || id.Name != "string" {
		return "", false
	}
	return receiverType(fn.Recv.List[0].Type), true
}

// returnedText is the message an Error method returns: its Sprintf format
// or its string expression.
func returnedText(fn *ast.FuncDecl, consts map[string]string) (string, bool) {
	if fn.Body == nil {
		return "", false
	}
	for _, st := range fn.Body.List {
		ret, ok := st.(*ast.ReturnStmt)
		if !ok || len(ret.Results) != 1 {
			continue
		}
		e := ret.Results[0]
		if call, ok := e.(*ast.CallExpr); ok && calleeName(call.Fun) == "fmt.Sprintf" && len(call.Args) > 0 {
			e = call.Args[0]
		}
		return stringValue(e, consts), true
	}
	return "", false
}

func calleeName(e ast.Expr) string {
	switch f := e.(type) {
	case *ast.SelectorExpr:
		if x, ok := f.X.(*ast.Ident); ok {
			return x.Name + "." + f.Sel.Name
		}
		return f.Sel.Name
	case *ast.Ident:
		return f.Name
	}
	return ""
}

// stringValue folds a string expression: literals, package constants and
// their concatenation; any other operand shows as ‹its source›.
func stringValue(e ast.Expr, consts map[string]string) string {
	switch v := e.(type) {
	case *ast.BasicLit:
		if v.Kind == token.STRING {
			if s, err := strconv.Unquote(v.Value); err == nil {
				return s
			}
		}
		return v.Value
	case *ast.BinaryExpr:
		if v.Op == token.ADD {
			return stringValue(v.X, consts) + stringValue(v.Y, consts)
		}
	case *ast.Ident:
		if s, ok := consts[v.Name]; ok {
			return s
		}
		return "‹" + v.Name + "›"
	case *ast.ParenExpr:
		return stringValue(v.X, consts)
	case *ast.SelectorExpr:
		return "‹" + calleeName(v) + "›"
	case *ast.CallExpr:
		return "‹" + calleeName(v.Fun) + "(…)›"
	}
	return "‹…›"
}

// stringConsts are the package's constant strings, folded.
func stringConsts(files []*ast.File) map[string]string {
	exprs := map[string]ast.Expr{}
	for _, f := range files {
		for _, decl := range f.Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, spec := range gd.Specs {
				vs := spec.(*ast.ValueSpec)
				for j, n := range vs.Names {
					if j < len(vs.Values) {
						exprs[n.Name] = vs.Values[j]
					}
				}
			}
		}
	}
	consts := map[string]string{}
	// Fold in rounds so a constant defined from another resolves whatever
	// the declaration order.
	for range 4 {
		for name, e := range exprs {
			s := stringValue(e, consts)
			if !strings.Contains(s, "‹") && isStringExpr(e, exprs) {
				consts[name] = s
			}
		}
	}
	return consts
}

func isStringExpr(e ast.Expr, exprs map[string]ast.Expr) bool {
	switch v := e.(type) {
	case *ast.BasicLit:
		return v.Kind == token.STRING
	case *ast.BinaryExpr:
		return v.Op == token.ADD && isStringExpr(v.X, exprs) && isStringExpr(v.Y, exprs)
	case *ast.Ident:
		if x, ok := exprs[v.Name]; ok && x != e {
			return isStringExpr(x, exprs)
		}
	case *ast.ParenExpr:
		return isStringExpr(v.X, exprs)
	}
	return false
}

// Explain returns the index of a message's explanation (the first whose
// Match is a substring of it and whose Module, if set, is its dir), or -1.
func Explain(m Message, ex []Explanation) int {
	return slices.IndexFunc(ex, func(e Explanation) bool {
		return e.Match != "" && strings.Contains(m.Text, e.Match) && (e.Module == "" || e.Module == m.Dir)
	})
}

// NeedsExplanation reports whether a message must have an explanation: the
// errors a caller branches on (sentinels and error types) are the
// conditions a user meets by name, while a usage message names its flag and
// its range itself.
func NeedsExplanation(m Message) bool {
	return m.Kind == KindSentinel || m.Kind == KindTyped
}
