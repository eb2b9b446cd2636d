package emulator

import (
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
	"unsafe"
)

// filled returns a record with every exported field set to a distinct
// non-zero value, so a field the fast decoder forgets shows up.
func filled[T any](n int) *T {
	v := new(T)
	rv := reflect.ValueOf(v).Elem()
	for i := range rv.NumField() {
		f := rv.Field(i)
		if !rv.Type().Field(i).IsExported() {
			continue
		}
		s := fmt.Sprintf("v%d-%d", n, i)
		switch {
		case f.Type() == reflect.TypeOf(metadataObject("")):
			f.SetString(fmt.Sprintf(`{"k":%d,"s":"é\u003c"}`, i))
		case f.Kind() == reflect.String:
			f.SetString(s)
		case f.Kind() == reflect.Bool:
			f.SetBool(true)
		case f.Kind() == reflect.Int64:
			f.SetInt(int64(1000*n + i))
		case f.Kind() == reflect.Uint64:
			f.SetUint(uint64(1000*n + i))
		case f.Kind() == reflect.Pointer && f.Type().Elem().Kind() == reflect.String:
			f.Set(reflect.ValueOf(&s))
		case f.Kind() == reflect.Pointer && f.Type().Elem().Kind() == reflect.Int64:
			x := int64(-i)
			f.Set(reflect.ValueOf(&x))
		case f.Kind() == reflect.Slice && f.Type().Elem().Kind() == reflect.String:
			f.Set(reflect.ValueOf([]string{s, s + "b"}))
		default:
			panic(fmt.Sprintf("filled: field %s of type %s: teach the test (and recdecode.go) this type", rv.Type().Field(i).Name, f.Type()))
		}
	}
	return v
}

func TestFastDecodeCoversEveryField(t *testing.T) {
	for _, k := range jsonKeys(reflect.TypeOf(userRec{})) {
		if _, ok := userFieldDecs.byName[k]; !ok {
			t.Errorf("userRec field %q has no entry in userFieldDecs (recdecode.go): every user with it would load through encoding/json", k)
		}
	}
	for _, k := range jsonKeys(reflect.TypeOf(identRec{})) {
		if _, ok := identFieldDecs.byName[k]; !ok {
			t.Errorf("identRec field %q has no entry in identFieldDecs (recdecode.go)", k)
		}
	}
	// A record with every field set decodes on the fast path, to itself.
	u := filled[userRec](1)
	b, _ := json.Marshal(u)
	got, ok := decodeUserFast(b, &arena{})
	if !ok || !reflect.DeepEqual(got, u) {
		t.Errorf("fast decode of a full user: ok=%v\n got %+v\nwant %+v", ok, got, u)
	}
	d := filled[identRec](2)
	b, _ = json.Marshal(d)
	gotd, ok := decodeIdentFast(b, &arena{})
	if !ok || !reflect.DeepEqual(gotd, d) {
		t.Errorf("fast decode of a full identification: ok=%v\n got %+v\nwant %+v", ok, gotd, d)
	}
}

