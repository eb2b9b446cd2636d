package migrate

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A broken transformer module is refused with a message that says what is
// wrong, before any user is read.
func TestTransformerModuleErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct{ name, src, want string }{
		{"syntax.ts", "export default { transformer: { id: 'userId' ", "syntax.ts:1:"},
		{"nomap.js", "export default { key: 'x' }", `no "transformer" field map`},
		{"badmap.js", "export default { transformer: { id: 3 } }", `"id" must name a Clerk field`},
		{"imports.js", "import fs from 'fs'; export default { transformer: {} }", `cannot import "fs"`},
		{"notfn.js", "export default { transformer: {}, postTransform: 1 }", `"postTransform" must be a function`},
		{"throws.js", "throw new Error('boom')", "boom"},
	} {
		path := filepath.Join(dir, tc.name)
		if err := os.WriteFile(path, []byte(tc.src), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Load(path)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error containing %q", tc.name, err, tc.want)
		}
	}
	if _, err := Load("okta"); err == nil || !strings.Contains(err.Error(), "auth0, authjs") {
		t.Errorf("unknown built-in: %v", err)
	}
}

// A postTransform that throws rejects that user, with the message; the
// next users go on.
func TestTransformThrowsRejectsOneUser(t *testing.T) {
	dir := t.TempDir()
	mod := filepath.Join(dir, "t.js")
	if err := os.WriteFile(mod, []byte(`module.exports = { transformer: { id: 'userId' },
		postTransform(u) { if (u.userId === 'bad') throw new Error('no good: ' + u.userId); } }`), 0o644); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(dir, "u.json")
	if err := os.WriteFile(data, []byte(`[{"id":"bad","email":"a@b.co"},{"id":"good","email":"c@d.co"}]`), 0o644); err != nil {
		t.Fatal(err)
	}
	s, out, fails := dryRun(t, mod, data, Options{})
	if s.Planned != 1 || s.Invalid != 1 || !strings.Contains(fails, "no good: bad") || !strings.Contains(out, `"good"`) {
		t.Errorf("%+v\n%s\n%s", s, out, fails)
	}
}
