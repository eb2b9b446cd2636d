package migrate

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/clerkscript/clerkscript/core"
	"github.com/clerkscript/clerkscript/jsbind"
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
	// DryRunOut as one JSON line; no API call is made.
	DryRun    bool
	DryRunOut io.Writer

	Client      *core.Client
	Journal     *jsbind.Journal // required unless DryRun
	Concurrency int             // workers sending requests (default 4)
	// MaxAttempts bounds the creates sent for one user when each fails in
	// a way that leaves it in doubt and the lookup finds nothing (default 3).
	MaxAttempts int

	// Failures receives one NDJSON line per user not migrated: the source
	// record with a "_migrate" member saying why. The file can be given
	// back to -f with the same transformer.
	Failures io.Writer
	// Progress, when set, is called after every user with the running
	// totals; it must be quick.
	Progress func(Stats)
	// Stop, when it is closed, stops taking new users: in-flight ones
	// finish and are journaled.
	Stop <-chan struct{}
}

// Stats are a run's totals.
type Stats struct {
	Read          int64 // records read from the file
	Invalid       int64 // failed validation (reported)
	Duplicates    int64 // same source id again in the file (reported)
	Unsupported   int64 // --skip-unsupported-providers (reported)
	BeforeResume  int64 // skipped by --resume-after
	Dropped       int64 // preTransform returned null
	Planned       int64 // valid users (dry run: payloads printed)
	Created       int64 // created by this run
	Reconciled    int64 // found already in Clerk by external_id (an earlier, interrupted or applied-then-failed attempt)
	AlreadyDone   int64 // done in an earlier run, per the journal
	Failed        int64 // the API refused the user, or it stayed in doubt (reported)
	Partial       int64 // created, but an unverified address could not be added (reported; a re-run retries it)
	RateLimited   int64 // 429s seen (and waited out)
	BytesRead     int64
	ResumeMissing bool // --resume-after's id never appeared
}

// Done counts the users that are in Clerk after the run.
func (s Stats) Done() int64 { return s.Created + s.Reconciled + s.AlreadyDone }

// Reported counts the users written to the failures file.
func (s Stats) Reported() int64 {
	return s.Invalid + s.Duplicates + s.Unsupported + s.Failed + s.Partial
}

type item struct {
	plan *Plan
	raw  map[string]any
}

type runner struct {
	o     Options
	stats Stats
	mu    sync.Mutex // guards stats' non-atomic use and Failures
}

// countingReader counts bytes for progress.
type countingReader struct {
	r io.Reader
	n *int64
}

func (c countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	atomic.AddInt64(c.n, int64(n))
	return n, err
}

// Run migrates the users of opts.Input. It returns the totals and the first
// error that stopped it (a malformed file, a journal that cannot be
// written); users the API refused are not errors, they are in the totals
// and the failures file.
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
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 3
	}
	if o.DryRunOut == nil {
		o.DryRunOut = io.Discard
	}
	r := &runner{o: o}
	t := o.Transformer
	t.SetContext(Context{Firebase: o.Firebase, Format: o.Format})
	release := t.Interrupt(ctx)
	defer release()

	work := make(chan item, o.Concurrency*2)
	var wg sync.WaitGroup
	var fatalMu sync.Mutex
	var fatal error
	setFatal := func(err error) {
		fatalMu.Lock()
		if fatal == nil {
			fatal = err
		}
		fatalMu.Unlock()
	}
	getFatal := func() error {
		fatalMu.Lock()
		defer fatalMu.Unlock()
		return fatal
	}
	if !o.DryRun {
		for range o.Concurrency {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for it := range work {
					if err := r.migrate(ctx, it); err != nil {
						setFatal(err)
					}
					r.progress()
				}
			}()
		}
	}

	seen := map[uint64]int{} // hash of source id → row
	seed := maphash.MakeSeed()
	resuming := o.ResumeAfter != ""
	var readErr error
	in := countingReader{r: o.Input, n: &r.stats.BytesRead}
