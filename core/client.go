package core

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"maps"
	"sort"
	"strconv"
	"strings"

	"github.com/clerkscript/clerkscript/internal/minijson"
	"github.com/clerkscript/clerkscript/internal/urlparse"
)

// clientState is the hand-written part of Client (declared in
// services_gen.go, so that its service fields are generated and listed by
// go doc).
type clientState struct {
	cfg ClientConfig
	// cfgErr is a configuration mistake (an API URL without a scheme)
	// found by NewClient and returned by every call: retrying it could
	// never succeed.
	cfgErr error
}

// NewClient builds a client from cfg.
func NewClient(cfg ClientConfig) *Client {
	if cfg.clock == nil {
		cfg.clock = SystemClock
	}
	if cfg.transport == nil && defaultTransport != nil {
		cfg.transport = defaultTransport()
	}
	if cfg.apiURL == "" {
		cfg.apiURL = DefaultAPIURL
	}
	if cfg.apiVersion == "" {
		cfg.apiVersion = DefaultAPIVersion
	}
	cfgErr := checkAPIURL(cfg.apiURL)
	if cfgErr == nil {
		cfgErr = checkAPIVersion(cfg.apiVersion)
	}
	c := &Client{clientState: clientState{cfg: cfg, cfgErr: cfgErr}}
	c.initServices()
	return c
}

// Config returns the client's configuration.
func (c *Client) Config() ClientConfig { return c.cfg }

// CallOption adjusts one call.
type CallOption func(*callOptions)

type callOptions struct {
	retry       *RetryConfig
	replayWrite bool
	headers     Header
	query       urlparse.Values
}

// WithRetry overrides the client's retry policy for this call.
func WithRetry(r RetryConfig) CallOption {
	return func(o *callOptions) { o.retry = &r }
}

// WithReplayNonIdempotent allows replaying a POST after a 500/502/504, a
// timeout or a reset once the request was sent. Only use it for operations
// you know to be safe to apply twice: BAPI has no idempotency keys, so a
// replayed create can make a second user or send a second email.
func WithReplayNonIdempotent() CallOption {
	return func(o *callOptions) { o.replayWrite = true }
}

// WithHeader adds a header to this call.
func WithHeader(key, value string) CallOption {
	return func(o *callOptions) {
		if o.headers == nil {
			o.headers = Header{}
		}
		o.headers.Set(key, value)
	}
}

// WithQuery adds a query parameter to this call (for parameters the spec
// does not list yet).
func WithQuery(key, value string) CallOption {
	return func(o *callOptions) {
		if o.query == nil {
			o.query = urlparse.Values{}
		}
		o.query[key] = append(o.query[key], value)
	}
}

// UnknownOperationError is returned for a name that is not in the table.
type UnknownOperationError struct {
	Name        string
	Suggestions []string
}

func (e *UnknownOperationError) Error() string {
	msg := "unknown operation " + quote(e.Name)
	if len(e.Suggestions) > 0 {
		msg += "; did you mean " + strings.Join(e.Suggestions, ", ") + "?"
	}
	return msg
}

// ParamError reports parameters that do not fit an operation.
type ParamError struct {
	Operation string
	Param     string
	Problem   string
}

// paramError returns a *ParamError. It is not inlined: in the wasm guest
// each inlined composite literal cost about 0.2 KB at every one of the
// client's 18 call sites.
//
//go:noinline
func paramError(operation, param, problem string) error {
	return &ParamError{Operation: operation, Param: param, Problem: problem}
}

func (e *ParamError) Error() string {
	if e.Param == "" {
		return e.Operation + ": " + e.Problem
	}
	return e.Operation + ": parameter " + quote(e.Param) + ": " + e.Problem
}

