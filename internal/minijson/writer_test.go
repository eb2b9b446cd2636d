package minijson

import (
	"encoding/json"
	"testing"
)

// writerDoc is a struct whose encoding/json output the Writer reproduces
// member by member.
type writerDoc struct {
	S    string          `json:"s"`
	N    any             `json:"n"` // string or nil: StrOrNull
	I    int64           `json:"i"`
	B    bool            `json:"b"`
	R    json.RawMessage `json:"r"`
	T    json.RawMessage `json:"t"` // trusted: already compact
	List []string        `json:"list"`
}

func writeDoc(d writerDoc) ([]byte, error) {
	w := Writer{B: []byte("x")}
	w.Str(`{"s":`, d.S)
	n, _ := d.N.(string)
	w.StrOrNull(`,"n":`, n)
	w.Int(`,"i":`, d.I)
	w.Bool(`,"b":`, d.B)
	w.Raw(`,"r":`, d.R)
	w.Trusted(`,"t":`, d.T)
	w.Strs(`,"list":`, d.List)
	w.Lit("}")
	return w.B, w.Err
}

func TestWriterMatchesEncodingJSON(t *testing.T) {
	docs := []writerDoc{
		{T: json.RawMessage(`null`)},
		{S: "a\"<>&\u2028\xff\n\x01é", N: "x\\y", I: -1 << 63, B: true, R: json.RawMessage(" { \"a\" : [1, \"<\"] } "),
			T: json.RawMessage(`{"k":1}`), List: []string{}},
		{S: "", N: "", I: 1<<63 - 1, R: json.RawMessage(`"\u00e9"`), T: json.RawMessage(`[]`), List: []string{"", "a", "<b>"}},
	}
	for _, d := range docs {
		if d.N == "" {
			d.N = nil // StrOrNull("") is null
		}
		want, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		got, err := writeDoc(d)
		if err != nil || string(got) != "x"+string(want) {
			t.Errorf("Writer = %s, %v; encoding/json x%s", got, err, want)
		}
	}
}

func TestWriterKeepsFirstError(t *testing.T) {
	w := Writer{}
	w.Raw(`{"a":`, json.RawMessage(`{`))
	first := w.Err
	w.Raw(`,"b":`, json.RawMessage(`[`))
	_, werr := json.Marshal(struct {
		A json.RawMessage `json:"a"`
	}{json.RawMessage(`{`)})
	if first == nil || w.Err != first || werr == nil || first.Error() != werr.Error() {
		t.Fatalf("Err = %v (first %v); encoding/json: %v", w.Err, first, werr)
	}
}
