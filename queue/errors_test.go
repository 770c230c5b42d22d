package queue_test

import (
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"qcall/queue"
)

func TestErrors(t *testing.T) {
	snake := regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)
	all := queue.Errors()
	if len(all) < 29 { // as many as there were when Errors came
		t.Fatalf("Errors() lists %d errors; queue defines more", len(all))
	}
	for _, e := range all {
		if !snake.MatchString(e.Code) {
			t.Errorf("code %q is not snake_case", e.Code)
		}
		if e.Kind == queue.KindInternal || strings.HasPrefix(e.Kind.String(), "Kind(") {
			t.Errorf("%s: kind %v; a defined code is a refusal of a known kind", e.Code, e.Kind)
		}
		if e.Message == "" {
			t.Errorf("%s: no message", e.Code)
		}
		if queue.Defined(e.Code) != e {
			t.Errorf("Defined(%q) is not the error Errors lists", e.Code)
		}
		wrapped := fmt.Errorf("call: %w", queue.Errorf(e.Code, "detail"))
		if !errors.Is(wrapped, e) || queue.KindOf(wrapped) != e.Kind || queue.ErrorCode(wrapped) != e.Code {
			t.Errorf("%s: Errorf's error is not it (Is %v, kind %v)", e.Code, errors.Is(wrapped, e), queue.KindOf(wrapped))
		}
	}
	if k := queue.Errorf("brand_new", "x").Kind; k != queue.KindInternal {
		t.Errorf("Errorf of an undefined code: kind %v, want internal", k)
	}
	if k := queue.KindOf(errors.New("disk on fire")); k != queue.KindInternal {
		t.Errorf("KindOf(a plain error) = %v", k)
	}
	if queue.Defined("brand_new") != nil {
		t.Error("Defined of an undefined code is not nil")
	}
	// Errors returns a copy: a caller cannot change the list.
	all[0] = nil
	if queue.Errors()[0] == nil {
		t.Error("Errors returns the package's own slice")
	}
}

// TestErrors_noneOutsideTheList reads the module's source: every *queue.Error
// comes from define (so Errors lists its code) or from Errorf with the code
// of a defined one (ErrX.Code), never from a literal or a code written out,
// which would miss the list and answer 500.
func TestErrors_noneOutsideTheList(t *testing.T) {
	fset := token.NewFileSet()
	checked := 0
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || d.Name() == "node_modules") && path != ".." {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		inQueue := f.Name.Name == "queue" && filepath.Base(filepath.Dir(path)) == "queue"
		// isQueue reports whether x names queue's name (Error, Errorf)
		// where this file sees it.
		isQueue := func(x ast.Expr, name string) bool {
			switch x := x.(type) {
			case *ast.Ident:
				return inQueue && x.Name == name
			case *ast.SelectorExpr:
				pkg, ok := x.X.(*ast.Ident)
				return !inQueue && ok && pkg.Name == "queue" && x.Sel.Name == name
			}
			return false
		}
		checked++
		for _, decl := range f.Decls {
			// Only define and Errorf build an Error.
			fd, ok := decl.(*ast.FuncDecl)
			if inQueue && ok && fd.Recv == nil && (fd.Name.Name == "define" || fd.Name.Name == "Errorf") {
				continue
			}
			ast.Inspect(decl, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.CompositeLit:
					if isQueue(n.Type, "Error") {
						t.Errorf("%s: an Error literal; define the code in queue/errors.go instead", fset.Position(n.Pos()))
					}
				case *ast.CallExpr:
					if isQueue(n.Fun, "Errorf") {
						sel, ok := n.Args[0].(*ast.SelectorExpr)
						if !ok || sel.Sel.Name != "Code" {
							t.Errorf("%s: Errorf's code is not a defined error's (ErrX.Code)", fset.Position(n.Pos()))
						}
					}
				}
				return true
			})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 50 {
		t.Fatalf("read %d files; the walk missed the module", checked)
	}
}
