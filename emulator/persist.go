package emulator

import (
	"bufio"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"

	"github.com/clerkscript/clerkscript/internal/mmapfile"
)

// stateVersion is the format of saved state files.
const stateVersion = 1

// Save writes the whole instance (records, id sequence, signing key and
// secret key) as JSON, one record per line, streamed: a million users do not
// need a second copy in memory. Passwords are held only as salted PBKDF2
// hashes and plain backup codes as fingerprints; imported password digests
// and TOTP secrets are kept as given (users.verifyPassword and
// users.verifyTotp check against them), so treat the file as a secret, as it
// holds the instance's keys. Requests wait while it runs (reads may proceed).
func (e *Emulator) Save(w io.Writer) error {
	e.mu.RLock()
	defer e.mu.RUnlock()
	der, err := x509.MarshalPKCS8PrivateKey(e.key)
	if err != nil {
		return fmt.Errorf("emulator: encoding the signing key: %w", err)
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	sk, _ := json.Marshal(e.secretKey)
	pk, _ := json.Marshal(string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})))
	fmt.Fprintf(bw, "{\"version\":%d,\n\"secret_key\":%s,\n\"signing_key\":%s,\n\"state\":", stateVersion, sk, pk)
	if err := e.st.encode(bw); err != nil {
		return fmt.Errorf("emulator: encoding the state: %w", err)
	}
	bw.WriteString("}\n")
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("emulator: writing the state: %w", err)
	}
	return nil
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

// Load replaces the instance with a saved one. The file is read and checked
// in full before anything changes, so a bad file leaves the emulator as it
// was. A secret key given with WithSecretKey takes precedence over the file's.
// The file's bytes are held in memory while it loads (about 800 bytes a
// user), then released: splitting it in memory and decoding its records on
// every core is several times faster than streaming it through one decoder.
func (e *Emulator) Load(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return fmt.Errorf("emulator: reading state file: %w", err)
	}
	return e.load(data)
}

func (e *Emulator) load(data []byte) error {
	sf, key, err := decodeState(data)
	if err != nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	sf.state.emu = e
	e.st = sf.state
	e.key = key
	if !e.explicitKey && sf.SecretKey != "" {
		e.secretKey = sf.SecretKey
	}
	return nil
}

// LoadFile loads a state file; a missing file is reported with an error
// satisfying errors.Is(err, fs.ErrNotExist).
//
// A regular file is mapped into memory for the duration of the load rather
// than read (see internal/mmapfile); anything else, or on systems without mmap,
// is read.
func (e *Emulator) LoadFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("emulator: %w", err)
	}
	defer f.Close()
	data, unmap, mapped := mmapfile.Map(f)
	if mapped {
		defer unmap() // after load: nothing loaded refers to the mapping
	} else if data, err = io.ReadAll(f); err != nil {
		return fmt.Errorf("emulator: %w", err)
	}
	if err := e.load(data); err != nil {
		return fmt.Errorf("%w (file %s)", err, path)
	}
	return nil
}

type loaded struct {
	SecretKey string
	state     *state
}