// Call invokes an operation by name ("users.list", or its @clerk/backend
// alias) and returns the response body. params holds the path, query and
// body parameters side by side under their wire (snake_case) names; it may
// be nil, a map[string]any, JSON bytes (json.RawMessage or []byte) of an
// object, or any value that marshals to a JSON object. For an operation
// whose body is a JSON array (the bulk endpoints) put the array under
// "body". A multipart file field is {"filename", "content_type", "data":
// base64} (or a File value). In a wasm guest's build (GOOS=wasip1), which
// leaves encoding/json's reflection out, params and their values must be
// decoded JSON, Go numbers, []string, map[string]string,
// map[string][]string or, for a multipart field, a File.
func (c *Client) Call(ctx context.Context, name string, params any, opts ...CallOption) (json.RawMessage, error) {
	op, ok := LookupOperation(name)
	if !ok {
		return nil, &UnknownOperationError{Name: name, Suggestions: SuggestOperations(name, 3)}
	}
	resp, err := c.Do(ctx, op, params, opts...)
	if err != nil {
		return nil, err
	}
	if len(bytes.TrimSpace(resp.Body)) == 0 {
		return json.RawMessage("null"), nil
	}
	return json.RawMessage(resp.Body), nil
}

// Do is Call for an Operation value; it returns the whole response.
func (c *Client) Do(ctx context.Context, op *Operation, params any, opts ...CallOption) (*HTTPResponse, error) {
	m, err := paramsMap(op.Name, params)
	if err != nil {
		return nil, err
	}
	req, err := c.buildRequest(op, m)
	if err != nil {
		return nil, err
	}
	co := collect(opts)
	for k, vs := range co.query {
		if len(vs) > 0 { // as url.Values.Add would leave an empty list out
			req.query[k] = append(req.query[k], vs...)
		}
	}
	resp, err := c.send(ctx, op.Name, op.Idempotent(), req, co)
	if err == nil && op.Response.Schema != "" && !startsJSON(resp.Body) {
		// A web page answering 200 (an API URL that points at an app, a
		// proxy's login page) is not an empty result.
		ct := "no Content-Type"
		if v := resp.Header.Get("Content-Type"); v != "" {
			ct = v
		}
		where := c.cfg.apiURL
		if u, perr := urlparse.Parse(where); perr == nil {
			where = u.Redacted()
		}
		return nil, errors.New("clerk: " + op.Name + ": the API URL (" + where + ") answered HTTP " + strconv.Itoa(resp.StatusCode) + " with a body that is not JSON (" + ct + "): is it Clerk's Backend API?")
	}
	return resp, err
}

// startsJSON tells whether a response body can be a JSON value (or is
// empty), from its first byte: enough to tell an API answer from a page.
func startsJSON(b []byte) bool {
	b = bytes.TrimLeft(b, " \t\r\n")
	if len(b) == 0 {
		return true
	}
	switch c := b[0]; {
	case c == '{' || c == '[' || c == '"' || c == '-' || c == 't' || c == 'f' || c == 'n':
		return true
	case c >= '0' && c <= '9':
		return true
	}
	return false
}

// Raw sends a request by path below the version prefix ("/jwks") with the
// client's headers, retries and error decoding. The method's idempotency
// decides replays as for Call. query takes a url.Values as it is (the
// parameter's type is url.Values' underlying map type, so that core does
// not link net/url into the wasm guest).
func (c *Client) Raw(ctx context.Context, method, path string, query map[string][]string, body []byte, opts ...CallOption) (*HTTPResponse, error) {
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	req := &builtRequest{method: method, path: path, query: urlparse.Values{}, body: body}
	for k, vs := range urlparse.Values(query) {
		req.query[k] = append([]string(nil), vs...)
	}
	if body != nil {
		req.contentType = "application/json"
	}
	co := collect(opts)
	idem := (&Operation{HTTPMethod: method}).Idempotent()
	return c.send(ctx, method+" "+path, idem, req, co)
}

func collect(opts []CallOption) *callOptions {
	co := &callOptions{}
	for _, o := range opts {
		if o != nil {
			o(co)
		}
	}
	return co
}

type builtRequest struct {
	method      string
	path        string          // escaped path below the version prefix
	query       urlparse.Values // url.Values, without net/url's code
	body        []byte
	contentType string
}

func (c *Client) url(req *builtRequest) string {
	u := c.cfg.apiURL
	if c.cfg.apiVersion != "" {
		u += "/" + c.cfg.apiVersion
	}
	u += req.path
	if len(req.query) > 0 {
		u += "?" + req.query.Encode()
	}
	return u
}

