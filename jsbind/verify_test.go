package jsbind

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/clerkscript/clerkscript/core"
	"github.com/clerkscript/clerkscript/emulator"
	"github.com/clerkscript/clerkscript/internal/testkeys"
)

func emulatorClient(t *testing.T) (*core.Client, *emulator.Emulator) {
	t.Helper()
	e, err := emulator.New(emulator.WithoutRateLimits())
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	return core.NewClient(core.NewClientConfig().WithSecretKey(e.SecretKey()).WithAPIURL(srv.URL).
		WithTransport(core.NewHTTPTransport(&http.Client{}))), e
}

func TestVerifyTokenAndAuthenticateRequest(t *testing.T) {
	c, e := emulatorClient(t)
	out, errOut, err := runJS(t, `
const u = await clerk.users.create({emailAddress: ["v@example.com"], skipPasswordRequirement: true});
const s = await clerk.sessions.create({userId: u.id});
const {jwt} = await clerk.sessions.createToken(s.id);
const claims = await clerk.verifyToken(jwt);
console.log(claims.sub === u.id, claims.sid === s.id);
try {
  await clerk.verifyToken(jwt.slice(0, -4) + "AAAA");
} catch (e) {
  console.log(e.name, e.reason);
}
const state = await clerk.authenticateRequest({url: "https://app.example.com/dashboard", headers: {authorization: "Bearer " + jwt}});
console.log(state.status, state.auth.userId === u.id);
const out = await clerk.authenticateRequest({url: "https://app.example.com/"});
console.log(out.status);
`, Options{Client: c, Verify: VerifyDefaults{SecretKey: e.SecretKey(), PublishableKey: core.BuildPublishableKey(e.FrontendAPI(), false)}})
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	want := "true true\nTokenVerificationError token-invalid-signature\nsigned-in true\nsigned-out\n"
	if out != want {
		t.Fatalf("out = %q\nwant  %q", out, want)
	}
}

func TestWebhooksVerify(t *testing.T) {
	secretBytes := []byte("0123456789abcdef0123456789abcdef")
	secret := "whsec_" + base64.StdEncoding.EncodeToString(secretBytes)
	now := time.Unix(1_700_000_000, 0)
	body := `{"type":"user.created","object":"event","data":{"id":"user_1","email_addresses":[]}}`
	ts := strconv.FormatInt(now.Unix(), 10)
	mac := hmac.New(sha256.New, secretBytes)
	mac.Write([]byte("msg_1." + ts + "." + body))
	sig := "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
	out, _, err := runJS(t, `
const headers = {"svix-id": "msg_1", "svix-timestamp": env.TS, "svix-signature": env.SIG};
const ev = clerk.webhooks.verify(env.BODY, headers);
console.log(ev.type, ev.data.id, Array.isArray(ev.data.email_addresses));
try {
  clerk.webhooks.verify(env.BODY + " ", headers);
} catch (e) {
  console.log(e.name, e.message.includes(env.SECRET));
}
`, Options{Now: func() time.Time { return now }, Verify: VerifyDefaults{WebhookSecret: secret},
		Env: []string{"TS=" + ts, "SIG=" + sig, "BODY=" + body, "SECRET=" + secret}})
	if err != nil {
		t.Fatal(err)
	}
	if out != "user.created user_1 true\nWebhookVerificationError false\n" {
		t.Fatalf("out = %q", out)
	}
}

// verifyWebhook from "@clerk/backend/webhooks" takes a Request-like object
// (headers with get/forEach, text()) and the signing secret option.
func TestVerifyWebhookModule(t *testing.T) {
	secretBytes := []byte("0123456789abcdef0123456789abcdef")
	secret := "whsec_" + base64.StdEncoding.EncodeToString(secretBytes)
	now := time.Unix(1_700_000_000, 0)
	body := `{"type":"user.created","object":"event","data":{"id":"user_1"}}`
	ts := strconv.FormatInt(now.Unix(), 10)
	mac := hmac.New(sha256.New, secretBytes)
	mac.Write([]byte("msg_1." + ts + "." + body))
	sig := "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
	out, _, err := runJS(t, `
import { verifyWebhook } from "@clerk/backend/webhooks";
const h = new Map([["svix-id", "msg_1"], ["svix-timestamp", env.TS], ["svix-signature", env.SIG]]);
const request = (b) => ({ headers: { get: (k) => h.get(k), forEach: (f) => h.forEach(f) }, text: async () => b });
const ev = await verifyWebhook(request(env.BODY), { signingSecret: env.SECRET });
console.log(ev.type, ev.data.id);
try {
  await verifyWebhook(request(env.BODY + " "), { signingSecret: env.SECRET });
} catch (e) {
  console.log(e.name);
}
`, Options{Now: func() time.Time { return now }, Env: []string{"TS=" + ts, "SIG=" + sig, "BODY=" + body, "SECRET=" + secret}})
	if err != nil {
		t.Fatal(err)
	}
	if out != "user.created user_1\nWebhookVerificationError\n" {
		t.Fatalf("out = %q", out)
	}
}

