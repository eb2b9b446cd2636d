// Package suggest finds the names closest to a mistyped one, for the
// "did you mean" part of error messages. It is the one implementation used
// by core (unknown operations), jsbind (unknown members of clerk) and the
// CLI.
package suggest

import (
	"sort"
	"strings"
)

// Closest returns up to n candidates closest to name, best first: by edit
// distance, ignoring case, where a candidate that contains name (or is
// contained in it) counts as distance 2 at most. Candidates further than
// half the name's length plus one are not suggested; ties are broken by
// name, so the answer is stable.
func Closest(name string, candidates []string, n int) []string {
	type cand struct {
		_ [0]func() // incomparable: no equality function in the wasm module
		s string
		d int
	}
	var cs []cand
	seen := map[string]bool{}
	lname := strings.ToLower(name)
	for _, c := range candidates {
		if seen[c] {
			continue
		}
		seen[c] = true
		lc := strings.ToLower(c)
		d := Distance(lname, lc)
		if lname != "" && (strings.Contains(lc, lname) || strings.Contains(lname, lc)) {
			d = min(d, 2)
		}
		if d <= len(name)/2+1 {
			cs = append(cs, cand{s: c, d: d})
		}
	}
	sort.Slice(cs, func(i, j int) bool {
		if cs[i].d != cs[j].d {
			return cs[i].d < cs[j].d
		}
		return cs[i].s < cs[j].s
	})
	out := make([]string, 0, min(n, len(cs)))
	for _, c := range cs[:min(n, len(cs))] {
		out = append(out, c.s)
	}
	return out
}

// Distance is the Levenshtein distance between a and b, in bytes.
func Distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
