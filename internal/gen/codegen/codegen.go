package codegen

import (
	"bytes"
	"encoding/json"
	"fmt"
	"go/format"
	"os"
	"sort"
	"strings"
)

// Config names the inputs.
type Config struct {
	SpecPath    string // bapi-2026-05-12.yml
	OldSpecPath string // bapi-2024-10-01.yml, only for sessions.verify
	// TSVPath is required-operations.tsv, the names Clerk's SDKs give the
	// required operations. When it does not exist, the names are read
	// back from TablePath, the committed operations_gen.go.
	TSVPath   string
	TablePath string
	// CoreDir is the directory of package core: the names its hand-written
	// files declare are kept away from the generated models.
	CoreDir string
}

// Output is the generated files, keyed by their name inside core/.
type Output struct {
	Files      map[string][]byte
	Operations []*Operation
}

// SpecName is the file the generated code says it came from.
const SpecName = "bapi-2026-05-12.yml"

// legacyOps are operations taken from the older spec because the current
// one dropped them but the product must keep them (marked deprecated).
var legacyOps = [][2]string{{"POST", "/sessions/{session_id}/verify"}}

// Generate reads the inputs and returns the generated files.
func Generate(cfg Config) (*Output, error) {
	data, err := os.ReadFile(cfg.SpecPath)
	if err != nil {
		return nil, err
	}
	rows, err := readNames(cfg.TSVPath, cfg.TablePath)
	if err != nil {
		return nil, err
	}
	reserved := map[string]bool{}
	if cfg.CoreDir != "" {
		if reserved, err = HandWrittenNames(cfg.CoreDir); err != nil {
			return nil, err
		}
	}
	var old []byte
	if cfg.OldSpecPath != "" {
		if old, err = os.ReadFile(cfg.OldSpecPath); err != nil {
			return nil, err
		}
	}
	return generate(data, old, rows, reserved)
}

// GenerateFrom is Generate on in-memory inputs; oldSpec may be nil.
func GenerateFrom(specData, oldSpecData []byte, tsvData string) (*Output, error) {
	rows, err := parseTSV(tsvData)
	if err != nil {
		return nil, err
	}
	return generate(specData, oldSpecData, rows, nil)
}

func generate(specData, oldSpecData []byte, rows []tsvRow, reserved map[string]bool) (*Output, error) {
	sp, err := newSpec(specData)
	if err != nil {
		return nil, fmt.Errorf("spec: %w", err)
	}
	ops, ss, err := buildOperations(sp, oldSpecData, rows)
	if err != nil {
		return nil, err
	}
	out := &Output{Files: map[string][]byte{}, Operations: ops}
	src, err := emitOperations(ops)
	if err != nil {
		return nil, err
	}
	out.Files["operations_gen.go"] = src
	js, err := emitSchemas(ss)
	if err != nil {
		return nil, err
	}
	out.Files["schemas_gen.json"] = js
	m := newModels(ss, reserved)
	svc, err := m.emitServices(ops)
	if err != nil {
		return nil, err
	}
	models, err := m.emitModels()
	if err != nil {
		return nil, err
	}
	out.Files["models_gen.go"] = models
	out.Files["services_gen.go"] = svc
	return out, nil
}