// send runs the attempts of one call under the retry policy.
func (c *Client) send(ctx context.Context, name string, idempotent bool, req *builtRequest, co *callOptions) (*HTTPResponse, error) {
	if c.cfg.transport == nil {
		return nil, errors.New("clerk: no transport configured (use ClientConfig.WithTransport)")
	}
	if c.cfg.secretKey == "" {
		return nil, errors.New("clerk: missing secret key: set CLERK_SECRET_KEY or use WithSecretKey")
	}
	if c.cfgErr != nil {
		return nil, c.cfgErr
	}
	rc := c.cfg.retry
	if co.retry != nil {
		rc = *co.retry
	}
	disabled := rc.Disabled
	rc = rc.withDefaults()
	idem := idempotent || co.replayWrite

	h := Header{}
	for k, v := range c.cfg.headers {
		h[k] = append([]string(nil), v...)
	}
	for k, v := range co.headers {
		h[k] = append([]string(nil), v...)
	}
	h.Set("Authorization", "Bearer "+c.cfg.secretKey)
	h.Set("Accept", "application/json")
	if c.cfg.clerkAPIVersion != "" {
		h.Set("Clerk-API-Version", c.cfg.clerkAPIVersion)
	}
	if c.cfg.userAgent != "" {
		h.Set("User-Agent", c.cfg.userAgent)
	}
	if req.contentType != "" {
		h.Set("Content-Type", req.contentType)
	}
	if err := checkHeaders(h); err != nil {
		return nil, err
	}
	hr := &HTTPRequest{Method: req.method, URL: c.url(req), Header: h, Body: req.body}

	clk := c.cfg.clock
	start := clk.Now()
	bo := newBackoff(rc, clk)
	unreachable := 0
	for attempt := 1; ; attempt++ {
		resp, err := c.attempt(ctx, hr)
		// Only 2xx is success: a 3xx is not followed (it would carry the
		// secret key elsewhere) and its body is not the operation's result.
		if err == nil && resp.StatusCode >= 200 && resp.StatusCode < 300 {
			return resp, nil
		}
		var apiErr *APIError
		if err == nil {
			apiErr = newAPIError(name, resp, clk.Now())
		}
		if ctx.Err() != nil || disabled || classify(resp, err, idem, rc) == noRetry {
			return nil, attemptError(apiErr, name, attempt, err)
		}
		if rc.MaxAttempts > 0 && attempt >= rc.MaxAttempts {
			return nil, attemptError(apiErr, name, attempt, err)
		}
		if err != nil && IsNotSent(err) {
			unreachable++
			if rc.MaxConnectionAttempts > 0 && unreachable >= rc.MaxConnectionAttempts {
				return nil, attemptError(apiErr, name, attempt, err)
			}
		}
		wait := bo.NextBackOff()
		if wait == stopBackoff {
			return nil, attemptError(apiErr, name, attempt, err)
		}
		if apiErr != nil && apiErr.RetryAfter > wait {
			wait = apiErr.RetryAfter
		}
		if clk.Now().Add(wait).Sub(start) > rc.MaxElapsedTime {
			return nil, attemptError(apiErr, name, attempt, err)
		}
		if c.cfg.retryHook != nil {
			ferr := attemptError(apiErr, name, attempt, err)
			c.cfg.retryHook(RetryEvent{Operation: name, Attempt: attempt, Wait: wait, Err: ferr})
		}
		if serr := clk.Sleep(ctx, wait); serr != nil {
			return nil, attemptError(apiErr, name, attempt, err)
		}
	}
}

// attemptError is the error a call ends with after its attempt-th attempt:
// the API's answer, else the transport's failure. (A function, not
// inlined: as a closure inlined at send's seven returns it cost the wasm
// guest about 2 KB.)
//
//go:noinline
func attemptError(apiErr *APIError, name string, attempt int, err error) error {
	if apiErr != nil {
		return apiErr
	}
	return &TransportError{Operation: name, Attempts: attempt, Err: err}
}

