package migrate

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"iter"
	"os"
	"reflect"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/clerkscript/clerkscript/core"
	"github.com/clerkscript/clerkscript/internal/job"
	"github.com/clerkscript/clerkscript/internal/journal"
)

// JobName is the journal's job name for migrated users.
const JobName = "migrate"

// Options configure one migration run.
type Options struct {
	Transformer *Transformer
	Input       io.Reader
	Format      Format
	// ResumeAfter skips every user up to and including this source id (the
	// official tool's --resume-after). With a journal it is rarely needed.
	ResumeAfter string
	Plan        PlanOptions
	// SkipUnsupportedProviders (Supabase) skips users whose only sign-in
	// providers (raw_app_meta_data.providers) are social providers missing
	// from EnabledProviders.
	SkipUnsupportedProviders bool
	EnabledProviders         []string
	Firebase                 *FirebaseHash

	// DryRun validates and writes each create payload (masked) to
	// DryRunOut as one JSON line; no API call is made. Users not migrated
	// go to FailuresPath as in a real run.
	DryRun    bool
	DryRunOut io.Writer

	// Client must send through job.TrackingTransport, so that the job
	// engine knows which requests of an interrupted user were in flight.
	Client *core.Client
	// Journal (required unless DryRun) records every user by source id.
	Journal *journal.Journal
	// TemporaryJournal says the journal is deleted at exit (--emulate).
	TemporaryJournal bool
	Concurrency      int // users in flight (default 4)
	// Retries is how many times a user whose create failed in a way that
	// may succeed later (5xx, network) is tried again (default 2). A 429 is
	// waited out by the client (Retry-After) before that.
	Retries int
	// Total is the number of records, for the progress line's ETA (-1 or
	// 0 when unknown).
	Total int

	// FailuresPath receives one NDJSON line per user not migrated:
	// {"job":"migrate","key":<source id>,"error":{...},"in_doubt":false,
	// "item":<the source record>}. The file can be given back to -f with
	// the same transformer: the records are unwrapped.
	FailuresPath string
	// Stderr receives the job's progress, one line per failure, and its
	// summary. Interactive draws a progress bar instead of lines.
	Stderr      io.Writer
	Interactive bool
	// Stop, when done, stops taking new users: in-flight ones finish and
	// are journaled.
	Stop context.Context
}

// Stats are a run's totals.
type Stats struct {
	Read         int64 // records read from the file
	Invalid      int64 // failed validation (reported)
	Duplicates   int64 // same source id again in the file (reported)
	Unsupported  int64 // --skip-unsupported-providers (reported)
	BeforeResume int64 // skipped by --resume-after
	Dropped      int64 // preTransform returned null
	Planned      int64 // valid users (dry run: payloads printed)
	Created      int64 // created by this run
	Existing     int64 // the create said the identifier exists and the lookup by external_id found the user: an earlier attempt's
	Reconciled   int64 // in doubt (this run or an earlier one), found in Clerk by external_id
	AlreadyDone  int64 // done in an earlier run, per the journal
	Failed       int64 // the API refused the user, or it stayed in doubt (reported)
	InDoubt      int64 // of Failed: may have been created; a re-run looks them up
	Retried      int64
	// ResumeMissing says --resume-after's id never appeared.
	ResumeMissing bool
	Stopped       bool
}

// Done counts the users that are in Clerk after the run.
func (s Stats) Done() int64 { return s.Created + s.Existing + s.Reconciled + s.AlreadyDone }

// Reported counts the users written to the failures file.
func (s Stats) Reported() int64 { return s.Invalid + s.Duplicates + s.Unsupported + s.Failed }

// item is one record on its way through the job: a plan, or the reason
// it is not migrated (then it fails without a request).
type item struct {
	plan   *Plan
	raw    map[string]any
	row    int
	key    string
	reject error
}

// rejected is an item's validation failure: not applied, not retryable.
type rejected struct{ msg string }

func (r *rejected) Error() string { return r.msg }

type runner struct {
	o     Options
	stats Stats
}

