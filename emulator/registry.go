package emulator

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"iter"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
)

// record is what a table stores: a pointer to a record struct that knows its
// id and its creation sequence number.
type record interface {
	comparable
	key() string
	seq() uint64
}

// index is a view of a table kept current by the table: add runs after a
// record enters (or is changed), remove before it leaves (or is changed).
type index[T record] interface {
	add(T)
	remove(T)
}

// resource declares one collection of the instance. Everything that differs
// between collections is here, so adding one is a declaration (a field of
// state and a declare call), not edits in every "all collections" list:
// persistence, load checks, the id counter and webhook events all walk the
// registry.
type resource[T record] struct {
	name   string // key in the state file, e.g. "users"
	prefix string // id prefix, e.g. "user"
	field  func(*state) **table[T]
	// Webhook events: created on insert, updated on update, deleted on
	// remove; "" emits nothing. status/statusEvents emit an event when an
	// update changes the record's status (session.revoked, ...).
	created, updated, deleted string
	status                    func(T) string
	statusEvents              map[string]string
	// out renders the record as Clerk sends it (webhook data); gone renders
	// the deleted object. Both are needed only when events are declared.
	out  func(e *Emulator, r T) any
	gone func(e *Emulator, r T) any
	// indexes builds the table's indexes (nil: none).
	indexes func(s *state, t *table[T]) []index[T]
	// check validates one loaded record against the rest of the state.
	check func(s *state, r T) error
	// checkTable, if set, validates the whole loaded table instead of
	// check: a table can sometimes be checked by counting, without a lookup
	// per record.
	checkTable func(s *state) error
	// checkDerives says check also sets on each record what the table's
	// derived index (see reindex) computes: a load then skips the derived
	// pass, and looks each record's references up once.
	checkDerives bool
	// fast decodes one record as Save writes it, giving up (false) on
	// anything else, which encoding/json then decodes (recdecode.go); nil:
	// encoding/json only.
	fast func([]byte, *arena) (T, bool)
	// order is the decode order rank: tables another table's check refers to
	// load first (lower first).
	order int
}

// anyTable is what the registry walks.
type anyTable interface {
	resName() string
	size() int
	maxSeq() uint64
	checkAll(s *state) error
	checkNil() error
	loadDone()
	encode(w *bufio.Writer) error
	decode(data []byte) (int, error)
	reindex()
	rank() int
}

var registry []func(*state) anyTable

// declare registers a resource; call it from a package-level var.
func declare[T record](r *resource[T]) *resource[T] {
	registry = append(registry, func(s *state) anyTable {
		t := &table[T]{res: r, st: s, rows: map[string]T{}}
		*r.field(s) = t
		if r.indexes != nil {
			t.idx = r.indexes(s, t)
		}
		return t
	})
	return r
}

// table is the store of one resource: its records by id and its indexes.
// Mutations go through insert, update and remove so indexes and events
// cannot be forgotten; all of them run under the emulator's write lock.
type table[T record] struct {
	res  *resource[T]
	st   *state
	rows map[string]T
	idx  []index[T]
	// loaded says decode found every record non-null and filed under its
	// own id, and loadedMax is then their highest sequence number: a load
	// of a million records need not walk them again for either.
	loaded    bool
	loadedMax uint64
	// inFile is a loaded table's records in the file's order (Save writes
	// them oldest first), until the load ends: the load's walks read them
	// in the order they were decoded into memory, not the map's random
	// order, and the created_at order is already sorted.
	inFile []T
}

func (t *table[T]) resName() string { return t.res.name }
func (t *table[T]) size() int       { return len(t.rows) }
func (t *table[T]) len() int        { return len(t.rows) }
func (t *table[T]) rank() int       { return t.res.order }

// get returns the record with id, or the zero value (nil).
func (t *table[T]) get(id string) T { return t.rows[id] }

// newID returns a fresh id with the resource's prefix.
func (t *table[T]) newID() string { return t.st.IDs.next(t.res.prefix) }

// all iterates the records in no particular order.
func (t *table[T]) all() iter.Seq2[string, T] {
	return func(yield func(string, T) bool) {
		for k, v := range t.rows {
			if !yield(k, v) {
				return
			}
		}
	}
}

// sorted returns the records oldest first (by creation sequence), the
// stable base order of every list.
func (t *table[T]) sorted() []T {
	out := make([]T, 0, len(t.rows))
	for _, r := range t.rows {
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b T) int { return cmpU64(a.seq(), b.seq()) })
	return out
}

