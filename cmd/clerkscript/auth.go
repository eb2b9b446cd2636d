package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/clerkscript/clerkscript/core"
)

func init() {
	register(&command{
		name:    "auth",
		summary: "authenticate a request as a Clerk backend SDK would (debugging)",
		usage: `Usage:
  clerkscript auth --url URL [--method GET] [--header 'Name: value']...
                   [--cookie 'name=value']... [--jwt-key FILE|PEM]
                   [--publishable-key pk_...] [--authorized-party URL]...
                   [--accepts-token TYPE]... [--domain D] [--satellite]
                   [--proxy-url URL] [--proxy-origin URL]... [--sign-in-url URL]
                   [--satellite-auto-sync]
                   [--accept-pending] [--json]

Runs Clerk's authenticateRequest on a request you describe and prints the
verdict: status, reason, the headers a server would send (handshake redirect,
debug headers) and the auth object.

  --url             the request URL as the browser sent it
  --header          a request header; repeat (Authorization, Sec-Fetch-Dest...)
  --cookie          a cookie; repeat (__session=..., __client_uat=...)
  --jwt-key         the instance PEM public key, or a file holding it
                    (default CLERK_JWT_KEY); without it the JWKS is fetched
  --publishable-key default CLERK_PUBLISHABLE_KEY
  --proxy-url       the Frontend API proxy: absolute, or a path such as
                    /__clerk on the request's origin (X-Forwarded-Host wins,
                    as in @clerk/backend)
  --proxy-origin    pin the origin a relative --proxy-url is resolved on
                    (https://app.example.com); repeat to list several. A
                    forwarded host not listed is not used
  --accepts-token   session_token, api_key, m2m_token, oauth_token or any;
                    repeat for a list (default session_token)
  --json            print one JSON object: {"status","reason","message",
                    "tokenType","headers","auth"}

The secret key comes from CLERK_SECRET_KEY, the machine secret key from
CLERK_MACHINE_SECRET_KEY, the API URL from CLERK_API_URL.
Exit status: 0 signed in, 1 signed out, 3 handshake, 2 usage or configuration
error.`,
		run: runAuth,
	})
}

func runAuth(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := newFlagSet("auth")
	var (
		rawURL, method, jwtKey, pk, domain, proxyURL, signIn string
		headers, cookies, parties, accepts, proxyOrigins     stringList
		asJSON, satellite, autoSync, pending                 bool
	)
	fs.StringVar(&rawURL, "url", "", "")
	fs.StringVar(&method, "method", "GET", "")
	fs.Var(&headers, "header", "")
	fs.Var(&headers, "H", "")
	fs.Var(&cookies, "cookie", "")
	fs.StringVar(&jwtKey, "jwt-key", "", "")
	fs.StringVar(&pk, "publishable-key", "", "")
	fs.Var(&parties, "authorized-party", "")
	fs.Var(&accepts, "accepts-token", "")
	fs.StringVar(&domain, "domain", "", "")
	fs.BoolVar(&satellite, "satellite", false, "")
	fs.StringVar(&proxyURL, "proxy-url", "", "")
	fs.Var(&proxyOrigins, "proxy-origin", "")
	fs.StringVar(&signIn, "sign-in-url", "", "")
	fs.BoolVar(&autoSync, "satellite-auto-sync", false, "")
	fs.BoolVar(&pending, "accept-pending", false, "")
	fs.BoolVar(&asJSON, "json", false, "")
	usageErr := func(format string, a ...any) int { return usageError(stderr, "auth", "auth", format, a...) }
	positional, code, done := parseFlags(fs, "auth", args, true, stdout, stderr)
	if done {
		return code
	}
	if len(positional) > 0 {
		return usageErr("unexpected argument %q", positional[0])
	}
	if rawURL == "" {
		return usageErr("--url is required")
	}

	req := core.Request{Method: strings.ToUpper(method), URL: rawURL, Headers: map[string][]string{}}
	for _, h := range headers {
		name, value, ok := strings.Cut(h, ":")
		name = strings.TrimSpace(name)
		if !ok || name == "" || strings.ContainsAny(name, " \t") {
			return usageErr("--header %q: want 'Name: value'", h)
		}
		req.Headers[name] = append(req.Headers[name], strings.TrimSpace(value))
	}
	if len(cookies) > 0 {
		for _, c := range cookies {
			if name, _, ok := strings.Cut(c, "="); !ok || strings.TrimSpace(name) == "" {
				return usageErr("--cookie %q: want name=value", c)
			}
		}
		req.Headers["Cookie"] = append(req.Headers["Cookie"], strings.Join(cookies, "; "))
	}

	opts := core.AuthenticateOptionsFromEnv()
	if pk != "" {
		opts.PublishableKey = pk
	}
	if jwtKey != "" {
		key, err := readKeyArg(jwtKey)
		if err != nil {
			return usageErr("--jwt-key: %v", err)
		}
		opts.JWTKey = key
	}
	opts.AuthorizedParties = parties
	for _, t := range accepts {
		for _, p := range strings.Split(t, ",") {
			if p = strings.TrimSpace(p); p != "" {
				opts.AcceptsToken = append(opts.AcceptsToken, core.TokenType(p))
			}
		}
	}
	opts.Domain, opts.IsSatellite, opts.ProxyURL, opts.SignInURL = domain, satellite, proxyURL, signIn
	opts.ProxyOrigins = proxyOrigins
	opts.SatelliteAutoSync = autoSync
	opts.AcceptPendingSessions = pending

	st, err := core.AuthenticateRequest(ctx, req, opts)
	if err != nil {
		fmt.Fprintf(stderr, "clerkscript auth: %v\n", err)
		return 2
	}
	if asJSON {
		b, err := json.Marshal(st)
		if err != nil {
			fmt.Fprintf(stderr, "clerkscript auth: %v\n", err)
			return 2
		}
		fmt.Fprintln(stdout, string(b))
	} else {
		printState(stdout, &st)
	}
	switch st.Status {
	case core.StatusSignedIn:
		return 0
	case core.StatusHandshake:
		return 3
	}
	return 1
}