// Run migrates the users of opts.Input on the job engine: every user is
// a job item keyed by its source id, journaled, looked up by external_id
// when in doubt. It returns the totals and the first error that stopped it
// (a malformed file, a journal that cannot be written); users that are not
// migrated are in the totals and the failures file.
func Run(ctx context.Context, o Options) (Stats, error) {
	if o.Transformer == nil {
		return Stats{}, errors.New("migrate: no transformer")
	}
	if !o.DryRun && (o.Client == nil || o.Journal == nil) {
		return Stats{}, errors.New("migrate: a client and a journal are required (or DryRun)")
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 4
	}
	if o.Retries == 0 {
		o.Retries = 2
	}
	if o.DryRunOut == nil {
		o.DryRunOut = io.Discard
	}
	if o.Stderr == nil {
		o.Stderr = io.Discard
	}
	if o.Stop == nil {
		o.Stop = context.Background()
	}
	r := &runner{o: o}
	t := o.Transformer
	t.SetContext(Context{Firebase: o.Firebase, Format: o.Format})
	release := t.Interrupt(ctx)
	defer release()

	if o.DryRun {
		return r.dryRun(ctx)
	}
	total := o.Total
	if total <= 0 {
		total = -1
	}
	sum, err := job.Run(ctx, job.Options{
		Name:             JobName,
		Concurrency:      o.Concurrency,
		Retries:          o.Retries,
		RetryDelay:       500 * time.Millisecond,
		Total:            total,
		Journal:          o.Journal,
		TemporaryJournal: o.TemporaryJournal,
		FailuresPath:     o.FailuresPath,
		Stderr:           o.Stderr,
		Interactive:      o.Interactive,
		Tracked:          true,
		Stop:             o.Stop,
	}, r.items(ctx), job.Spec[item]{
		Key: func(it item, _ int) (string, error) { return it.key, nil },
		Do:  r.do,
		Reconcile: func(ctx context.Context, it item) (string, bool, error) {
			if it.plan == nil {
				return "", false, nil
			}
			id, err := r.lookup(ctx, it.plan.SourceID)
			if err != nil || id == "" {
				return "", false, err
			}
			if err := r.ensureExtras(ctx, it.plan, id); err != nil {
				return "", false, err
			}
			return id, true, nil
		},
		Classify: func(err error) job.Class {
			var rj *rejected
			if errors.As(err, &rj) {
				return job.Class{}
			}
			return job.ClassifyError(err)
		},
		Record: func(it item) any { return it.raw },
	})
	s := r.snapshot()
	s.Reconciled = sum.Reconciled
	s.AlreadyDone = sum.Skipped
	s.Retried = sum.Retried
	s.InDoubt = sum.InDoubt
	s.Stopped = sum.Stopped
	// The job counts the rejected items among its failures.
	// (A rejected record whose id an earlier run migrated is skipped as
	// done instead, hence the floor.)
	s.Failed = max(0, sum.Failed-s.Invalid-s.Duplicates-s.Unsupported)
	return s, err
}

func (r *runner) dryRun(ctx context.Context) (Stats, error) {
	var ff *failuresOut
	if r.o.FailuresPath != "" {
		ff = &failuresOut{path: r.o.FailuresPath}
		defer ff.Close()
	}
	for it, err := range r.items(ctx) {
		if err != nil {
			return r.snapshot(), err
		}
		if it.reject != nil {
			if ff != nil {
				if err := ff.write(it); err != nil {
					return r.snapshot(), err
				}
			}
			continue
		}
		p := it.plan
		create, err := payloadJSON(Masked(p.Create))
		if err != nil {
			return r.snapshot(), err
		}
		line := struct {
			Row              int             `json:"row"`
			SourceID         string          `json:"source_id"`
			Create           json.RawMessage `json:"create"`
			UnverifiedEmails []string        `json:"unverified_email_addresses,omitempty"`
			UnverifiedPhones []string        `json:"unverified_phone_numbers,omitempty"`
		}{p.Row, p.SourceID, create, p.UnverifiedEmails, p.UnverifiedPhones}
		b, err := marshalLine(line)
		if err != nil {
			return r.snapshot(), err
		}
		if _, err := r.o.DryRunOut.Write(b); err != nil {
			return r.snapshot(), fmt.Errorf("writing the dry-run output: %w", err)
		}
	}
	return r.snapshot(), nil
}