func cmpU64(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// insert adds a new record and emits its created event.
func (t *table[T]) insert(r T) {
	t.rows[r.key()] = r
	for _, ix := range t.idx {
		ix.add(r)
	}
	t.event(t.res.created, r, false)
}

// update runs f on a record in the table, keeping indexes current, and emits
// the updated event (and a status event when f changed the status).
func (t *table[T]) update(r T, f func()) {
	var before string
	if t.res.status != nil {
		before = t.res.status(r)
	}
	for _, ix := range t.idx {
		ix.remove(r)
	}
	f()
	for _, ix := range t.idx {
		ix.add(r)
	}
	if t.res.status != nil {
		if after := t.res.status(r); after != before {
			if ev := t.res.statusEvents[after]; ev != "" {
				t.event(ev, r, false)
				return
			}
		}
	}
	t.event(t.res.updated, r, false)
}

// remove deletes a record and emits its deleted event.
func (t *table[T]) remove(r T) {
	if _, ok := t.rows[r.key()]; !ok {
		return
	}
	for _, ix := range t.idx {
		ix.remove(r)
	}
	delete(t.rows, r.key())
	t.event(t.res.deleted, r, true)
}

func (t *table[T]) event(typ string, r T, gone bool) {
	e := t.st.emu
	if typ == "" || e == nil || !e.hooks.active() {
		return
	}
	if gone {
		if t.res.gone != nil {
			e.emit(typ, t.res.gone(e, r))
		}
		return
	}
	if t.res.out != nil {
		e.emit(typ, t.res.out(e, r))
	}
}

// loadDone drops what decode noted for the load's checks.
func (t *table[T]) loadDone() { t.loaded, t.loadedMax, t.inFile = false, 0, nil }

func (t *table[T]) maxSeq() uint64 {
	if t.loaded {
		return t.loadedMax
	}
	var n uint64
	for _, r := range t.rows {
		n = max(n, r.seq())
	}
	return n
}

// checkNil rejects null records and records filed under another id; it
// runs before indexing.
func (t *table[T]) checkNil() error {
	if t.loaded {
		return nil
	}
	for k, r := range t.rows {
		var zero T
		if r == zero || r.key() != k {
			return fmt.Errorf("%s %q is null or filed under another id", t.res.name, k)
		}
	}
	return nil
}

func (t *table[T]) checkAll(s *state) error {
	if t.res.checkTable != nil {
		return t.res.checkTable(s)
	}
	if t.res.check == nil {
		return nil
	}
	// Checks only read the state: they run on every core.
	var (
		mu       sync.Mutex
		firstErr error
	)
	parallel(t.rowSlice(), func(r T) bool {
		if err := t.res.check(s, r); err != nil {
			mu.Lock()
			if firstErr == nil {
				firstErr = err
			}
			mu.Unlock()
			return false
		}
		return true
	})
	return firstErr
}

// rowSlice returns the records in no particular order (while a table loads,
// in the file's order; callers do not modify it).
func (t *table[T]) rowSlice() []T {
	if t.loaded && len(t.inFile) == len(t.rows) {
		return t.inFile
	}
	out := make([]T, 0, len(t.rows))
	for _, r := range t.rows {
		out = append(out, r)
	}
	return out
}

// parallel calls f on every element, in chunks on every core; a chunk stops
// at the first false.
func parallel[T any](rs []T, f func(T) bool) {
	workers := max(1, runtime.GOMAXPROCS(0))
	if len(rs) < 1024 {
		workers = 1
	}
	chunk := (len(rs) + workers - 1) / workers
	var wg sync.WaitGroup
	for lo := 0; lo < len(rs); lo += chunk {
		part := rs[lo:min(lo+chunk, len(rs))]
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, r := range part {
				if !f(r) {
					return
				}
			}
		}()
	}
	wg.Wait()
}