loop:
	for rec, err := range Read(in, o.Format, t.Input) {
		if err != nil {
			readErr = err
			break
		}
		select {
		case <-ctx.Done():
			readErr = ctx.Err()
			break loop
		case <-o.Stop:
			break loop
		default:
		}
		if getFatal() != nil {
			break
		}
		atomic.AddInt64(&r.stats.Read, 1)
		user, err := t.Apply(rec.Data)
		if err != nil {
			if errors.Is(ctx.Err(), context.Canceled) {
				readErr = ctx.Err()
				break
			}
			r.report(rec.Data, rec.Row, "", "invalid", "transform: "+err.Error(), &r.stats.Invalid)
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
			atomic.AddInt64(&r.stats.BeforeResume, 1)
			continue
		}
		if err != nil {
			r.report(rec.Data, rec.Row, id, "invalid", err.Error(), &r.stats.Invalid)
			continue
		}
		h := maphash.String(seed, id)
		if first, dup := seen[h]; dup {
			r.report(rec.Data, rec.Row, id, "duplicate", fmt.Sprintf("user id %q appears again in the file (first at record %d); only the first is migrated", id, first), &r.stats.Duplicates)
			continue
		}
		seen[h] = rec.Row
		if o.SkipUnsupportedProviders && t.Key == "supabase" {
			if only := unsupportedOnly(rec.Data, o.EnabledProviders); len(only) > 0 {
				r.report(rec.Data, rec.Row, id, "unsupported_provider", "signs in only with "+strings.Join(only, ", ")+", not enabled in Clerk (--skip-unsupported-providers)", &r.stats.Unsupported)
				continue
			}
		}
		atomic.AddInt64(&r.stats.Planned, 1)
		if o.DryRun {
			line := struct {
				Row              int           `json:"row"`
				SourceID         string        `json:"source_id"`
				Create           *CreateParams `json:"create"`
				UnverifiedEmails []string      `json:"unverified_email_addresses,omitempty"`
				UnverifiedPhones []string      `json:"unverified_phone_numbers,omitempty"`
			}{rec.Row, plan.SourceID, plan.Create.Masked(), plan.UnverifiedEmails, plan.UnverifiedPhones}
			b, err := marshalLine(line)
			if err != nil {
				readErr = err
				break
			}
			if _, err := o.DryRunOut.Write(b); err != nil {
				readErr = fmt.Errorf("writing the dry-run output: %w", err)
				break
			}
			r.progress()
			continue
		}
		work <- item{plan: plan, raw: rec.Data}
	}
	close(work)
	wg.Wait()
	s := r.snapshot()
	if o.ResumeAfter != "" && resuming {
		s.ResumeMissing = true
	}
	if err := getFatal(); err != nil {
		return s, err
	}
	return s, readErr
}

func (r *runner) snapshot() Stats {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.stats
	for _, p := range []*int64{&s.Read, &s.Invalid, &s.Duplicates, &s.Unsupported, &s.BeforeResume, &s.Dropped,
		&s.Planned, &s.Created, &s.Reconciled, &s.AlreadyDone, &s.Failed, &s.Partial, &s.RateLimited, &s.BytesRead} {
		*p = atomic.LoadInt64(p)
	}
	return s
}

func (r *runner) progress() {
	if r.o.Progress != nil {
		r.o.Progress(r.snapshot())
	}
}