func (c *Client) attempt(ctx context.Context, hr *HTTPRequest) (*HTTPResponse, error) {
	actx := ctx
	if c.cfg.timeout > 0 {
		var cancel context.CancelFunc
		actx, cancel = withAttemptTimeout(ctx, c.cfg.timeout)
		defer cancel()
	}
	// Each attempt gets its own header map: transports may keep it.
	req := *hr
	req.Header = hr.Header.Clone()
	resp, err := c.cfg.transport.RoundTrip(actx, &req)
	if err == nil && resp == nil {
		err = errors.New("transport returned no response")
	}
	if err == nil && resp.Header == nil {
		resp.Header = Header{}
	}
	return resp, err
}

// TransportError is a failure to get any HTTP response.
type TransportError struct {
	Operation string
	Attempts  int
	Err       error
}

func (e *TransportError) Error() string {
	cause := "<nil>" // as fmt's %v prints a nil error
	if e.Err != nil {
		cause = e.Err.Error()
	}
	s := "clerk: " + e.Operation + ": " + cause
	if e.Attempts > 1 {
		s += " (after " + strconv.Itoa(e.Attempts) + " attempts)"
	}
	return s
}

func (e *TransportError) Unwrap() error { return e.Err }

// paramsMap normalises the accepted params forms into a map. Numbers are
// kept as json.Number so large integers survive.
func paramsMap(opName string, params any) (map[string]any, error) {
	var raw []byte
	switch p := params.(type) {
	case nil:
		return map[string]any{}, nil
	case map[string]any:
		return p, nil
	case json.RawMessage:
		raw = p
	case []byte:
		raw = p
	case string:
		raw = []byte(p)
	default:
		b, err := otherParams(params)
		if err != nil {
			return nil, paramError(opName, "", "cannot encode params: "+err.Error())
		}
		raw = b
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return map[string]any{}, nil
	}
	return decodeParams(opName, raw)
}

// decodeParams decodes JSON params into a map, numbers as json.Number, as
// a json.Decoder with UseNumber did: one object (or null), nothing but
// space after it.
func decodeParams(opName string, raw []byte) (map[string]any, error) {
	v, err := minijson.DecodeUseNumber(raw)
	if err != nil {
		var se *minijson.SyntaxError
		if errors.As(err, &se) && strings.HasSuffix(se.Error(), " after top-level value") {
			// The first value is whole: a second one follows.
			if first := bytes.TrimLeft(raw, " \t\r\n"); first[0] != '{' && first[0] != 'n' {
				return nil, notAnObject(opName, jsonKind(first[0]))
			}
			return nil, paramError(opName, "", "params must be one JSON object: there is more after it")
		}
		return nil, paramError(opName, "", "params must be a JSON object: "+err.Error())
	}
	switch m := v.(type) {
	case map[string]any:
		return m, nil
	case nil:
		return map[string]any{}, nil
	default:
		return nil, notAnObject(opName, jsonKind(bytes.TrimLeft(raw, " \t\r\n")[0]))
	}
}

func notAnObject(opName, kind string) error {
	// encoding/json's words, which the message used to carry.
	return paramError(opName, "", "params must be a JSON object: json: cannot unmarshal "+kind+" into Go value of type map[string]interface {}")
}

// jsonKind names the kind of the JSON value starting with c, in
// encoding/json's words.
func jsonKind(c byte) string {
	switch c {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "bool"
	case 'n':
		return "null"
	}
	return "number"
}

// marshalBody encodes a JSON request body, byte for byte as json.Marshal:
// decoded JSON and the values core's own callers pass by minijson (what
// the wasm guest runs), other Go values natively by encoding/json
// (otherMarshal).
func marshalBody(v any) ([]byte, error) {
	if m, ok := v.(map[string]any); ok {
		v = withHeaderLists(m)
	}
	b, err := minijson.Marshal(v)
	if err != nil {
		return otherMarshal(v, err)
	}
	return b, nil
}