func (t *table[T]) reindex() {
	if t.res.indexes == nil {
		return
	}
	t.idx = t.res.indexes(t.st, t)
	rows := t.rowSlice()
	// Derived keys first (they feed the others; each record's own, so in
	// parallel chunks) unless the table's check derives them (checkDerives:
	// no index built here may then read them, which holds for the users'
	// sort keys: only orders built on demand read them), then every index
	// in parallel: indexes are
	// independent structures; rows are only read. An index that can build
	// itself from all the rows at once (sorted, for a tree) does so.
	rest := t.idx
	if len(rest) > 0 {
		if _, ok := rest[0].(interface{ derived() }); ok {
			if d := rest[0]; !t.res.checkDerives {
				parallel(rows, func(r T) bool { d.add(r); return true })
			}
			rest = rest[1:]
		}
	}
	var wg sync.WaitGroup
	for _, ix := range rest {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if b, ok := ix.(interface{ build([]T) }); ok {
				b.build(rows)
				return
			}
			for _, r := range rows {
				ix.add(r)
			}
		}()
	}
	wg.Wait()
}

// encode writes the table as a JSON object keyed by id, oldest first, one
// record per line.
func (t *table[T]) encode(w *bufio.Writer) error {
	if _, err := w.WriteString("{"); err != nil {
		return err
	}
	for i, r := range t.sorted() {
		if i > 0 {
			w.WriteByte(',')
		}
		w.WriteString("\n")
		k, _ := json.Marshal(r.key())
		w.Write(k)
		w.WriteByte(':')
		b, err := json.Marshal(r)
		if err != nil {
			return fmt.Errorf("%s %s: %w", t.res.name, r.key(), err)
		}
		if _, err := w.Write(b); err != nil {
			return err
		}
	}
	_, err := w.WriteString("}")
	return err
}

// decode reads what encode wrote (or any JSON object of records by id, or
// null). The records are split in one pass and decoded in batches by
// workers on every core, each batch into its own slice; the records then go
// into one map sized for them all, keyed by their own ids' bytes.
//
// data runs from the table's value to the end of the file; decode returns the
// length of the value.
func (t *table[T]) decode(data []byte) (int, error) {
	if len(data) >= 4 && string(data[:4]) == "null" {
		return 4, nil
	}
	type raw struct {
		k []byte // a slice of data (or the decoded key)
		b []byte
	}
	type oddKey struct {
		i int
		k string
	}
	type batch struct {
		items []raw
		out   []T
		// odd lists the records not filed under their own id (or null),
		// with the key they were filed under: checkNil rejects them.
		odd []oddKey
	}
	const batchLen = 512
	work := make(chan *batch, 4)
	// A decoded batch's items go back to the reader for the next batch: a
	// million records' raw slices are not all held until the map is built.
	free := make(chan []raw, 8)
	var (
		mu       sync.Mutex
		firstErr error
		wg       sync.WaitGroup
		batches  []*batch
		total    int
	)
	fail := func(err error) {
		mu.Lock()
		if firstErr == nil {
			firstErr = err
		}
		mu.Unlock()
	}
	release := func(bt *batch) {
		var zero T
		for i, r := range bt.out {
			if kb := bt.items[i].k; r == zero || r.key() != string(kb) {
				bt.odd = append(bt.odd, oddKey{i, string(kb)})
			}
		}
		select {
		case free <- bt.items[:0]:
		default:
		}
		bt.items = nil
	}
	decodeBatch := func(bt *batch, buf *bytes.Buffer) {
		defer func() {
			if r := recover(); r != nil {
				fail(faultError(r, data))
			}
		}()
		bt.out = make([]T, len(bt.items))
		if t.res.fast != nil {
			a := &arena{} // one per batch: a block is shared by neighbours only
			for i, it := range bt.items {
				r, ok := t.res.fast(it.b, a)
				if !ok {
					var zero T
					r = zero
					if err := unmarshalStrict(it.b, &r); err != nil {
						fail(fmt.Errorf("%s %q: %w", t.res.name, it.k, err))
						return
					}
				}
				bt.out[i] = r
			}
			release(bt)
			return
		}
		// One decoder per batch, reading the batch's records as a stream
		// of values.
		buf.Reset()
		for _, it := range bt.items {
			buf.Write(it.b)
			buf.WriteByte('\n')
		}
		rd := json.NewDecoder(buf)
		rd.UseNumber() // metadata numbers keep their exact text
		rd.DisallowUnknownFields()
		for i, it := range bt.items {
			if err := rd.Decode(&bt.out[i]); err != nil {
				fail(fmt.Errorf("%s %q: %w", t.res.name, it.k, err))
				return
			}
		}
		release(bt)
	}
	for range max(1, runtime.GOMAXPROCS(0)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// data may be a mapped file (LoadFile): a fault reading one
			// truncated meanwhile fails the load, and the worker goes on
			// taking batches, so the reader never waits on a worker that
			// is gone.
			defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
			var buf bytes.Buffer
			for bt := range work {
				decodeBatch(bt, &buf)
			}
		}()
	}
	// The workers are stopped and waited for even if the reader panics (a
	// fault, which decodeState recovers).
	end, readErr := func() (int, error) {
		defer func() {
			close(work)
			wg.Wait()
		}()
		next := func() *batch {
			select {
			case items := <-free:
				return &batch{items: items}
			default:
				return &batch{items: make([]raw, 0, batchLen)}
			}
		}
		cur := next()
		n := 0
		end, err := splitObjectB(data, func(k, rest []byte) (int, error) {
			vend, err := scanValue(rest, 0)
			if err != nil {
				return 0, fmt.Errorf("%q: %w", k, err)
			}
			cur.items = append(cur.items, raw{k, rest[:vend]})
			n++
			if len(cur.items) == batchLen {
				batches = append(batches, cur)
				work <- cur
				cur = next()
			}
			return vend, nil
		})
		if err == nil && len(cur.items) > 0 {
			batches = append(batches, cur)
			work <- cur
		}
		total = n
		return end, err
	}()
	if readErr != nil {
		return 0, fmt.Errorf("%s: %w", t.res.name, readErr)
	}
	if firstErr != nil {
		return 0, firstErr
	}
	rows := make(map[string]T, total)
	inFile := make([]T, 0, total)
	clean, top := true, uint64(0)
	for _, bt := range batches {
		odd := bt.odd
		for i, r := range bt.out {
			var k string
			if len(odd) > 0 && odd[0].i == i {
				k = odd[0].k // checkNil rejects it
				odd = odd[1:]
				clean = false
			} else {
				k = r.key() // the map shares the id's bytes
				top = max(top, r.seq())
				inFile = append(inFile, r)
			}
			if _, dup := rows[k]; dup {
				return 0, fmt.Errorf("%s %q appears twice", t.res.name, k)
			}
			rows[k] = r
		}
	}
	t.rows = rows
	t.loaded, t.loadedMax = clean, top
	if clean {
		t.inFile = inFile
	}
	return end, nil
}