// failuresOut writes a dry run's failures in the job's format.
type failuresOut struct {
	path string
	f    *os.File
	bw   *bufio.Writer
}

func (f *failuresOut) write(it item) error {
	if f.f == nil {
		var err error
		if f.f, err = os.OpenFile(f.path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600); err != nil { // records may hold TOTP secrets and digests
			return err
		}
		f.bw = bufio.NewWriter(f.f)
	}
	b, err := marshalLine(map[string]any{"job": JobName, "key": it.key, "error": journal.ErrorInfo{Message: it.reject.Error()}, "in_doubt": false, "item": it.raw})
	if err != nil {
		return err
	}
	_, err = f.bw.Write(b)
	return err
}

func (f *failuresOut) Close() error {
	if f.f == nil {
		return nil
	}
	err := f.bw.Flush()
	if cerr := f.f.Close(); err == nil {
		err = cerr
	}
	return err
}

func (r *runner) snapshot() Stats {
	s := r.stats
	for _, p := range []*int64{&s.Read, &s.Invalid, &s.Duplicates, &s.Unsupported, &s.BeforeResume, &s.Dropped,
		&s.Planned, &s.Created, &s.Existing} {
		*p = atomic.LoadInt64(p)
	}
	return s
}

// items reads, transforms and validates the records, one at a time: valid
// users carry a plan, the others the reason they are not migrated.
func (r *runner) items(ctx context.Context) iter.Seq2[item, error] {
	return func(yield func(item, error) bool) {
		o := r.o
		t := o.Transformer
		seen := map[uint64]int{} // hash of source id → row: 8+8 bytes a user, not the id
		seed := maphash.MakeSeed()
		resuming := o.ResumeAfter != ""
		defer func() {
			if o.ResumeAfter != "" && resuming {
				r.stats.ResumeMissing = true
			}
		}()
		reject := func(rec Record, id, reason string, counter *int64) bool {
			atomic.AddInt64(counter, 1)
			key := id
			if key == "" {
				key = fmt.Sprintf("#%d", rec.Row)
			}
			return yield(item{raw: rec.Data, row: rec.Row, key: key, reject: &rejected{reason}}, nil)
		}
		for rec, err := range Read(o.Input, o.Format, t.Input) {
			if err != nil {
				yield(item{}, err)
				return
			}
			if ctx.Err() != nil {
				yield(item{}, ctx.Err())
				return
			}
			// A failures file given back: unwrap the source record.
			if rec.Data["job"] == JobName {
				if inner, ok := rec.Data["item"].(map[string]any); ok {
					rec.Data = inner
				}
			}
			atomic.AddInt64(&r.stats.Read, 1)
			user, err := t.Apply(rec.Data)
			if err != nil {
				if ctx.Err() != nil {
					yield(item{}, ctx.Err())
					return
				}
				if !reject(rec, "", "transform: "+err.Error(), &r.stats.Invalid) {
					return
				}
				continue
			}
			if user == nil {
				atomic.AddInt64(&r.stats.Dropped, 1)
				continue
			}
			plan, err := Build(user, rec.Row, o.Plan)
			id := ""
			if plan != nil {
				id = plan.SourceID
			}
			if resuming {
				if id != "" && id == o.ResumeAfter {
					resuming = false
				}
				if id != "" {
					// A later record with the same id is still a duplicate.
					seen[maphash.String(seed, id)] = rec.Row
				}
				atomic.AddInt64(&r.stats.BeforeResume, 1)
				continue
			}
			if err != nil {
				if !reject(rec, id, err.Error(), &r.stats.Invalid) {
					return
				}
				continue
			}
			h := maphash.String(seed, id)
			if first, dup := seen[h]; dup {
				if !reject(rec, fmt.Sprintf("%s#duplicate@%d", id, rec.Row), fmt.Sprintf("user id %q appears again in the file (first at record %d); only the first is migrated", id, first), &r.stats.Duplicates) {
					return
				}
				continue
			}
			seen[h] = rec.Row
			if o.SkipUnsupportedProviders && t.Key == "supabase" {
				if only := unsupportedOnly(rec.Data, o.EnabledProviders); len(only) > 0 {
					if !reject(rec, id, "signs in only with "+strings.Join(only, ", ")+", not enabled in Clerk (--skip-unsupported-providers)", &r.stats.Unsupported) {
						return
					}
					continue
				}
			}
			atomic.AddInt64(&r.stats.Planned, 1)
			if !yield(item{plan: plan, raw: rec.Data, row: rec.Row, key: id}, nil) {
				return
			}
		}
	}
}