// readKeyArg takes a PEM (or bare base64 key) or the path of a file holding
// one.
func readKeyArg(v string) (string, error) {
	if strings.Contains(v, "-----BEGIN") {
		return v, nil
	}
	b, err := os.ReadFile(v)
	switch {
	case err == nil:
		return string(b), nil
	case looksLikeBase64Key(v):
		// Not a file (often "file name too long"): the key itself.
		return v, nil
	case !errors.Is(err, os.ErrNotExist):
		return "", err
	}
	if strings.ContainsAny(v, "/\\") || strings.HasSuffix(v, ".pem") {
		return "", fmt.Errorf("file %q does not exist", v)
	}
	return v, nil
}

// looksLikeBase64Key reports a value that is plausibly a bare base64 SPKI
// body: long (a 1024-bit key is over 200 characters) and only base64.
func looksLikeBase64Key(v string) bool {
	v = strings.TrimSpace(v)
	if len(v) < 128 {
		return false
	}
	for _, r := range v {
		switch {
		case r >= 'A' && r <= 'Z', r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '+', r == '/', r == '=', r == '\n', r == '\r':
		default:
			return false
		}
	}
	return true
}

func printState(w io.Writer, st *core.RequestState) {
	fmt.Fprintf(w, "status:     %s\n", st.Status)
	if st.Reason != "" {
		fmt.Fprintf(w, "reason:     %s\n", st.Reason)
	}
	if st.Message != "" {
		fmt.Fprintf(w, "message:    %s\n", st.Message)
	}
	if st.TokenType != "" {
		fmt.Fprintf(w, "token type: %s\n", st.TokenType)
	}
	if a := st.ToAuth(); a != nil {
		fmt.Fprintf(w, "authenticated: %v\n", a.IsAuthenticated)
		for _, kv := range [][2]string{
			{"user", a.UserID}, {"session", a.SessionID}, {"session status", a.SessionStatus},
			{"org", a.OrgID}, {"org role", a.OrgRole}, {"org slug", a.OrgSlug},
			{"token id", a.ID}, {"subject", a.Subject}, {"machine", a.MachineID}, {"client", a.ClientID},
		} {
			if kv[1] != "" {
				fmt.Fprintf(w, "  %-15s %s\n", kv[0]+":", kv[1])
			}
		}
		if len(a.OrgPermissions) > 0 {
			fmt.Fprintf(w, "  %-15s %s\n", "permissions:", strings.Join(a.OrgPermissions, ", "))
		}
		if len(a.Scopes) > 0 {
			fmt.Fprintf(w, "  %-15s %s\n", "scopes:", strings.Join(a.Scopes, ", "))
		}
	}
	if len(st.Headers) > 0 {
		fmt.Fprintln(w, "headers:")
		names := make([]string, 0, len(st.Headers))
		for k := range st.Headers {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			for _, v := range st.Headers[k] {
				fmt.Fprintf(w, "  %s: %s\n", k, v)
			}
		}
	}
}