// report writes one line to the failures file and counts it.
func (r *runner) report(raw map[string]any, row int, id, status, reason string, counter *int64) {
	atomic.AddInt64(counter, 1)
	if r.o.Failures == nil {
		return
	}
	line := make(map[string]any, len(raw)+1)
	for k, v := range raw {
		line[k] = v
	}
	line["_migrate"] = map[string]any{"row": row, "source_id": id, "status": status, "reason": reason}
	b, err := marshalLine(line)
	if err != nil {
		b, _ = marshalLine(map[string]any{"_migrate": map[string]any{"row": row, "source_id": id, "status": status, "reason": reason + " (record not encodable: " + err.Error() + ")"}})
	}
	r.mu.Lock()
	_, _ = r.o.Failures.Write(b)
	r.mu.Unlock()
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

// errInfo keeps what is worth journaling of an API error.
func errInfo(err error) jsbind.ErrorInfo {
	var ae *core.APIError
	if errors.As(err, &ae) {
		info := jsbind.ErrorInfo{Message: ae.Error(), Status: ae.StatusCode, Code: ae.Code(), TraceID: ae.TraceID}
		if len(ae.Errors) > 0 {
			m := ae.Errors[0].LongMessage
			if m == "" {
				m = ae.Errors[0].Message
			}
			info.Message = m
		}
		return info
	}
	return jsbind.ErrorInfo{Message: err.Error()}
}

// inDoubt says whether a failed write may have been applied.
func inDoubt(err error) bool {
	var ae *core.APIError
	if errors.As(err, &ae) {
		return ae.StatusCode >= 500 && ae.StatusCode != 503
	}
	return !core.IsNotSent(err)
}

// migrate runs one user through the journal: skip it when done, reconcile
// it when in doubt, create it otherwise, then add its unverified addresses.
func (r *runner) migrate(ctx context.Context, it item) error {
	p := it.plan
	j := r.o.Journal
	key := p.SourceID
	e := j.Entry(JobName, key)
	userID := ""
	switch e.State {
	case jsbind.StateDone:
		userID = e.ID
		atomic.AddInt64(&r.stats.AlreadyDone, 1)
	case jsbind.StateInDoubt:
		id, err := r.lookup(ctx, key)
		if err != nil {
			return r.leaveInDoubt(it, err)
		}
		if id != "" {
			if err := j.Done(JobName, key, id, "reconcile"); err != nil {
				return err
			}
			atomic.AddInt64(&r.stats.Reconciled, 1)
			userID = id
		}
	}
	if userID == "" {
		id, reconciled, err := r.create(ctx, it)
		if err != nil {
			return err
		}
		if id == "" {
			return nil // reported
		}
		userID = id
		if reconciled {
			atomic.AddInt64(&r.stats.Reconciled, 1)
		} else {
			atomic.AddInt64(&r.stats.Created, 1)
		}
	}
	return r.extras(ctx, it, userID)
}

func (r *runner) leaveInDoubt(it item, err error) error {
	r.report(it.raw, it.plan.Row, it.plan.SourceID, "in_doubt", "could not tell whether the user was created ("+errInfo(err).Message+"); a re-run with the same journal looks it up by external_id before sending it again", &r.stats.Failed)
	return nil
}

// create sends the create until it is done, refused or left in doubt.
// reconciled is true when the user turned out to exist already.
func (r *runner) create(ctx context.Context, it item) (id string, reconciled bool, _ error) {
	p := it.plan
	j := r.o.Journal
	key := p.SourceID
	for attempt := 1; ; attempt++ {
		if err := j.Start(JobName, key); err != nil {
			return "", false, err
		}
		raw, err := r.o.Client.Call(ctx, "users.create", p.Create)
		if err == nil {
			var u struct {
				ID string `json:"id"`
			}
			if jerr := json.Unmarshal(raw, &u); jerr != nil || u.ID == "" {
				err = fmt.Errorf("users.create answered without a user id")
			} else {
				return u.ID, false, j.Done(JobName, key, u.ID, "run")
			}
		}
		if core.IsRateLimited(err) {
			atomic.AddInt64(&r.stats.RateLimited, 1)
		}
		info := errInfo(err)
		var ae *core.APIError
		exists := errors.As(err, &ae) && ae.StatusCode == 422 && (ae.HasCode("form_identifier_exists") || ae.HasCode("duplicate_record"))
		if !exists && !inDoubt(err) {
			// Refused: nothing was created.
			if jerr := j.Fail(JobName, key, info, false); jerr != nil {
				return "", false, jerr
			}
			r.report(it.raw, p.Row, key, "failed", describe(info), &r.stats.Failed)
			return "", false, nil
		}
		if exists {
			if jerr := j.Fail(JobName, key, info, false); jerr != nil {
				return "", false, jerr
			}
		} else if jerr := j.Fail(JobName, key, info, true); jerr != nil {
			return "", false, jerr
		}
		// Either the user exists (maybe ours, from an earlier attempt) or
		// the create may have been applied: look it up by external_id.
		found, lerr := r.lookup(ctx, key)
		if lerr != nil {
			if exists {
				r.report(it.raw, p.Row, key, "failed", describe(info)+" (and the lookup by external_id failed: "+lerr.Error()+")", &r.stats.Failed)
				return "", false, nil
			}
			return "", false, r.leaveInDoubt(it, lerr)
		}
		if found != "" {
			return found, true, j.Done(JobName, key, found, "reconcile")
		}
		if exists {
			// Taken by someone else: a real conflict, not ours.
			if jerr := j.Fail(JobName, key, info, false); jerr != nil {
				return "", false, jerr
			}
			r.report(it.raw, p.Row, key, "failed", describe(info), &r.stats.Failed)
			return "", false, nil
		}
		// Not applied after all: safe to send again.
		if jerr := j.Fail(JobName, key, info, false); jerr != nil {
			return "", false, jerr
		}
		if attempt >= r.o.MaxAttempts || ctx.Err() != nil {
			r.report(it.raw, p.Row, key, "failed", describe(info)+fmt.Sprintf(" (%d attempts; not created)", attempt), &r.stats.Failed)
			return "", false, nil
		}
		if jerr := j.Retry(JobName, key, info); jerr != nil {
			return "", false, jerr
		}
	}
}

func describe(info jsbind.ErrorInfo) string {
	s := info.Message
	if info.Code != "" {
		s = info.Code + ": " + s
	}
	if info.Status != 0 {
		s = fmt.Sprintf("HTTP %d %s", info.Status, s)
	}
	return s
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

// extras adds the unverified addresses, each journaled on its own so a
// re-run adds only the missing ones.
func (r *runner) extras(ctx context.Context, it item, userID string) error {
	type extra struct{ kind, value string }
	var list []extra
	for _, e := range it.plan.UnverifiedEmails {
		list = append(list, extra{"email_address", e})
	}
	for _, ph := range it.plan.UnverifiedPhones {
		list = append(list, extra{"phone_number", ph})
	}
	j := r.o.Journal
	partial := false
	var reasons []string
	for _, x := range list {
		key := it.plan.SourceID + "\x1f" + x.kind + "\x1f" + x.value
		if j.Entry(JobName, key).State == jsbind.StateDone {
			continue
		}
		op := "emailAddresses.create"
		if x.kind == "phone_number" {
			op = "phoneNumbers.create"
		}
		if err := j.Start(JobName, key); err != nil {
			return err
		}
		raw, err := r.o.Client.Call(ctx, op, map[string]any{"user_id": userID, x.kind: x.value, "verified": false, "primary": false})
		if err == nil {
			var obj struct {
				ID string `json:"id"`
			}
			_ = json.Unmarshal(raw, &obj)
			if err := j.Done(JobName, key, obj.ID, "run"); err != nil {
				return err
			}
			continue
		}
		// Exists already, or may have been applied: is it on the user?
		if id, lerr := r.hasIdent(ctx, userID, x.kind, x.value); lerr == nil && id != "" {
			if err := j.Done(JobName, key, id, "reconcile"); err != nil {
				return err
			}
			continue
		}
		info := errInfo(err)
		if jerr := j.Fail(JobName, key, info, inDoubt(err)); jerr != nil {
			return jerr
		}
		partial = true
		reasons = append(reasons, fmt.Sprintf("unverified %s %s: %s", strings.ReplaceAll(x.kind, "_", " "), x.value, describe(info)))
	}
	if partial {
		r.report(it.raw, it.plan.Row, it.plan.SourceID, "partial", "user "+userID+" was created, but "+strings.Join(reasons, "; ")+"; a re-run adds the missing addresses", &r.stats.Partial)
	}
	return nil
}

func (r *runner) hasIdent(ctx context.Context, userID, kind, value string) (string, error) {
	raw, err := r.o.Client.Call(ctx, "users.get", map[string]any{"user_id": userID})
	if err != nil {
		return "", err
	}
	var u struct {
		Emails []struct {
			ID    string `json:"id"`
			Email string `json:"email_address"`
		} `json:"email_addresses"`
		Phones []struct {
			ID    string `json:"id"`
			Phone string `json:"phone_number"`
		} `json:"phone_numbers"`
	}
	if err := json.Unmarshal(raw, &u); err != nil {
		return "", err
	}
	if kind == "email_address" {
		for _, e := range u.Emails {
			if strings.EqualFold(e.Email, value) {
				return e.ID, nil
			}
		}
		return "", nil
	}
	for _, p := range u.Phones {
		if p.Phone == value {
			return p.ID, nil
		}
	}
	return "", nil
}

// Elapsed-based estimate of the time left, from the share of the file read.
func ETA(s Stats, size int64, elapsed time.Duration) time.Duration {
	if size <= 0 || s.BytesRead <= 0 || elapsed <= 0 {
		return -1
	}
	f := float64(s.BytesRead) / float64(size)
	if f >= 1 {
		return 0
	}
	return time.Duration(float64(elapsed) * (1 - f) / f)
}
