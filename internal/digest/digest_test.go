package digest

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"testing"
)

// lengths around every padding boundary of both block sizes.
func testLengths() []int {
	var ls []int
	for n := 0; n <= 300; n++ {
		ls = append(ls, n)
	}
	return append(ls, 1000, 4096, 65537)
}

func message(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + n)
	}
	return b
}

func checkSums(t *testing.T, data []byte) {
	t.Helper()
	if got, want := goSum1(data), sha1.Sum(data); got != want {
		t.Errorf("goSum1(%d bytes) = %x, crypto/sha1 %x", len(data), got, want)
	}
	if got, want := goSum256(data), sha256.Sum256(data); got != want {
		t.Errorf("goSum256(%d bytes) = %x, crypto/sha256 %x", len(data), got, want)
	}
	if got, want := goSum384(data), sha512.Sum384(data); got != want {
		t.Errorf("goSum384(%d bytes) = %x, crypto/sha512 %x", len(data), got, want)
	}
	if got, want := goSum512(data), sha512.Sum512(data); got != want {
		t.Errorf("goSum512(%d bytes) = %x, crypto/sha512 %x", len(data), got, want)
	}
}

func TestSumsMatchStdlib(t *testing.T) {
	for _, n := range testLengths() {
		checkSums(t, message(n))
	}
	// FIPS 180-4 example "abc", pinned so that the test does not only
	// compare with the library it replaces.
	if got := goSum256([]byte("abc")); !bytes.Equal(got[:], unhex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")) {
		t.Errorf("goSum256(abc) = %x", got)
	}
}

// Writing in pieces of every size gives the digest of the whole.
func TestSHA256Streaming(t *testing.T) {
	data := message(300)
	want := sha256.Sum256(data)
	for step := 1; step <= 130; step++ {
		d := New256()
		for p := data; len(p) > 0; {
			n := min(step, len(p))
			if step%2 == 0 {
				d.WriteString(string(p[:n]))
			} else {
				d.Write(p[:n])
			}
			p = p[n:]
		}
		if got := d.Sum(); got != want {
			t.Fatalf("step %d: %x, want %x", step, got, want)
		}
		if again := d.Sum(); again != want {
			t.Fatalf("step %d: a second Sum gave %x", step, again)
		}
	}
}

func stdHMAC(key []byte, parts ...[]byte) []byte {
	m := hmac.New(sha256.New, key)
	for _, p := range parts {
		m.Write(p)
	}
	return m.Sum(nil)
}

func TestHMAC256MatchesCryptoHMAC(t *testing.T) {
	keys := [][]byte{nil, {}, []byte("k"), message(32), message(63), message(64), message(65), message(200)}
	msgs := [][]byte{nil, []byte("msg_1.1700000000.{}"), message(55), message(56), message(64), message(1000)}
	for _, k := range keys {
		for _, msg := range msgs {
			m := newGoHMAC256(k)
			m.Write(msg[:len(msg)/2])
			m.WriteString(string(msg[len(msg)/2:]))
			got := m.Sum()
			if want := stdHMAC(k, msg); !bytes.Equal(got[:], want) {
				t.Errorf("key %d bytes, message %d bytes: %x, crypto/hmac %x", len(k), len(msg), got, want)
			}
		}
	}
	// RFC 4231 test case 2, pinned independently of crypto/hmac.
	m := newGoHMAC256([]byte("Jefe"))
	m.WriteString("what do ya want for nothing?")
	if got := m.Sum(); !bytes.Equal(got[:], unhex("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")) {
		t.Errorf("RFC 4231 case 2: %x", got)
	}
}

func TestEqual(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want bool
	}{{"", "", true}, {"a", "a", true}, {"a", "b", false}, {"ab", "a", false}, {"", "a", false}, {"abc", "abd", false}} {
		if got := Equal([]byte(c.a), []byte(c.b)); got != c.want || got != hmac.Equal([]byte(c.a), []byte(c.b)) {
			t.Errorf("Equal(%q, %q) = %v", c.a, c.b, got)
		}
	}
}

func FuzzSums(f *testing.F) {
	f.Add([]byte{})
	f.Add(message(55))
	f.Add(message(111))
	f.Fuzz(func(t *testing.T, data []byte) { checkSums(t, data) })
}

func FuzzHMAC256(f *testing.F) {
	f.Add([]byte{}, []byte{}, 0)
	f.Add(message(65), []byte("msg"), 1)
	f.Add(message(64), message(200), 70)
	f.Fuzz(func(t *testing.T, key, msg []byte, split int) {
		if split < 0 || split > len(msg) {
			split = len(msg) / 2
		}
		m := newGoHMAC256(key)
		m.Write(msg[:split])
		m.Write(msg[split:])
		got := m.Sum()
		if want := stdHMAC(key, msg); !bytes.Equal(got[:], want) {
			t.Fatalf("key %x, message %x: %x, crypto/hmac %x", key, msg, got, want)
		}
	})
}

func unhex(s string) []byte {
	b := make([]byte, len(s)/2)
	for i := range b {
		b[i] = fromHex(s[2*i])<<4 | fromHex(s[2*i+1])
	}
	return b
}

func fromHex(c byte) byte {
	if c >= 'a' {
		return c - 'a' + 10
	}
	return c - '0'
}

func BenchmarkSum256(b *testing.B) {
	data := message(1024)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		goSum256(data)
	}
}

func BenchmarkStdSum256(b *testing.B) {
	data := message(1024)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		sha256.Sum256(data)
	}
}

// TestExportedHMACMatchesGo holds the platform's HMAC256 (crypto/hmac
// natively) and the guest's own to the same answers, streamed in pieces.
func TestExportedHMACMatchesGo(t *testing.T) {
	for _, key := range [][]byte{nil, []byte("k"), bytes.Repeat([]byte("K"), 64), bytes.Repeat([]byte("L"), 100)} {
		a, b := NewHMAC256(key), newGoHMAC256(key)
		for _, piece := range []string{"", "msg_1", ".1700000000.", `{"type":"user.created"}`} {
			a.WriteString(piece)
			b.WriteString(piece)
			if a.Sum() != b.Sum() {
				t.Fatalf("key %q after %q: HMAC256 %x, goHMAC256 %x", key, piece, a.Sum(), b.Sum())
			}
		}
		a.Write([]byte{0, 1, 2})
		b.Write([]byte{0, 1, 2})
		if a.Sum() != b.Sum() {
			t.Fatalf("key %q: HMAC256 and goHMAC256 differ after Write", key)
		}
	}
	if Sum256([]byte("abc")) != goSum256([]byte("abc")) || Sum1(nil) != goSum1(nil) || Sum384(nil) != goSum384(nil) || Sum512([]byte("x")) != goSum512([]byte("x")) {
		t.Fatal("the exported sums differ from the guest's")
	}
}
