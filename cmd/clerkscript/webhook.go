package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/clerkscript/clerkscript/core"
)

func init() {
	register(&command{
		name:    "webhook",
		summary: "verify a Clerk (Svix) webhook delivery",
		usage: `Usage:
  clerkscript webhook verify [--secret-file F] --header 'svix-id: ...'
                             --header 'svix-timestamp: ...'
                             --header 'svix-signature: ...' [--body FILE]
                             [--json] < body

Checks a webhook delivery's signature (HMAC-SHA256 over id.timestamp.body,
any "v1,<base64>" entry, timestamp within 5 minutes of now) and prints the
event. The body is read from stdin unless --body names a file; it must be the
exact bytes received. The webhook-id/-timestamp/-signature names work too.

  --secret-file  a file holding the endpoint's signing secret (whsec_...);
                 default CLERK_WEBHOOK_SIGNING_SECRET
  --header       'Name: value'; repeat
  --json         print one JSON object: {"status":"verified"|"rejected",
                 "reason":null|"...","message":null|"...","id":...,
                 "type":...,"event":{...}|null}

Exit status: 0 verified, 1 rejected, 2 usage or configuration error
(missing headers, no or malformed secret).`,
		subcommands: []string{"verify"},
		run:         runWebhook,
	})
}

// webhookNow is the webhook command's clock; tests replace it.
var webhookNow = time.Now

const maxWebhookBody = 10 << 20

func runWebhook(_ context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	usageErr := func(format string, a ...any) int {
		return usageError(stderr, "webhook verify", "webhook", format, a...)
	}
	_, rest, code, done := subcommand("webhook", args, stdout, stderr)
	if done {
		return code
	}
	fs := newFlagSet("webhook verify")
	var (
		secretFile, bodyFile string
		headers              stringList
		asJSON               bool
	)
	fs.StringVar(&secretFile, "secret-file", "", "")
	fs.Var(&headers, "header", "")
	fs.Var(&headers, "H", "")
	fs.StringVar(&bodyFile, "body", "", "")
	fs.BoolVar(&asJSON, "json", false, "")
	positional, code, done := parseFlags(fs, "webhook", rest, true, stdout, stderr)
	if done {
		return code
	}
	if len(positional) > 0 {
		return usageErr("unexpected argument %q", positional[0])
	}

	secret := os.Getenv("CLERK_WEBHOOK_SIGNING_SECRET")
	if secretFile != "" {
		b, err := os.ReadFile(secretFile)
		if err != nil {
			return usageErr("reading --secret-file: %v", err)
		}
		secret = string(b)
	}
	if strings.TrimSpace(secret) == "" {
		return usageErr("no signing secret: pass --secret-file or set CLERK_WEBHOOK_SIGNING_SECRET")
	}
	h := core.Header{}
	for _, hv := range headers {
		name, value, ok := strings.Cut(hv, ":")
		name = strings.TrimSpace(name)
		if !ok || name == "" || strings.ContainsAny(name, " \t") {
			return usageErr("--header %q: want 'Name: value'", hv)
		}
		h.Add(name, strings.TrimSpace(value))
	}
	var in io.Reader = stdin
	if bodyFile != "" && bodyFile != "-" {
		f, err := os.Open(bodyFile)
		if err != nil {
			return usageErr("--body: %v", err)
		}
		defer f.Close()
		in = f
	}
	body, err := io.ReadAll(io.LimitReader(in, maxWebhookBody+1))
	if err != nil {
		return usageErr("reading the body: %v", err)
	}
	if len(body) > maxWebhookBody {
		return usageErr("the body is larger than 10 MiB")
	}

	ev, err := core.VerifyWebhook(secret, h, body, webhookNow())
	var we *core.WebhookVerificationError
	if err != nil && !errors.As(err, &we) {
		fmt.Fprintf(stderr, "clerkscript webhook: %v\n", err)
		return 2
	}
	code = 0
	if we != nil {
		code = 1
		if we.Reason == core.WebhookMissingHeaders || we.Reason == core.WebhookInvalidSecret {
			code = 2
		}
	}
	if asJSON {
		out := struct {
			Status  string          `json:"status"`
			Reason  *string         `json:"reason"`
			Message *string         `json:"message"`
			ID      *string         `json:"id"`
			Type    *string         `json:"type"`
			Event   json.RawMessage `json:"event"`
		}{Status: "verified", Event: json.RawMessage("null")}
		if we != nil {
			out.Status, out.Reason, out.Message = "rejected", &we.Reason, &we.Message
		} else {
			out.ID, out.Type = &ev.ID, &ev.Type
			if len(ev.Raw) > 0 {
				out.Event = ev.Raw
			}
		}
		b, err := json.Marshal(out)
		if err != nil {
			fmt.Fprintf(stderr, "clerkscript webhook: %v\n", err)
			return 2
		}
		fmt.Fprintln(stdout, string(b))
		return code
	}
	if we != nil {
		fmt.Fprintf(stdout, "rejected\n  reason:  %s\n  message: %s\n", we.Reason, we.Message)
		return code
	}
	fmt.Fprintf(stdout, "verified\n  id:        %s\n  type:      %s\n  timestamp: %s\n", ev.ID, ev.Type, ev.Timestamp.Format(time.RFC3339))
	if ev.InstanceID != "" {
		fmt.Fprintf(stdout, "  instance:  %s\n", ev.InstanceID)
	}
	return 0
}