// createClerkClient().authenticateRequest takes a Fetch API Request, as
// @clerk/backend does.
func TestClientAuthenticateRequestTakesARequest(t *testing.T) {
	c, _ := emulatorClient(t)
	out, errOut, err := runJS(t, `
import { createClerkClient } from "@clerk/backend";
const clerk = createClerkClient({ secretKey: "sk_live_test", jwtKey: env.PEM, publishableKey: env.PK });
const req = new Request("https://satellite.io/", { headers: { "Sec-Fetch-Dest": "document", accept: "text/html" } });
const state = await clerk.authenticateRequest(req, { isSatellite: true, domain: "satellite.io", satelliteAutoSync: true });
console.log(state.status, state.reason, req.headers.get("sec-fetch-dest"));
`, Options{Client: c, Env: []string{"PEM=" + testkeys.Primary.PublicPEM(), "PK=" + core.BuildPublishableKey("clerk.primary.io", true)}})
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	if out != "handshake satellite-needs-syncing document\n" {
		t.Fatalf("out = %q", out)
	}
}

// The satellite options reach core: satelliteAutoSync turns a cookie-less
// page load on a satellite into a sync handshake instead of signed-out.
func TestAuthenticateRequestSatelliteOptions(t *testing.T) {
	c, _ := emulatorClient(t)
	out, errOut, err := runJS(t, `
const req = {url: "https://satellite.io/", headers: {"sec-fetch-dest": "document", accept: "text/html"}};
const base = {secretKey: "sk_live_test", jwtKey: env.PEM, publishableKey: env.PK, isSatellite: true, domain: "satellite.io"};
const off = await clerk.authenticateRequest(req, base);
const on = await clerk.authenticateRequest(req, {...base, satelliteAutoSync: true});
console.log(off.status, off.reason);
console.log(on.status, on.reason);
`, Options{Client: c, Env: []string{"PEM=" + testkeys.Primary.PublicPEM(), "PK=" + core.BuildPublishableKey("clerk.primary.io", true)}})
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	want := "signed-out session-token-and-uat-missing\nhandshake satellite-needs-syncing\n"
	if out != want {
		t.Fatalf("out = %q\nwant  %q", out, want)
	}
}

// proxyOrigins pins the origin a relative proxyUrl is resolved on, so a
// forged X-Forwarded-Host cannot aim the handshake redirect elsewhere
// (core's ProxyOrigins, auth --proxy-origin); a bad entry is refused.
func TestAuthenticateRequestProxyOrigins(t *testing.T) {
	c, _ := emulatorClient(t)
	out, errOut, err := runJS(t, `
const req = {url: "https://app.example.com/dashboard",
  headers: {"sec-fetch-dest": "document", "x-forwarded-host": "evil.example", cookie: "__client_uat=1"}};
const base = {secretKey: "sk_live_test", jwtKey: env.PEM, publishableKey: env.PK, proxyUrl: "/__clerk"};
const target = (st) => new URL(st.headers.Location[0]).origin;
console.log(target(await clerk.authenticateRequest(req, base)));
console.log(target(await clerk.authenticateRequest(req, {...base, proxyOrigins: "https://app.example.com"})));
console.log(target(await clerk.authenticateRequest(req, {...base, proxyOrigins: ["https://other.example", "https://evil.example"]})));
for (const bad of [{proxyOrigins: "app.example.com"}, {proxyOrigins: ["https://app.example.com/path"]}, {proxyOrigins: [3]},
                   {proxyOrigins: "https://app.example.com", proxyUrl: "https://proxy.example/__clerk"}]) {
  try { await clerk.authenticateRequest(req, {...base, ...bad}); console.log("accepted", JSON.stringify(bad)); }
  catch (e) { console.log("refused:", /proxyOrigins|ProxyOrigins/.test(e.message)); }
}
`, Options{Client: c, Env: []string{"PEM=" + testkeys.Primary.PublicPEM(), "PK=" + core.BuildPublishableKey("clerk.example.com", true)}})
	if err != nil {
		t.Fatalf("%v\n%s\n%s", err, out, errOut)
	}
	want := "https://evil.example\nhttps://app.example.com\nhttps://evil.example\nrefused: true\nrefused: true\nrefused: true\nrefused: true\n"
	if out != want {
		t.Fatalf("out = %q\nwant  %q", out, want)
	}
}
