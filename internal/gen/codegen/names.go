package codegen

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// HandWrittenNames returns the top-level names declared by the hand-written
// Go files of the package in dir (every .go file but tests and *_gen.go), so
// that a spec schema never gets a Go name the package already uses. Reading
// them from the source replaces a hand-kept list that went stale.
func HandWrittenNames(dir string) (map[string]bool, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, err
	}
	names := map[string]bool{}
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") || strings.HasSuffix(f, "_gen.go") {
			continue
		}
		af, err := parser.ParseFile(fset, f, nil, parser.SkipObjectResolution)
		if err != nil {
			return nil, err
		}
		for _, d := range af.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Recv == nil {
					names[d.Name.Name] = true
				}
			case *ast.GenDecl:
				for _, s := range d.Specs {
					switch s := s.(type) {
					case *ast.TypeSpec:
						names[s.Name.Name] = true
					case *ast.ValueSpec:
						for _, n := range s.Names {
							names[n.Name] = true
						}
					}
				}
			}
		}
	}
	return names, nil
}

// namesFromTable reads the operation names back from a committed
// operations_gen.go, for a clone that has the spec but not the naming TSV:
// the committed table is the record of every name chosen. Its rows are
// soft: an operation a newer spec dropped is skipped, not an error.
func namesFromTable(path string) ([]tsvRow, error) {
	af, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	var rows []tsvRow
	ast.Inspect(af, func(n ast.Node) bool {
		cl, ok := n.(*ast.CompositeLit)
		if !ok {
			return true
		}
		r := tsvRow{soft: true}
		found := false
		for _, e := range cl.Elts {
			kv, ok := e.(*ast.KeyValueExpr)
			if !ok {
				continue
			}
			key, _ := kv.Key.(*ast.Ident)
			if key == nil {
				continue
			}
			var s string
			switch v := kv.Value.(type) {
			case *ast.BasicLit:
				s, _ = strconv.Unquote(v.Value)
			case *ast.Ident:
				s = v.Name
			}
			switch key.Name {
			case "Resource":
				r.Resource, found = s, true
			case "Method":
				r.Method = s
			case "HTTPMethod":
				r.HTTPMethod = s
			case "Path":
				r.Path = s
			case "JSName":
				r.JSName = s
			case "OperationID":
				r.OperationID = s
			case "Deprecated":
				r.Deprecated = s == "true"
			}
		}
		if found {
			rows = append(rows, r)
			return false
		}
		return true
	})
	if len(rows) == 0 {
		return nil, fmt.Errorf("%s: no operations found", path)
	}
	return rows, nil
}

// readNames returns the naming rows: the TSV when there is one, else the
// committed table.
func readNames(tsvPath, tablePath string) ([]tsvRow, error) {
	if tsvPath != "" {
		data, err := os.ReadFile(tsvPath)
		if err == nil {
			return parseTSV(string(data))
		}
		if tablePath == "" || !os.IsNotExist(err) {
			return nil, err
		}
	}
	if tablePath == "" {
		return nil, fmt.Errorf("no operations TSV and no committed operation table to take the names from")
	}
	return namesFromTable(tablePath)
}
