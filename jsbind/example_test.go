package jsbind_test

import (
	"context"
	"net/http/httptest"
	"os"

	"github.com/clerkscript/clerkscript/core"
	"github.com/clerkscript/clerkscript/emulator"
	"github.com/clerkscript/clerkscript/jsbind"
)

// Running an automation script from Go, as `clerkscript run` does: the
// script gets `clerk` (every Backend API operation, camelCase), `job` and
// the console. Here against the emulator.
func ExampleRuntime_RunScript() {
	em, _ := emulator.New(emulator.WithoutRateLimits())
	srv := httptest.NewServer(em)
	defer srv.Close()
	client := core.NewClient(core.DefaultClientConfig().WithSecretKey(em.SecretKey()).WithAPIURL(srv.URL))

	rt, err := jsbind.New(jsbind.Options{Client: client, Stdout: os.Stdout, Stderr: os.Stderr})
	if err != nil {
		panic(err)
	}
	err = rt.RunScript(context.Background(), "example.js", `
		const u = await clerk.users.create({ emailAddress: ["ada@example.com"], firstName: "Ada" });
		const found = await clerk.users.list({ emailAddress: ["ada@example.com"] });
		console.log(u.firstName, found.length);
	`)
	if err != nil {
		panic(err)
	}
	// Output:
	// Ada 1
}
