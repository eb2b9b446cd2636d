package urlparse

import (
	"net/netip"
	"testing"
)

var ipCases = []string{
	"", "::", "::1", "1::", "1::2", "::ffff:1.2.3.4", "1.2.3.4", "1.2.3", "1.2.3.4.5", "01.2.3.4", "256.1.1.1",
	"1..2.3", ".1.2.3", "1.2.3.", "1.2.3.x", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7::",
	"::1:2:3:4:5:6:7:8", "1::2::3", "12345::", "fffff::", "ffff::", "g::", ":1", "1:", "1:::2", "%en0",
	"fe80::1%en0", "fe80::1%", "::%", "1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:1.2.3.4", "::1.2.3.4%z",
	"1:2:3:4:5:6:7:1.2.3.4", "::1.2.3", "::1.2.3.04", "x", "1%", "1.2.3.4%z", "::1 ", "a:b:c:d:e:f:a:b%z",
}

func sameIP(t *testing.T, s string) {
	t.Helper()
	addr, werr := netip.ParseAddr(s)
	is4, gerr := checkIPLiteral(s)
	if (werr == nil) != (gerr == nil) || (werr != nil && werr.Error() != gerr.Error()) {
		t.Fatalf("checkIPLiteral(%q): %v, netip's %v", s, gerr, werr)
	}
	if werr == nil && is4 != addr.Is4() {
		t.Fatalf("checkIPLiteral(%q): is4 %v, netip's %v", s, is4, addr.Is4())
	}
}

func TestIPLiteralMatchesNetip(t *testing.T) {
	for _, s := range ipCases {
		sameIP(t, s)
	}
}

func FuzzIPLiteral(f *testing.F) {
	for _, s := range ipCases {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) { sameIP(t, s) })
}
