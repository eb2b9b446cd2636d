package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/clerkscript/clerkscript/core"
	"github.com/clerkscript/clerkscript/internal/verdict"
)

func init() {
	register(&command{
		name:    "verify",
		summary: "verify a Clerk session token (networkless with a PEM key)",
		usage: `Usage:
  clerkscript verify [--jwt-key FILE|PEM] [--authorized-party URL]...
                     [--audience A]... [--issuer URL] [--clock-skew 5s]
                     [--json] TOKEN|-

Verifies a Clerk session token as @clerk/backend's verifyToken does and
prints the verdict and the claims. TOKEN may be "-" to read it from stdin; a
leading "Bearer " is ignored.

  --jwt-key           the instance PEM public key, or a file holding it
                      (default CLERK_JWT_KEY). Without a key the JWKS is
                      fetched with CLERK_SECRET_KEY from CLERK_API_URL.
  --authorized-party  an accepted azp origin; repeat. When given, the token
                      must carry one of them.
  --audience          an accepted aud value; repeat.
  --issuer            require exactly this iss (Clerk's SDKs do not check it)
  --clock-skew        tolerance for exp/nbf/iat (default 5s; 0 for none)
  --json              print one JSON object: {"status":"signed-in"|
                      "signed-out","reason":null|"<clerk reason>",
                      "message":null|"...","claims":{...}|null}

Exit status: 0 signed in, 1 token rejected, 2 usage or configuration error
(no key, a bad key, an invalid secret key, the JWKS cannot be loaded).`,
		run: runVerify,
	})
}

// verifyNow is the CLI's clock; tests replace it.
var verifyNow = time.Now

// maxTokenInput bounds what "verify -" reads from stdin.
const maxTokenInput = 1 << 20

func runVerify(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	va, code, done := parseVerifyArgs("verify", "verify", false, args, stdin, stdout, stderr)
	if done {
		return code
	}
	if err := va.checkKey(); err != nil {
		return reportVerdict("verify", nil, err, va.asJSON, stdout, stderr)
	}
	v := core.NewVerifier(core.VerifierConfig{TokenCacheSize: -1})
	claims, err := v.Verify(ctx, va.token, va.opts)
	return reportVerdict("verify", claims, err, va.asJSON, stdout, stderr)
}

// verifyArgs is what 'verify' and 'wasm verify' share: the same flags,
// token input and key resolution.
type verifyArgs struct {
	module string // wasm verify only
	// cacheDir and noCache (wasm verify only) pick the compilation cache.
	cacheDir string
	noCache  bool
	token    string
	opts     core.VerifyOptions
	asJSON   bool
}

// checkKey refuses a bad PEM key whatever the token: the verifier would
// only find it once a token is well-formed enough to need the key, and
// report a malformed token (exit 1) instead of the configuration error
// (exit 2) the help promises.
func (va *verifyArgs) checkKey() error {
	if va.opts.JWTKey == "" {
		return nil
	}
	return core.CheckJWTKey(va.opts.JWTKey)
}