// marshalLine is one JSON line, without HTML escaping (the output is read
// by people and by this tool, not embedded in a page).
func marshalLine(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// payloadOrder is the order of a dry run's payload fields: identity,
// password, secrets, metadata, dates, flags. Fields of the spec not
// listed follow in the generated type's order.
var payloadOrder = []string{
	"external_id", "email_address", "phone_number", "username", "first_name", "last_name",
	"password_digest", "password_hasher", "skip_password_requirement", "skip_password_checks",
	"totp_secret", "backup_codes", "public_metadata", "private_metadata", "unsafe_metadata",
	"created_at", "legal_accepted_at", "skip_legal_checks", "bypass_client_trust",
	"create_organization_enabled", "create_organizations_limit", "delete_self_enabled", "banned",
}

// payloadJSON is the create body as JSON with its fields in payloadOrder.
func payloadJSON(c *core.UsersCreateParams) (json.RawMessage, error) {
	flat, err := marshalLine(c)
	if err != nil {
		return nil, err
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(flat, &fields); err != nil {
		return nil, err
	}
	order := slices.Clone(payloadOrder)
	t := reflect.TypeFor[core.UsersCreateParams]()
	for i := range t.NumField() {
		if wire, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ","); !slices.Contains(order, wire) {
			order = append(order, wire)
		}
	}
	var b bytes.Buffer
	b.WriteByte('{')
	for _, k := range order {
		v, ok := fields[k]
		if !ok {
			continue
		}
		if b.Len() > 1 {
			b.WriteByte(',')
		}
		kb, _ := json.Marshal(k)
		b.Write(kb)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

func unsupportedOnly(raw map[string]any, enabled []string) []string {
	meta, _ := raw["raw_app_meta_data"].(map[string]any)
	if meta == nil {
		if s, ok := raw["raw_app_meta_data"].(string); ok {
			_ = json.Unmarshal([]byte(s), &meta)
		}
	}
	list, _ := meta["providers"].([]any)
	if len(list) == 0 {
		return nil
	}
	var social []string
	for _, p := range list {
		name, _ := p.(string)
		switch name {
		case "email", "phone", "anonymous_users", "":
			return nil // has a provider every instance supports
		}
		if slices.Contains(enabled, name) {
			return nil
		}
		social = append(social, name)
	}
	return social
}

// do migrates one user: the create, then its unverified addresses. A
// create refused because an identifier exists is looked up by
// external_id: when the user is ours (an earlier attempt), it is done.
func (r *runner) do(ctx context.Context, it item) (string, error) {
	if it.reject != nil {
		return "", it.reject
	}
	p := it.plan
	raw, err := r.o.Client.Call(ctx, "users.create", p.Create)
	if err != nil {
		var ae *core.APIError
		if !errors.As(err, &ae) || ae.StatusCode != 422 || !(ae.HasCode("form_identifier_exists") || ae.HasCode("duplicate_record")) {
			return "", err
		}
		id, lerr := r.lookup(ctx, p.SourceID)
		if lerr != nil {
			return "", fmt.Errorf("%w (and the lookup by external_id failed: %v)", err, lerr)
		}
		if id == "" {
			return "", err // taken by another user: a real conflict
		}
		if err := r.ensureExtras(ctx, p, id); err != nil {
			return "", err
		}
		atomic.AddInt64(&r.stats.Existing, 1)
		return id, nil
	}
	var u struct {
		ID string `json:"id"`
	}
	if jerr := json.Unmarshal(raw, &u); jerr != nil || u.ID == "" {
		return "", fmt.Errorf("users.create answered without a user id")
	}
	if err := r.addExtras(ctx, p, u.ID, nil); err != nil {
		return "", err
	}
	atomic.AddInt64(&r.stats.Created, 1)
	return u.ID, nil
}

// ensureExtras adds the unverified addresses a user found by lookup lacks.
func (r *runner) ensureExtras(ctx context.Context, p *Plan, userID string) error {
	if len(p.UnverifiedEmails)+len(p.UnverifiedPhones) == 0 {
		return nil
	}
	have, err := r.idents(ctx, userID)
	if err != nil {
		return err
	}
	return r.addExtras(ctx, p, userID, have)
}

// addExtras adds the unverified addresses not in have. An address that
// turns out to exist on the user already counts as added.
func (r *runner) addExtras(ctx context.Context, p *Plan, userID string, have map[string]bool) error {
	type extra struct{ kind, op, value string }
	var list []extra
	for _, e := range p.UnverifiedEmails {
		list = append(list, extra{"email_address", "emailAddresses.create", e})
	}
	for _, ph := range p.UnverifiedPhones {
		list = append(list, extra{"phone_number", "phoneNumbers.create", ph})
	}
	for _, x := range list {
		if have[strings.ToLower(x.value)] {
			continue
		}
		_, err := r.o.Client.Call(ctx, x.op, map[string]any{"user_id": userID, x.kind: x.value, "verified": false, "primary": false})
		if err == nil {
			continue
		}
		var ae *core.APIError
		if errors.As(err, &ae) && ae.StatusCode == 422 {
			if now, lerr := r.idents(ctx, userID); lerr == nil && now[strings.ToLower(x.value)] {
				continue
			}
		}
		return fmt.Errorf("user %s was created, but its unverified %s %s was not added (a re-run adds it): %w", userID, strings.ReplaceAll(x.kind, "_", " "), x.value, err)
	}
	return nil
}

// idents returns the user's email addresses (lower-cased) and phone numbers.
func (r *runner) idents(ctx context.Context, userID string) (map[string]bool, error) {
	raw, err := r.o.Client.Call(ctx, "users.get", map[string]any{"user_id": userID})
	if err != nil {
		return nil, err
	}
	var u struct {
		Emails []struct {
			Email string `json:"email_address"`
		} `json:"email_addresses"`
		Phones []struct {
			Phone string `json:"phone_number"`
		} `json:"phone_numbers"`
	}
	if err := json.Unmarshal(raw, &u); err != nil {
		return nil, err
	}
	have := map[string]bool{}
	for _, e := range u.Emails {
		have[strings.ToLower(e.Email)] = true
	}
	for _, p := range u.Phones {
		have[p.Phone] = true
	}
	return have, nil
}

// lookup finds the Clerk user created for a source id.
func (r *runner) lookup(ctx context.Context, externalID string) (string, error) {
	raw, err := r.o.Client.Call(ctx, "users.list", map[string]any{"external_id": []string{externalID}, "limit": 10})
	if err != nil {
		return "", err
	}
	type listed struct {
		ID         string  `json:"id"`
		ExternalID *string `json:"external_id"`
	}
	var users []listed
	if err := json.Unmarshal(raw, &users); err != nil {
		var wrapped struct {
			Data []listed `json:"data"`
		}
		if err2 := json.Unmarshal(raw, &wrapped); err2 != nil {
			return "", fmt.Errorf("users.list: %w", err)
		}
		users = wrapped.Data
	}
	for _, u := range users {
		if u.ExternalID != nil && *u.ExternalID == externalID {
			return u.ID, nil
		}
	}
	return "", nil
}

// Count returns the number of records in r (for the progress line's
// total), reading it as Run would, without transforming anything.
func Count(r io.Reader, f Format, opts ReadOptions) (int, error) {
	n := 0
	for _, err := range Read(r, f, opts) {
		if err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}
