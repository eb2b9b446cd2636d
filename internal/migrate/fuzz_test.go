package migrate

import (
	"bytes"
	"errors"
	"testing"
)

// FuzzRead: any bytes, in any format, give records or an *InputError, never
// a panic, and every record is an object.
func FuzzRead(f *testing.F) {
	for _, s := range []string{
		`[{"a":1},{"b":"x"}]`, `{"users":[{"localId":"1"}]}`, "{\"a\":1}\n{\"a\":2}\n",
		"id,email\n# c\n1,a@b.co\n", "\xef\xbb\xbf[]", `{"users": 3}`, `[1,2]`, `[{"a":1}`, "a,b\n1,2,3\n", `"x"`,
	} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, data []byte, csv bool) {
		format := FormatJSON
		if csv {
			format = FormatCSV
		}
		for rec, err := range Read(bytes.NewReader(data), format, ReadOptions{}) {
			if err != nil {
				var ie *InputError
				if !errors.As(err, &ie) {
					t.Fatalf("error %v is not an *InputError", err)
				}
				continue
			}
			if rec.Data == nil {
				t.Fatal("nil record")
			}
		}
	})
}

// FuzzTransformAndBuild: the built-in transformers and validation take
// any decoded record without a panic.
func FuzzTransformAndBuild(f *testing.F) {
	f.Add([]byte(`{"user_id":"a","email":"a@b.co","email_verified":true,"passwordHash":"x","created_at":"2020"}`))
	f.Add([]byte(`{"id":"a","email":["x"],"raw_user_meta_data":"{}","created_at":1e400}`))
	tr, err := LoadBuiltin("supabase")
	if err != nil {
		f.Fatal(err)
	}
	a0, err := LoadBuiltin("auth0")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for rec, err := range Read(bytes.NewReader(data), FormatJSON, ReadOptions{}) {
			if err != nil {
				return
			}
			for _, x := range []*Transformer{tr, a0} {
				u, err := x.Apply(rec.Data)
				if err != nil || u == nil {
					continue
				}
				p, err := Build(u, rec.Row, PlanOptions{})
				if err == nil && (p.Create.ExternalID == nil || *p.Create.ExternalID == "" || len(p.Create.EmailAddress)+len(p.Create.PhoneNumber) == 0) {
					t.Fatalf("valid plan without id or verified identifier: %+v", p.Create)
				}
			}
		}
	})
}
