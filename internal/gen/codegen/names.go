package codegen

import (
	"github.com/clerkscript/clerkscript/internal/packlz"

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
	ops, err := readTable(path)
	if err != nil {
		return nil, err
	}
	rows := make([]tsvRow, len(ops))
	for i, op := range ops {
		rows[i] = tsvRow{Resource: op.Resource, Method: op.Method, HTTPMethod: op.HTTPMethod, Path: op.Path,
			JSName: op.JSName, OperationID: op.OperationID, Deprecated: op.Deprecated, soft: true}
	}
	return rows, nil
}

// readTable decodes the operation table of a generated operations_gen.go.
func readTable(path string) ([]*Operation, error) {
	af, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	consts := map[string]string{}
	for _, d := range af.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST {
			continue
		}
		for _, s := range gd.Specs {
			vs := s.(*ast.ValueSpec)
			if len(vs.Names) != 1 || len(vs.Values) != 1 {
				continue
			}
			if v, ok := stringConst(vs.Values[0]); ok {
				consts[vs.Names[0].Name] = v
			}
		}
	}
	packedStrs, ok1 := consts["operationStrings"]
	packedRecs, ok2 := consts["operationRecords"]
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("%s: no operations found (operationStrings and operationRecords)", path)
	}
	strs, err := packlz.Unpack(packedStrs)
	if err != nil {
		return nil, fmt.Errorf("%s: operationStrings: %w", path, err)
	}
	recs, err := packlz.Unpack(packedRecs)
	if err != nil {
		return nil, fmt.Errorf("%s: operationRecords: %w", path, err)
	}
	ops, err := decodeTable(strs, recs)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(ops) == 0 {
		return nil, fmt.Errorf("%s: no operations found", path)
	}
	return ops, nil
}

// stringConst evaluates a constant string expression made of literals
// joined by +.
func stringConst(e ast.Expr) (string, bool) {
	switch e := e.(type) {
	case *ast.BasicLit:
		if e.Kind != token.STRING {
			return "", false
		}
		v, err := strconv.Unquote(e.Value)
		return v, err == nil
	case *ast.BinaryExpr:
		if e.Op != token.ADD {
			return "", false
		}
		x, ok1 := stringConst(e.X)
		y, ok2 := stringConst(e.Y)
		return x + y, ok1 && ok2
	case *ast.ParenExpr:
		return stringConst(e.X)
	}
	return "", false
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