// withHeaderLists returns m with its map[string][]string values (the
// browser's headers that sessions.refresh takes) as map[string]any, which
// minijson encodes. m itself is not changed.
func withHeaderLists(m map[string]any) map[string]any {
	out, copied := m, false
	for k, v := range m {
		var h map[string][]string
		switch x := v.(type) {
		case map[string][]string:
			h = x
		case Header:
			h = x
		default:
			continue
		}
		if !copied {
			out, copied = maps.Clone(m), true
		}
		if h == nil {
			out[k] = nil
			continue
		}
		lists := make(map[string]any, len(h))
		for hk, vs := range h {
			lists[hk] = vs
		}
		out[k] = lists
	}
	return out
}

func (c *Client) buildRequest(op *Operation, m map[string]any) (*builtRequest, error) {
	req := &builtRequest{method: op.HTTPMethod, query: urlparse.Values{}}
	used := make(map[string]bool, len(m))
	path := op.Path
	for _, p := range op.Params {
		v, present := m[p.Name]
		if present {
			used[p.Name] = true
		}
		if !present || v == nil {
			if p.Required {
				return nil, paramError(op.Name, p.Name, "is required")
			}
			continue
		}
		switch p.In {
		case "path":
			s, err := scalarString(v)
			if err != nil {
				return nil, paramError(op.Name, p.Name, err.Error())
			}
			if s == "" {
				return nil, paramError(op.Name, p.Name, "must not be empty")
			}
			// PathEscape leaves dots alone, and a proxy that normalises
			// /organizations/org_1/memberships/.. would turn a membership
			// delete into an organization delete.
			if s == "." || s == ".." {
				return nil, paramError(op.Name, p.Name, "must not be \".\" or \"..\" (a dot segment would change the endpoint)")
			}
			path = strings.ReplaceAll(path, "{"+p.Name+"}", urlparse.PathEscape(s))
		case "query":
			vals, err := queryValues(v)
			if err != nil {
				return nil, paramError(op.Name, p.Name, err.Error())
			}
			if p.CommaSeparated && len(vals) > 1 {
				vals = []string{strings.Join(vals, ",")}
			}
			if len(vals) > 0 {
				req.query[p.Name] = append(req.query[p.Name], vals...)
			}
		}
	}
	req.path = path
	rest := make(map[string]any)
	for k, v := range m {
		if !used[k] {
			rest[k] = v
		}
	}
	if op.Body == nil {
		if len(rest) > 0 {
			return nil, paramError(op.Name, firstKey(rest), "unknown parameter (known: "+strings.Join(paramNames(op), ", ")+")")
		}
		return req, nil
	}
	if op.Body.Array {
		b, ok := rest["body"]
		if !ok {
			if op.Body.Required {
				return nil, paramError(op.Name, "body", "is required: put the array of items under \"body\"")
			}
			return req, nil
		}
		if len(rest) > 1 {
			delete(rest, "body")
			return nil, paramError(op.Name, firstKey(rest), "unknown parameter (the request body is an array under \"body\")")
		}
		if !isArray(b) {
			return nil, paramError(op.Name, "body", "must be an array")
		}
		enc, err := marshalBody(b)
		if err != nil {
			return nil, paramError(op.Name, "body", err.Error())
		}
		req.body, req.contentType = enc, "application/json"
		return req, nil
	}
	// An explicit "body" object is sent verbatim, for callers that keep
	// body fields apart from path and query parameters.
	if b, ok := rest["body"]; ok && len(rest) == 1 {
		if bm, isMap := b.(map[string]any); isMap {
			rest = bm
		}
	}
	if strings.HasPrefix(op.Body.ContentType, "multipart/") {
		body, ctype, err := multipartBody(op.Name, rest)
		if err != nil {
			return nil, err
		}
		req.body, req.contentType = body, ctype
		return req, nil
	}
	if len(rest) == 0 && !op.Body.Required {
		return req, nil
	}
	enc, err := marshalBody(rest)
	if err != nil {
		return nil, paramError(op.Name, "", "cannot encode body: "+err.Error())
	}
	req.body, req.contentType = enc, "application/json"
	return req, nil
}

// isArray tells a bulk operation's body array from other values.
func isArray(v any) bool {
	switch v.(type) {
	case []any, []string, []map[string]any:
		return true
	}
	_, isSlice := otherSlice(v)
	return isSlice
}