// checkAgrees fails when the fast decoder accepts input that encoding/json
// (as the state file is read) decodes differently or rejects.
func checkAgrees[T any](t testing.TB, in []byte, fast func([]byte, *arena) (*T, bool)) bool {
	t.Helper()
	got, ok := fast(in, &arena{})
	if got2, ok2 := fast(in, nil); ok2 != ok || (ok && !reflect.DeepEqual(got, got2)) {
		t.Fatalf("decoding %q with and without an arena differs: %v %+v, %v %+v", in, ok, got, ok2, got2)
	}
	if !ok {
		return false
	}
	var want *T
	if err := unmarshalStrict(in, &want); err != nil {
		t.Fatalf("fast decoder accepted %q, which encoding/json rejects: %v", in, err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("decoders disagree on %q:\n fast %+v\n json %+v", in, got, want)
	}
	return true
}

func TestFastDecodeAgrees(t *testing.T) {
	full, _ := json.Marshal(filled[userRec](3))
	cases := []struct {
		in   string
		fast bool // the fast path must take it (else it must give up)
	}{
		{string(full), true},
		{`{"id":"user_1","seq":7,"first_name":"José","last_name":"O\"Brien \u00e9\n","external_id":null}`, true},
		{` { "id" : "user_1" , "email_ids" : [ "a" , null ], "phone_ids":[], "backup_codes":null } `, true},
		{`{"id":"user_1","public_metadata":{ "a" : [1, 2.5e3, {"b":null}] },"private_metadata":null,"unsafe_metadata":{}}`, true},
		{`{"id":"u","banned":null,"locked":false,"created_at":-0,"seq":18446744073709551615,"last_active_at":null}`, true},
		{`{}`, true},
		{"{\"id\":\"bad \xff utf8\"}", true}, // encoding/json replaces it; so must we
		{`{"id":"bad \xff"}`, false},         // not a JSON escape
		{`{"id":"ctl ` + "\x01" + `"}`, false},
		{`{"ID":"user_1"}`, false},                     // encoding/json matches keys case-insensitively
		{`{"id":"user_1","id":"user_2"}`, false},       // repeated key
		{`{"id":"user_1","nope":1}`, false},            // unknown field
		{`{"created_at":1e3}`, false},                  // not an integer
		{`{"created_at":1.0}`, false},                  // not an integer
		{`{"created_at":01}`, false},                   // not JSON
		{`{"created_at":99999999999999999999}`, false}, // overflow
		{`{"seq":-1}`, false},
		{`{"banned":"true"}`, false},
		{`{"public_metadata":[1]}`, false},
		{`{"public_metadata":{"a":tru}}`, false},
		{`{"email_ids":"a"}`, false},
		{`{"id":"a"} x`, false},
		{`{"id":"a",}`, false},
		{`{"id":"a"`, false},
		{`null`, false},
		{`{"id":"\ud800"}`, true},
	}
	for _, c := range cases {
		if got := checkAgrees(t, []byte(c.in), decodeUserFast); got != c.fast {
			t.Errorf("fast path on %q: took it = %v, want %v", c.in, got, c.fast)
		}
	}
	idn, _ := json.Marshal(filled[identRec](4))
	for _, c := range []struct {
		in   string
		fast bool
	}{
		{string(idn), true},
		{`{"id":"idn_1","kind":"email_address","value":"A@Example.com","verified":true}`, true},
		{`{"id":"idn_1","kind":7}`, false},
		{`{"id":"idn_1","user":"x"}`, false},
	} {
		if got := checkAgrees(t, []byte(c.in), decodeIdentFast); got != c.fast {
			t.Errorf("fast path on %q: took it = %v, want %v", c.in, got, c.fast)
		}
	}
	// Known values share one copy instead of one per record.
	d, _ := decodeIdentFast([]byte(`{"kind":"email_address"}`), &arena{})
	if d.Kind != "email_address" || unsafe.StringData(d.Kind) != unsafe.StringData("email_address") {
		t.Fatalf("kind %q was not interned", d.Kind)
	}
}

func TestRawObject(t *testing.T) {
	for in, want := range map[string]string{`null`: "", `{}`: "", ` { "a" : 1 } `: `{"a":1}`, `{"a":"b c"}`: `{"a":"b c"}`} {
		got, err := rawObject([]byte(in))
		if err != nil || string(got) != want {
			t.Errorf("rawObject(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{`[]`, `1`, `"x"`, ``} {
		if _, err := rawObject([]byte(in)); err == nil {
			t.Errorf("rawObject(%q) accepted a non-object", in)
		}
	}
}

func fuzzSeeds(f *testing.F, recs ...any) {
	for _, r := range recs {
		b, _ := json.Marshal(r)
		f.Add(b)
	}
	f.Add([]byte(`{"id":"a","public_metadata":{"x":[1,{"y":null}]},"email_ids":["a",null]}`))
	f.Add([]byte(`{"id":"\u00e9\\","created_at":-12,"seq":0}`))
}

func FuzzFastDecodeUser(f *testing.F) {
	fuzzSeeds(f, filled[userRec](1), &userRec{ID: "user_1", Seq: 2})
	f.Fuzz(func(t *testing.T, b []byte) { checkAgrees(t, b, decodeUserFast) })
}

func FuzzFastDecodeIdent(f *testing.F) {
	fuzzSeeds(f, filled[identRec](1), &identRec{ID: "idn_1", Kind: "phone_number", Value: "+15555550100"})
	f.Fuzz(func(t *testing.T, b []byte) { checkAgrees(t, b, decodeIdentFast) })
}