// parseVerifyArgs parses the verify flags (and --module when withModule).
// done reports that the command is over, with exit status code.
func parseVerifyArgs(cmd, helpTopic string, withModule bool, args []string, stdin io.Reader, stdout, stderr io.Writer) (va verifyArgs, code int, done bool) {
	fs := newFlagSet(cmd)
	var (
		jwtKey, issuer     string
		parties, audiences stringList
		skew               time.Duration
	)
	if withModule {
		fs.StringVar(&va.module, "module", "", "")
		fs.StringVar(&va.cacheDir, "compilation-cache", "", "")
		fs.BoolVar(&va.noCache, "no-compilation-cache", false, "")
	}
	fs.StringVar(&jwtKey, "jwt-key", "", "")
	fs.Var(&parties, "authorized-party", "")
	fs.Var(&audiences, "audience", "")
	fs.StringVar(&issuer, "issuer", "", "")
	durationFlag(fs, &skew, "clock-skew", 5*time.Second)
	fs.BoolVar(&va.asJSON, "json", false, "")
	usageErr := func(format string, a ...any) (verifyArgs, int, bool) {
		return va, usageError(stderr, cmd, helpTopic, format, a...), true
	}

	// Flags may come after the token.
	positional, code, done := parseFlags(fs, helpTopic, args, true, stdout, stderr)
	if done {
		return va, code, true
	}
	if withModule && va.module == "" {
		return usageErr("--module FILE is required (build one with 'clerkscript wasm build -o FILE')")
	}
	if len(positional) != 1 {
		return usageErr("want exactly one TOKEN (or - for stdin), got %d arguments", len(positional))
	}
	if skew < 0 {
		return usageErr("--clock-skew must not be negative")
	}

	token := positional[0]
	if token == "-" {
		b, err := io.ReadAll(io.LimitReader(stdin, maxTokenInput+1))
		if err != nil {
			return usageErr("reading the token from stdin: %v", err)
		}
		if len(b) > maxTokenInput {
			return usageErr("the token on stdin is larger than 1 MiB")
		}
		token = string(b)
	}
	va.token = core.BearerToken(strings.TrimSpace(token))
	if va.token == "" {
		return usageErr("the token is empty")
	}

	va.opts = core.VerifyOptions{
		AuthorizedParties: parties,
		Audience:          audiences,
		Issuer:            issuer,
		ClockSkew:         skew,
		Now:               verifyNow,
	}
	if skew == 0 {
		va.opts.ClockSkew = core.NoClockSkew
	}
	switch {
	case jwtKey != "":
		key, err := readKeyArg(jwtKey)
		if err != nil {
			return usageErr("--jwt-key: %v", err)
		}
		va.opts.JWTKey = key
	case strings.TrimSpace(os.Getenv("CLERK_JWT_KEY")) != "":
		va.opts.JWTKey = os.Getenv("CLERK_JWT_KEY")
	case strings.TrimSpace(os.Getenv("CLERK_SECRET_KEY")) != "":
		va.opts.SecretKey = strings.TrimSpace(os.Getenv("CLERK_SECRET_KEY"))
		va.opts.APIURL = strings.TrimSpace(os.Getenv("CLERK_API_URL"))
		va.opts.APIVersion = strings.TrimSpace(os.Getenv("CLERK_API_VERSION"))
	default:
		return usageErr("no key: pass --jwt-key, or set CLERK_JWT_KEY or CLERK_SECRET_KEY")
	}
	return va, 0, false
}

// reportVerdict prints a verification result in the contract of 'verify'
// (human text, or exactly one JSON object with --json) and returns the exit
// status: 0 signed in, 1 rejected, 2 configuration error.
func reportVerdict(cmd string, claims *core.Claims, err error, asJSON bool, stdout, stderr io.Writer) int {
	var te *core.TokenVerificationError
	if err != nil && !errors.As(err, &te) {
		fmt.Fprintf(stderr, "clerkscript %s: %v\n", cmd, err)
		return 2
	}
	code := 0
	if te != nil {
		code = 1
		if te.IsConfigurationError() {
			code = 2
		}
	}
	if asJSON {
		b := verdict.JSON(claims, te)
		fmt.Fprintln(stdout, string(b))
		return code
	}
	if te != nil {
		fmt.Fprintf(stdout, "signed-out\n  reason:  %s\n  message: %s\n", te.Reason, te.Message)
		if te.Action != "" {
			fmt.Fprintf(stdout, "  action:  %s\n", te.Action)
		}
		return code
	}
	printClaims(stdout, claims, verifyNow())
	return 0
}

func printClaims(w io.Writer, c *core.Claims, now time.Time) {
	fmt.Fprintln(w, "signed-in")
	line := func(k, v string) {
		if v != "" {
			fmt.Fprintf(w, "  %-12s %s\n", k+":", v)
		}
	}
	line("user", c.Subject)
	line("session", c.SessionID)
	line("status", c.SessionStatus)
	line("issuer", c.Issuer)
	line("azp", c.AuthorizedParty)
	line("audience", strings.Join(c.Audience, ", "))
	exp := time.Unix(c.Expiry, 0).UTC()
	line("expires", fmt.Sprintf("%s (in %s)", exp.Format(time.RFC3339), exp.Sub(now).Round(time.Second)))
	if c.IssuedAt != 0 {
		line("issued", time.Unix(c.IssuedAt, 0).UTC().Format(time.RFC3339))
	}
	line("org", c.OrgID)
	line("org slug", c.OrgSlug)
	line("org role", c.OrgRole)
	line("permissions", strings.Join(c.OrgPermissions, ", "))
	line("features", strings.Join(c.Features, ", "))
	line("plans", strings.Join(c.Plans, ", "))
	if c.FactorVerificationAge != nil {
		line("factor age", fmt.Sprintf("%d, %d (minutes; -1 never)", c.FactorVerificationAge[0], c.FactorVerificationAge[1]))
	}
	if len(c.Actor) > 0 {
		line("actor", string(c.Actor))
	}
	line("key", c.KeyID+" "+c.Algorithm)
	line("version", fmt.Sprint(c.Version))
}