func firstKey(m map[string]any) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys[0]
}

func paramNames(op *Operation) []string {
	var out []string
	for _, p := range op.Params {
		out = append(out, p.Name)
	}
	if len(out) == 0 {
		out = []string{"none"}
	}
	return out
}

// scalarString formats a path, query or multipart value: the scalars of
// decoded JSON and Go's numbers here, other Go types (Stringers, natively)
// in otherScalar.
func scalarString(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case json.Number:
		return string(x), nil // x.String() is encoding/json code
	case bool:
		return strconv.FormatBool(x), nil
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), nil
	case float32:
		return strconv.FormatFloat(float64(x), 'f', -1, 32), nil
	case int:
		return strconv.Itoa(x), nil
	case int8:
		return strconv.FormatInt(int64(x), 10), nil
	case int16:
		return strconv.FormatInt(int64(x), 10), nil
	case int32:
		return strconv.FormatInt(int64(x), 10), nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	case uint:
		return strconv.FormatUint(uint64(x), 10), nil
	case uint8:
		return strconv.FormatUint(uint64(x), 10), nil
	case uint16:
		return strconv.FormatUint(uint64(x), 10), nil
	case uint32:
		return strconv.FormatUint(uint64(x), 10), nil
	case uint64:
		return strconv.FormatUint(x, 10), nil
	case nil:
		return "", errors.New(notScalar + "got null")
	case map[string]any:
		return "", errors.New(notScalar + "got an object")
	case []any:
		return "", errors.New(notScalar + "got an array")
	}
	return otherScalar(v)
}

const notScalar = "must be a string, number or boolean, "

