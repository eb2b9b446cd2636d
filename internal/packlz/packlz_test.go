package packlz

import (
	"strings"
	"testing"
)

func cases() []string {
	long := strings.Repeat("abcdefgh", 40)
	far := "head" + strings.Repeat("x", 70000) + "head"
	return []string{"", "a", "abcd", "abcdabcd", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaa", strings.Repeat("a", 300), long,
		long + "é\xff\x80\x00" + long, "\xff\xfe\x80\x81", far, "users\nusers.list\n/users/{user_id}\n/users/{user_id}/ban\n"}
}

// TestRoundTrip: Unpack inverts Pack, including the escapes, far and
// overlapping copies the table does not use today, and packing shrinks
// repetitive text.
func TestRoundTrip(t *testing.T) {
	for _, s := range cases() {
		p := Pack(s)
		got, err := Unpack(p)
		if err != nil || got != s {
			t.Errorf("%.40q: unpacked %.40q, %v", s, got, err)
		}
		if len(s) > 100 && len(p) >= len(s) {
			t.Errorf("%.40q: %d bytes packed into %d", s, len(s), len(p))
		}
	}
}

func TestUnpackDamaged(t *testing.T) {
	for _, bad := range []string{"\xff", "\x80", "a\x80\x00", "ab\x80\x03", "\x80\x01", "a\x80\x81", "a\x80\x81\x80\x80\x00"} {
		if got, err := Unpack(bad); err == nil {
			t.Errorf("%q unpacked to %q without error", bad, got)
		}
	}
}

func FuzzPack(f *testing.F) {
	for _, s := range cases() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, err := Unpack(Pack(s)); err != nil || got != s {
			t.Fatalf("round trip of %q: %q, %v", s, got, err)
		}
		_, _ = Unpack(s) // any input: an error or a result, never a panic
	})
}
