package suggest

import (
	"slices"
	"strings"
	"testing"
)

func TestDistance(t *testing.T) {
	for _, c := range []struct {
		a, b string
		d    int
	}{{"", "", 0}, {"", "abc", 3}, {"kitten", "sitting", 3}, {"users", "user", 1}, {"abc", "abc", 0}} {
		if got := Distance(c.a, c.b); got != c.d {
			t.Errorf("Distance(%q, %q) = %d, want %d", c.a, c.b, got, c.d)
		}
	}
}

func TestClosest(t *testing.T) {
	names := []string{"users.list", "users.get", "users.create", "invitations.list", "organizations.list"}
	for _, c := range []struct {
		name string
		want []string
	}{
		{"user.list", []string{"users.list", "users.get"}},
		{"USERS.LIST", []string{"users.list", "users.get"}}, // case ignored
		{"invitations", []string{"invitations.list"}},       // a prefix counts as close
		{"users.lst", []string{"users.list", "users.get"}},  // by distance, then name
		{"zzzzzzzzzz", []string{}},                          // nothing close: nothing suggested
	} {
		got := Closest(c.name, names, 2)
		if !slices.Equal(got, c.want) {
			t.Errorf("Closest(%q) = %q, want %q", c.name, got, c.want)
		}
	}
	if got := Closest("a", []string{"b", "b"}, 3); len(got) != 1 {
		t.Errorf("duplicates suggested: %q", got)
	}
}

func FuzzClosest(f *testing.F) {
	f.Add("users.lst", "users.list")
	f.Fuzz(func(t *testing.T, name, cand string) {
		got := Closest(name, []string{cand, name}, 3)
		if len(got) == 0 || !strings.EqualFold(got[0], name) {
			t.Fatalf("the exact name is not suggested first: %q", got)
		}
	})
}
