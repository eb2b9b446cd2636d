package core

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"sync"
)

// Schema is a compact JSON schema derived from the Backend API spec by the
// generator (core/schemas_gen.json): descriptions and examples are dropped,
// references are {"ref": "Name"} into the same set, and allOf of plain objects
// is merged. The JS bindings use it to tell user data (metadata) from fields,
// and the emulator tests use it to validate responses.
type Schema struct {
	Ref                  string                `json:"ref,omitempty"`
	Type                 string                `json:"type,omitempty"` // "object", "array", "string", "integer", "number", "boolean" or ""
	Format               string                `json:"format,omitempty"`
	Nullable             bool                  `json:"nullable,omitempty"`
	Enum                 []any                 `json:"enum,omitempty"`
	Properties           map[string]*Schema    `json:"properties,omitempty"`
	Required             []string              `json:"required,omitempty"`
	Items                *Schema               `json:"items,omitempty"`
	AdditionalProperties *AdditionalProperties `json:"additionalProperties,omitempty"`
	OneOf                []*Schema             `json:"oneOf,omitempty"`
	AnyOf                []*Schema             `json:"anyOf,omitempty"`
	AllOf                []*Schema             `json:"allOf,omitempty"`
}

// AdditionalProperties is the JSON schema keyword, which is false, true or a
// schema for the values of undeclared keys. A nil *AdditionalProperties means
// the spec said nothing, which JSON schema treats as true.
type AdditionalProperties struct {
	Allowed bool
	Schema  *Schema // non-nil when the keyword is a schema (Allowed is then true)
}

// MarshalJSON writes false, true or the schema.
func (a *AdditionalProperties) MarshalJSON() ([]byte, error) {
	if a.Schema != nil {
		return json.Marshal(a.Schema)
	}
	return json.Marshal(a.Allowed)
}

// UnmarshalJSON reads false, true or a schema.
func (a *AdditionalProperties) UnmarshalJSON(b []byte) error {
	switch string(b) {
	case "true":
		*a = AdditionalProperties{Allowed: true}
		return nil
	case "false":
		*a = AdditionalProperties{}
		return nil
	}
	var s Schema
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("additionalProperties: %w", err)
	}
	*a = AdditionalProperties{Allowed: true, Schema: &s}
	return nil
}

//go:embed schemas_gen.json
var schemasJSON []byte

var (
	schemasOnce sync.Once
	schemas     map[string]*Schema
	schemasErr  error
)

func loadSchemas() {
	schemasErr = json.Unmarshal(schemasJSON, &schemas)
}

// LookupSchema returns the derived schema with this name (the Go model's
// name: "User", "CreateUserRequest", "ClientList"), or nil. The set is decoded
// on first use, once.
func LookupSchema(name string) *Schema {
	schemasOnce.Do(loadSchemas)
	if schemasErr != nil {
		// The file is generated and embedded; a decoding failure is a build
		// defect that the drift test catches, not a runtime condition.
		panic("core: corrupt schemas_gen.json: " + schemasErr.Error())
	}
	return schemas[name]
}

// Resolve follows references and returns the schema they lead to (s itself
// when it is not a reference). It returns nil for a nil schema or a
// reference to an unknown name.
func (s *Schema) Resolve() *Schema {
	for i := 0; s != nil && s.Ref != "" && i < 64; i++ {
		s = LookupSchema(s.Ref)
	}
	return s
}

// Property returns the schema of an object's property, after resolving
// references, or nil when the object does not declare it.
func (s *Schema) Property(name string) *Schema {
	r := s.Resolve()
	if r == nil {
		return nil
	}
	if p, ok := r.Properties[name]; ok {
		return p.Resolve()
	}
	if r.AdditionalProperties != nil && r.AdditionalProperties.Schema != nil {
		return r.AdditionalProperties.Schema.Resolve()
	}
	return nil
}

// IsFreeForm reports whether s is an object whose keys are user data rather
// than fields: no declared properties and additional properties allowed, as
// in public_metadata. Callers converting key case must leave such objects
// untouched.
func (s *Schema) IsFreeForm() bool {
	r := s.Resolve()
	if r == nil || r.Type != "object" || len(r.Properties) > 0 {
		return false
	}
	if len(r.OneOf)+len(r.AnyOf)+len(r.AllOf) > 0 {
		return false
	}
	return r.AdditionalProperties == nil || r.AdditionalProperties.Allowed
}