// decodeState decodes a whole state file. It is split by a fast structural
// scan and its records decoded on every core: a million users load in
// seconds, where a streaming json.Decoder spent longer scanning than
// decoding.
func decodeState(data []byte) (_ *loaded, _ *rsa.PrivateKey, err error) {
	defer pauseGC()()
	// data may be a mapped file: reading past the end of one truncated
	// meanwhile faults, which becomes an error (the table decoders' workers
	// catch their own).
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			err = faultError(r, data)
		}
	}()
	bad := func(err error) error { return fmt.Errorf("emulator: state file is not valid: %w", err) }
	var (
		version    int
		sf         loaded
		signingKey string
		seen       = map[string]bool{}
	)
	end, err := splitObjectN(data, func(k string, rest []byte) (int, error) {
		if seen[k] {
			return 0, fmt.Errorf("%q appears twice", k)
		}
		seen[k] = true
		var dst any
		switch k {
		case "version":
			dst = &version
		case "secret_key":
			dst = &sf.SecretKey
		case "signing_key":
			dst = &signingKey
		case "state":
			// The state reads its own value (the tables' records are
			// scanned once, as they are decoded).
			st := emptyState()
			n, err := st.decode(rest)
			if err != nil {
				return 0, err
			}
			sf.state = st
			return n, nil
		default:
			return 0, fmt.Errorf("unknown field %q", k)
		}
		n, err := scanValue(rest, 0)
		if err != nil {
			return 0, fmt.Errorf("%q: %w", k, err)
		}
		return n, unmarshalStrict(rest[:n], dst)
	})
	if err != nil {
		return nil, nil, bad(err)
	}
	if skipWS(data, end) != len(data) {
		return nil, nil, errors.New("emulator: state file has data after the JSON object")
	}
	if version != stateVersion {
		return nil, nil, fmt.Errorf("emulator: state file version %d is not supported (want %d)", version, stateVersion)
	}
	if sf.state == nil {
		return nil, nil, errors.New("emulator: state file has no state")
	}
	if sf.SecretKey != "" && !strings.HasPrefix(sf.SecretKey, "sk_") {
		return nil, nil, errors.New("emulator: state file's secret_key does not start with sk_")
	}
	block, _ := pem.Decode([]byte(signingKey))
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
	st := sf.state
	if err := st.check(); err != nil {
		return nil, nil, fmt.Errorf("emulator: state file is inconsistent: %w", err)
	}
	// Ids and sequence numbers come from one counter. A counter behind the
	// records (a hand-edited or merged file) would hand out an id a record
	// already has, silently replacing it; resuming past them cannot.
	st.IDs.N = max(st.IDs.N, st.maxSeq())
	for _, t := range st.tables {
		t.loadDone()
	}
	return &sf, key, nil
}

// pauseGC turns the collector off until the returned function runs. Nearly
// everything a load allocates is kept, so a collection during it finds
// little garbage and marks the records loaded so far again: at a million
// users, when it was added, that was most of a load's CPU (BenchmarkLoad:
// 13 of 21 CPU-seconds at GOGC=50). A memory limit (GOMEMLIMIT) still applies. Only one load
// pauses at a time; the setting in force before is restored.
func pauseGC() (resume func()) {
	if !gcPause.TryLock() {
		return func() {}
	}
	prev := debug.SetGCPercent(-1)
	return func() {
		debug.SetGCPercent(prev)
		gcPause.Unlock()
	}
}

var gcPause sync.Mutex

// errFileChanged is a load's error when its mapped state file shrank while it
// was being read.
var errFileChanged = errors.New("emulator: state file was truncated while it was being loaded: load it again")

// faultError turns a recovered memory fault at an address inside data (a
// mapped state file truncated during the load) into errFileChanged, with
// SetPanicOnFault on in the goroutine that faulted. Any other panic is
// raised again.
func faultError(r any, data []byte) error {
	if mmapfile.InData(r, data) {
		return errFileChanged
	}
	panic(r)
}

// check builds the indexes of a decoded state and rejects states whose
// records would make handlers fail: null records, keys that differ from ids,
// duplicates and references to missing records.
func (s *state) check() error {
	if !strings.HasPrefix(s.Instance.ID, "ins_") || s.Instance.Slug == "" {
		return errors.New("instance id or slug missing")
	}
	for _, t := range s.tables {
		if err := t.checkNil(); err != nil {
			return err
		}
	}
	// Each table's indexes read only its own rows (and, for derived keys,
	// other tables' rows, which are complete): the tables are indexed
	// together, so one table's single-threaded index builds overlap
	// another's.
	var wg sync.WaitGroup
	for _, t := range s.tables {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t.reindex()
		}()
	}
	wg.Wait()
	for _, t := range s.tables {
		if err := t.checkAll(s); err != nil {
			return err
		}
	}
	return nil
}