// queryValues lists the values of a query parameter: one for a scalar,
// one per item for an array (other Go slices natively, in otherSlice).
func queryValues(v any) ([]string, error) {
	var items []any
	switch x := v.(type) {
	case []any:
		items = x
	case []string:
		return x, nil
	default:
		var isSlice bool
		if items, isSlice = otherSlice(v); !isSlice {
			s, err := scalarString(v)
			if err != nil {
				return nil, err
			}
			return []string{s}, nil
		}
	}
	out := make([]string, 0, len(items))
	for _, e := range items {
		s, err := scalarString(e)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// File is a file sent in a multipart request. Its JSON form is
// {"filename", "content_type", "data": base64}.
type File struct {
	Filename    string `json:"filename"`
	ContentType string `json:"content_type,omitempty"`
	Data        []byte `json:"data"` // base64 in JSON
}

func asFile(v any) (*File, bool) {
	switch x := v.(type) {
	case File:
		return &x, true
	case *File:
		return x, x != nil
	case map[string]any:
		d, ok := x["data"].(string)
		if !ok {
			return nil, false
		}
		data, err := base64.StdEncoding.DecodeString(d)
		if err != nil {
			return nil, false
		}
		f := &File{Data: data}
		f.Filename, _ = x["filename"].(string)
		f.ContentType, _ = x["content_type"].(string)
		return f, true
	}
	return nil, false
}

func multipartBody(opName string, fields map[string]any) ([]byte, string, error) {
	return multipartBodyWith(opName, fields, multipartBoundary())
}

// multipartBodyWith writes fields as multipart/form-data with the given
// boundary, byte for byte as mime/multipart's Writer does (parts sorted by
// field name, each with its Content-Disposition and, for files, its
// Content-Type), without linking mime/multipart: it brings net/textproto,
// net, mime and crypto/rand into the wasm module for a few lines of
// framing (TestMultipartBodyMatchesMimeMultipart).
func multipartBodyWith(opName string, fields map[string]any, boundary string) ([]byte, string, error) {
	var buf bytes.Buffer
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := 0
	part := func(disposition, contentType string) {
		if parts > 0 {
			buf.WriteString("\r\n")
		}
		parts++
		buf.WriteString("--" + boundary + "\r\nContent-Disposition: " + disposition + "\r\n")
		if contentType != "" {
			buf.WriteString("Content-Type: " + contentType + "\r\n")
		}
		buf.WriteString("\r\n")
	}
	for _, k := range keys {
		v := fields[k]
		if f, ok := asFile(v); ok {
			// These go into the part's header lines: a CR or LF would
			// inject headers of the caller's choosing.
			for _, c := range [...][2]string{{"field name", k}, {"filename", f.Filename}, {"content_type", f.ContentType}} {
				if hasCTL(c[1]) {
					return nil, "", paramError(opName, k, "the file's "+c[0]+" contains a control character")
				}
			}
			name := f.Filename
			if name == "" {
				name = k
			}
			ct := f.ContentType
			if ct == "" {
				ct = "application/octet-stream"
			}
			part(`form-data; name="`+escapeQuotes(k)+`"; filename="`+escapeQuotes(name)+`"`, ct)
			buf.Write(f.Data)
			continue
		}
		if m, isMap := v.(map[string]any); isMap {
			if _, hasData := m["data"]; hasData {
				return nil, "", paramError(opName, k, "file data must be base64")
			}
		}
		s, err := scalarString(v)
		if err != nil {
			return nil, "", paramError(opName, k, "multipart field "+err.Error())
		}
		part(`form-data; name="`+escapeQuotes(k)+`"`, "")
		buf.WriteString(s)
	}
	buf.WriteString("\r\n--" + boundary + "--\r\n")
	return buf.Bytes(), "multipart/form-data; boundary=" + boundary, nil
}

// checkAPIURL rejects a base URL the client could never reach, so that the
// mistake is reported at once instead of being retried as a network error.
func checkAPIURL(raw string) error {
	u, err := urlparse.Parse(raw)
	if err != nil {
		return errors.New("clerk: invalid API URL (CLERK_API_URL or WithAPIURL): " + err.Error())
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errors.New("clerk: invalid API URL " + quote(u.Redacted()) + " (CLERK_API_URL or WithAPIURL): want http:// or https:// and a host, e.g. https://api.clerk.com")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return errors.New("clerk: invalid API URL " + quote(u.Redacted()) + " (CLERK_API_URL or WithAPIURL): it must not have a query or fragment")
	}
	return nil
}

// checkAPIVersion rejects a path version that is not one plain path
// segment ("v1"): "../x" or "v1?x=1" would rewrite the request's path or
// query.
func checkAPIVersion(v string) error {
	if v == "" || v == "." || v == ".." {
		return errors.New("clerk: invalid API version " + quote(v) + " (CLERK_API_VERSION or WithAPIVersion): want a path segment such as v1")
	}
	for _, r := range v {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' || r == '_') {
			return errors.New("clerk: invalid API version " + quote(v) + " (CLERK_API_VERSION or WithAPIVersion): want a path segment such as v1 (letters, digits, '.', '-', '_')")
		}
	}
	return nil
}

// checkHeaders rejects header names and values net/http (or any HTTP
// stack) refuses, before the first attempt: such a request can never be
// sent, so retrying it only wastes MaxElapsedTime. The Authorization value
// is the secret key and is never quoted.
func checkHeaders(h Header) error {
	for k, vs := range h {
		if !validHeaderName(k) {
			return errors.New("clerk: invalid header name " + quote(k))
		}
		for _, v := range vs {
			if !hasCTL(v) {
				continue
			}
			if k == "Authorization" {
				return errors.New("clerk: the secret key contains a character not allowed in an HTTP header (check CLERK_SECRET_KEY)")
			}
			return errors.New("clerk: header " + quote(k) + ": the value contains a control character")
		}
	}
	return nil
}

func validHeaderName(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// hasCTL reports ASCII control characters other than tab.
func hasCTL(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < 0x20 && c != '\t') || c == 0x7f {
			return true
		}
	}
	return false
}

func escapeQuotes(s string) string {
	if !strings.ContainsAny(s, `\"`) {
		return s
	}
	b := make([]byte, 0, len(s)+8)
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' || s[i] == '"' {
			b = append(b, '\\')
		}
		b = append(b, s[i])
	}
	return string(b)
}

// hexString is lower-case hex, as fmt's %x writes bytes.
func hexString(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 2*len(b))
	for i, c := range b {
		out[2*i], out[2*i+1] = digits[c>>4], digits[c&15]
	}
	return string(out)
}
