package emulator

import (
	"bytes"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// stateVersion is the format of saved state files.
const stateVersion = 1

type stateFile struct {
	Version    int    `json:"version"`
	SecretKey  string `json:"secret_key"`
	SigningKey string `json:"signing_key"` // PKCS#8 PEM
	State      *state `json:"state"`
}

// Save writes the whole instance (records, id sequence, signing key and
// secret key) as JSON. Passwords are held only as salted PBKDF2 hashes, and
// password digests and TOTP secrets as fingerprints, so the file never
// contains them.
func (e *Emulator) Save(w io.Writer) error {
	e.mu.Lock()
	der, err := x509.MarshalPKCS8PrivateKey(e.key)
	if err != nil {
		e.mu.Unlock()
		return fmt.Errorf("emulator: encoding the signing key: %w", err)
	}
	b, err := json.MarshalIndent(stateFile{
		Version:    stateVersion,
		SecretKey:  e.secretKey,
		SigningKey: string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})),
		State:      e.st,
	}, "", " ")
	e.mu.Unlock()
	if err != nil {
		return fmt.Errorf("emulator: encoding the state: %w", err)
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// SaveFile writes the state to path atomically: a temporary file in the same
// directory, synced, then renamed over path.
func (e *Emulator) SaveFile(path string) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("emulator: saving state: %w", err)
	}
	tmp := f.Name()
	defer os.Remove(tmp) // no-op after a successful rename
	if err := e.Save(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("emulator: saving state: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("emulator: saving state: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("emulator: saving state: %w", err)
	}
	return nil
}

// Load replaces the instance with a saved one. The file is checked in full
// before anything changes, so a bad file leaves the emulator as it was. A
// secret key given with WithSecretKey takes precedence over the file's.
func (e *Emulator) Load(r io.Reader) error {
	raw, err := io.ReadAll(io.LimitReader(r, 1<<30))
	if err != nil {
		return fmt.Errorf("emulator: reading state: %w", err)
	}
	sf, key, err := decodeState(raw)
	if err != nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.st = sf.State
	e.key = key
	if !e.explicitKey && sf.SecretKey != "" {
		e.secretKey = sf.SecretKey
	}
	return nil
}

// LoadFile loads a state file; a missing file is reported with an error
// satisfying errors.Is(err, fs.ErrNotExist).
func (e *Emulator) LoadFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("emulator: %w", err)
	}
	defer f.Close()
	if err := e.Load(f); err != nil {
		return fmt.Errorf("%w (file %s)", err, path)
	}
	return nil
}

func decodeState(raw []byte) (*stateFile, *rsa.PrivateKey, error) {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber() // metadata numbers keep their exact text
	d.DisallowUnknownFields()
	var sf stateFile
	if err := d.Decode(&sf); err != nil {
		return nil, nil, fmt.Errorf("emulator: state file is not valid: %w", err)
	}
	if d.More() {
		return nil, nil, errors.New("emulator: state file has data after the JSON object")
	}
	if sf.Version != stateVersion {
		return nil, nil, fmt.Errorf("emulator: state file version %d is not supported (want %d)", sf.Version, stateVersion)
	}
	if sf.State == nil {
		return nil, nil, errors.New("emulator: state file has no state")
	}
	if sf.SecretKey != "" && !strings.HasPrefix(sf.SecretKey, "sk_") {
		return nil, nil, errors.New("emulator: state file's secret_key does not start with sk_")
	}
	block, _ := pem.Decode([]byte(sf.SigningKey))
	if block == nil {
		return nil, nil, errors.New("emulator: state file's signing_key is not PEM")
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, nil, fmt.Errorf("emulator: state file's signing_key: %w", err)
	}
	key, ok := k.(*rsa.PrivateKey)
	if !ok || key.N.BitLen() < 2048 {
		return nil, nil, errors.New("emulator: state file's signing_key must be an RSA key of at least 2048 bits")
	}
	st := sf.State
	st.ensureMaps()
	if err := st.check(); err != nil {
		return nil, nil, fmt.Errorf("emulator: state file is inconsistent: %w", err)
	}
	// Ids and sequence numbers come from one counter. A counter behind the
	// records (a hand-edited or merged file) would hand out an id a record
	// already has, silently replacing it; resuming past them cannot.
	st.IDs.N = max(st.IDs.N, st.maxSeq())
	return &sf, key, nil
}

