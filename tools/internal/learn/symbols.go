package learn

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"strings"

	"github.com/patternlab/patternlab/tools/internal/repo"
)

// Symbols indexes the top-level names of Go files, parsed on first use:
// functions, types, methods (Type.Method), struct fields and interface
// methods (Type.Field), variables and constants, each with its line.
type Symbols struct {
	r     *repo.Repo
	files map[string]fileSymbols
}

type fileSymbols struct {
	names map[string]int // symbol -> line
	err   error
}

// NewSymbols returns an empty index over a checkout.
func NewSymbols(r *repo.Repo) *Symbols {
	return &Symbols{r: r, files: map[string]fileSymbols{}}
}

// Line returns the line of symbol in the root-relative Go file, or an error
// saying what is missing.
func (s *Symbols) Line(file, symbol string) (int, error) {
	fs, ok := s.files[file]
	if !ok {
		fs = s.parse(file)
		s.files[file] = fs
	}
	if fs.err != nil {
		return 0, fs.err
	}
	line, ok := fs.names[symbol]
	if !ok {
		return 0, fmt.Errorf("%s has no symbol %s", file, symbol)
	}
	return line, nil
}

func (s *Symbols) parse(file string) fileSymbols {
	src, err := s.r.Read(file)
	if err != nil {
		return fileSymbols{err: fmt.Errorf("%s does not exist", file)}
	}
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, file, src, parser.SkipObjectResolution)
	if err != nil {
		return fileSymbols{err: fmt.Errorf("%s does not parse: %v", file, err)}
	}
	names := map[string]int{}
	add := func(name string, pos token.Pos) {
		if _, dup := names[name]; !dup {
			names[name] = fset.Position(pos).Line
		}
	}
	for _, decl := range f.Decls {
		switch d := decl.(type) {
		case *ast.FuncDecl:
			if d.Recv != nil && len(d.Recv.List) == 1 {
				add(receiverType(d.Recv.List[0].Type)+"."+d.Name.Name, d.Pos())
			} else {
				add(d.Name.Name, d.Pos())
			}
		case *ast.GenDecl:
			for _, spec := range d.Specs {
				switch sp := spec.(type) {
				case *ast.TypeSpec:
					add(sp.Name.Name, sp.Pos())
					members(sp, add)
				case *ast.ValueSpec:
					for _, n := range sp.Names {
						add(n.Name, n.Pos())
					}
				}
			}
		}
	}
	return fileSymbols{names: names}
}

// members adds Type.Field for struct fields (embedded ones by their type
// name) and Type.Method for interface methods.
func members(sp *ast.TypeSpec, add func(string, token.Pos)) {
	var fields *ast.FieldList
	switch t := sp.Type.(type) {
	case *ast.StructType:
		fields = t.Fields
	case *ast.InterfaceType:
		fields = t.Methods
	}
	if fields == nil {
		return
	}
	for _, f := range fields.List {
		if len(f.Names) == 0 {
			if name := receiverType(f.Type); name != "" {
				add(sp.Name.Name+"."+name[strings.LastIndexByte(name, '.')+1:], f.Pos())
			}
			continue
		}
		for _, n := range f.Names {
			add(sp.Name.Name+"."+n.Name, n.Pos())
		}
	}
}

// receiverType is the bare type name of a receiver or embedded field:
// *T, T[K], pkg.T all give T (pkg.T gives pkg.T).
func receiverType(e ast.Expr) string {
	switch t := e.(type) {
	case *ast.StarExpr:
		return receiverType(t.X)
	case *ast.IndexExpr:
		return receiverType(t.X)
	case *ast.IndexListExpr:
		return receiverType(t.X)
	case *ast.Ident:
		return t.Name
	case *ast.SelectorExpr:
		return receiverType(t.X) + "." + t.Sel.Name
	}
	return ""
}