// ---- the state as a whole ----

func (s *state) initTables() {
	s.tables = s.tables[:0]
	for _, mk := range registry {
		s.tables = append(s.tables, mk(s))
	}
	slices.SortStableFunc(s.tables, func(a, b anyTable) int { return a.rank() - b.rank() })
}

func (s *state) table(name string) anyTable {
	for _, t := range s.tables {
		if t.resName() == name {
			return t
		}
	}
	return nil
}

// encodeState writes {"instance":...,"ids":...,"<table>":{...},...}.
func (s *state) encode(w *bufio.Writer) error {
	head, err := json.Marshal(s.Instance)
	if err != nil {
		return err
	}
	ids, _ := json.Marshal(s.IDs)
	fmt.Fprintf(w, "{\n\"instance\":%s,\n\"ids\":%s", head, ids)
	for _, t := range s.tables {
		fmt.Fprintf(w, ",\n%q:", t.resName())
		if err := t.encode(w); err != nil {
			return err
		}
	}
	_, err = w.WriteString("\n}")
	return err
}

// decode reads what encode wrote; unknown keys are errors. data runs from
// the state's value to the end of the file; decode returns the value's
// length.
func (s *state) decode(data []byte) (int, error) {
	seen := map[string]bool{}
	return splitObjectN(data, func(k string, rest []byte) (int, error) {
		if seen[k] {
			return 0, fmt.Errorf("state has %q twice", k)
		}
		seen[k] = true
		var (
			n   int
			err error
		)
		switch k {
		case "instance", "ids":
			if n, err = scanValue(rest, 0); err == nil {
				if k == "instance" {
					err = unmarshalStrict(rest[:n], &s.Instance)
				} else {
					err = unmarshalStrict(rest[:n], &s.IDs)
				}
			}
		default:
			t := s.table(k)
			if t == nil {
				return 0, fmt.Errorf("state has an unknown collection %q (known: %s)", k, strings.Join(s.tableNames(), ", "))
			}
			n, err = t.decode(rest)
		}
		if err != nil {
			return 0, fmt.Errorf("%s: %w", k, err)
		}
		return n, nil
	})
}

func (s *state) tableNames() []string {
	var out []string
	for _, t := range s.tables {
		out = append(out, t.resName())
	}
	return out
}