func buildOperations(sp *spec, oldSpecData []byte, rows []tsvRow) ([]*Operation, *schemaSet, error) {
	ss := newSchemaSet(sp)
	b := &builder{sp: sp, ss: ss, respNames: map[string]string{}}
	byKey := map[string]*tsvRow{}
	for i := range rows {
		k := rows[i].HTTPMethod + " " + rows[i].Path
		if _, dup := byKey[k]; dup {
			return nil, nil, fmt.Errorf("operations TSV lists %s twice", k)
		}
		byKey[k] = &rows[i]
	}
	var ops []*Operation
	add := func(s *spec, path, m string, item, raw *omap, legacy bool) error {
		op, err := b.buildOp(s, path, m, item, raw)
		if err != nil {
			return err
		}
		if legacy {
			op.Deprecated = true
		}
		var tags []string
		for _, t := range raw.list("tags") {
			if ts, ok := t.(string); ok {
				tags = append(tags, ts)
			}
		}
		if row := byKey[op.HTTPMethod+" "+op.Path]; row != nil {
			op.Resource, op.Method, op.JSName, op.InTSV = row.Resource, row.Method, row.JSName, true
			op.Deprecated = op.Deprecated || row.Deprecated
		} else if op.Resource, op.Method, err = ruleName(op.OperationID, tags); err != nil {
			return err
		}
		op.Name = op.Resource + "." + op.Method
		ops = append(ops, op)
		return nil
	}
	for _, path := range sp.paths.keys {
		item := sp.paths.m(path)
		if item == nil {
			return nil, nil, fmt.Errorf("path %s: not a mapping", path)
		}
		for _, m := range item.keys {
			if !isHTTPMethod(m) {
				continue
			}
			if err := add(sp, path, m, item, item.m(m), false); err != nil {
				return nil, nil, err
			}
		}
	}
	if oldSpecData != nil {
		old, err := newSpec(oldSpecData)
		if err != nil {
			return nil, nil, fmt.Errorf("old spec: %w", err)
		}
		for _, lo := range legacyOps {
			if sp.paths.m(lo[1]).m(strings.ToLower(lo[0])) != nil {
				continue // still in the current spec
			}
			item := old.paths.m(lo[1])
			raw := item.m(strings.ToLower(lo[0]))
			if raw == nil {
				return nil, nil, fmt.Errorf("old spec has no %s %s", lo[0], lo[1])
			}
			if err := add(old, lo[1], strings.ToLower(lo[0]), item, raw, true); err != nil {
				return nil, nil, fmt.Errorf("old spec: %w", err)
			}
		}
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i].Name < ops[j].Name })
	names := map[string]*Operation{}
	for _, op := range ops {
		if prev := names[op.Name]; prev != nil {
			return nil, nil, fmt.Errorf("operation name collision: %s is both %s %s (%s) and %s %s (%s); add an override",
				op.Name, prev.HTTPMethod, prev.Path, prev.OperationID, op.HTTPMethod, op.Path, op.OperationID)
		}
		names[op.Name] = op
	}
	// A JS alias names one operation: keep it where the TSV gives it without
	// a parenthetical (the first such row), drop it elsewhere.
	aliasOwner := map[string]string{}
	for _, r := range rows {
		if r.JSName == "" {
			continue
		}
		if _, ok := aliasOwner[r.JSName]; !ok {
			aliasOwner[r.JSName] = r.Resource + "." + r.Method
		}
	}
	for _, op := range ops {
		if op.JSName != "" && aliasOwner[op.JSName] != op.Name {
			op.JSName = ""
		}
		if op.JSName != "" && names[op.JSName] != nil && names[op.JSName] != op {
			op.JSName = "" // an alias must never shadow a real name
		}
	}
	for _, r := range rows {
		op := names[r.Resource+"."+r.Method]
		if op == nil && r.soft {
			continue
		}
		if op == nil {
			return nil, nil, fmt.Errorf("TSV operation %s.%s (%s %s) is not in the spec", r.Resource, r.Method, r.HTTPMethod, r.Path)
		}
		if (op.HTTPMethod != r.HTTPMethod || op.Path != r.Path) && !r.soft {
			return nil, nil, fmt.Errorf("TSV operation %s.%s: spec has %s %s", r.Resource, r.Method, op.HTTPMethod, op.Path)
		}
	}
	return ops, ss, nil
}

func isHTTPMethod(m string) bool {
	for _, h := range httpMethods {
		if m == h {
			return true
		}
	}
	return false
}

func gofmt(name string, buf *bytes.Buffer) ([]byte, error) {
	src, err := format.Source(buf.Bytes())
	if err != nil {
		return nil, fmt.Errorf("%s: gofmt: %w", name, err)
	}
	return src, nil
}

const header = "// Code generated by internal/gen from " + SpecName + ". DO NOT EDIT.\n\n"

func emitSchemas(ss *schemaSet) ([]byte, error) {
	// json.Marshal sorts map keys, so the output is deterministic.
	b, err := json.Marshal(ss.named)
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