// check rejects states whose records would make handlers fail: null records,
// keys that differ from ids, and references to missing records.
func (s *state) check() error {
	if !strings.HasPrefix(s.Instance.ID, "ins_") || s.Instance.Slug == "" {
		return errors.New("instance id or slug missing")
	}
	bad := func(kind, key string) error { return fmt.Errorf("%s %q is null or filed under another id", kind, key) }
	// Every identification is listed exactly once, by its own user, under
	// its kind: handlers delete a user's identifications through these
	// lists, so an unlisted one would outlive its user and keep its address
	// taken (and make the next save unloadable).
	listedBy := map[string]string{}
	for k, r := range s.Users {
		if r == nil || r.ID != k {
			return bad("user", k)
		}
		for kind, ids := range map[string][]string{"email_address": r.EmailIDs, "phone_number": r.PhoneIDs} {
			for _, id := range ids {
				idn := s.Idents[id]
				switch {
				case idn == nil:
					return fmt.Errorf("user %s refers to missing identification %s", k, id)
				case idn.Kind != kind:
					return fmt.Errorf("user %s lists identification %s (a %s) among its %ss", k, id, idn.Kind, kind)
				case listedBy[id] != "":
					return fmt.Errorf("identification %s is listed by users %s and %s", id, listedBy[id], k)
				}
				listedBy[id] = k
			}
		}
		for _, p := range []*string{r.PrimaryEmailID, r.PrimaryPhoneID} {
			if p != nil && listedBy[*p] != k {
				return fmt.Errorf("user %s has primary identification %s, which is not one of its own", k, *p)
			}
		}
	}
	for k, r := range s.Idents {
		if r == nil || r.ID != k {
			return bad("identification", k)
		}
		if s.Users[r.UserID] == nil || (r.Kind != "email_address" && r.Kind != "phone_number") {
			return fmt.Errorf("identification %s has a missing user or an unknown kind", k)
		}
		if listedBy[k] != r.UserID {
			return fmt.Errorf("identification %s belongs to user %s, which does not list it", k, r.UserID)
		}
	}
	// Handlers compare statuses to these words; any other would make an
	// invitation that can neither be listed by status nor revoked correctly.
	invStatus := func(kind, k, st string) error {
		switch st {
		case "pending", "accepted", "revoked":
			return nil
		}
		return fmt.Errorf("%s %s has status %q; want pending, accepted or revoked (expired is derived from expires_at)", kind, k, st)
	}
	for k, r := range s.Invitations {
		if r == nil || r.ID != k {
			return bad("invitation", k)
		}
		if err := invStatus("invitation", k, r.Status); err != nil {
			return err
		}
	}
	for k, r := range s.Orgs {
		if r == nil || r.ID != k {
			return bad("organization", k)
		}
	}
	for k, r := range s.Memberships {
		if r == nil || r.ID != k {
			return bad("membership", k)
		}
		if s.Orgs[r.OrgID] == nil || s.Users[r.UserID] == nil {
			return fmt.Errorf("membership %s refers to a missing organization or user", k)
		}
	}
	for k, r := range s.OrgInvitations {
		if r == nil || r.ID != k || s.Orgs[r.OrgID] == nil {
			return bad("organization invitation", k)
		}
		if err := invStatus("organization invitation", k, r.Status); err != nil {
			return err
		}
	}
	for k, r := range s.OrgDomains {
		if r == nil || r.ID != k || s.Orgs[r.OrgID] == nil {
			return bad("organization domain", k)
		}
	}
	for _, m := range []map[string]*listIdentRec{s.Allowlist, s.Blocklist} {
		for k, r := range m {
			if r == nil || r.ID != k {
				return bad("identifier", k)
			}
		}
	}
	for k, r := range s.RedirectURLs {
		if r == nil || r.ID != k {
			return bad("redirect URL", k)
		}
	}
	for k, r := range s.JWTTemplates {
		if r == nil || r.ID != k {
			return bad("JWT template", k)
		}
	}
	for _, m := range []map[string]*tokenRec{s.SignInTokens, s.ActorTokens} {
		for k, r := range m {
			if r == nil || r.ID != k {
				return bad("token", k)
			}
		}
	}
	for k, r := range s.Waitlist {
		if r == nil || r.ID != k {
			return bad("waitlist entry", k)
		}
	}
	for k, r := range s.Sessions {
		if r == nil || r.ID != k {
			return bad("session", k)
		}
		if s.Users[r.UserID] == nil && r.Status == "active" {
			return fmt.Errorf("active session %s refers to a missing user", k)
		}
	}
	return nil
}
