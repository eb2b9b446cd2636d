// Package clerkwasm (import path github.com/clerkscript/clerkscript/wasm/host)
// loads the clerkscript wasm plugin on wazero and offers Clerk session
// verification, authenticateRequest, webhook verification and Backend API
// calls through it, with a pool of instances that is safe for concurrent use.
//
// The host owns everything the plugin must not: the Backend API secret key
// (added to requests the guest describes by path), the API base URL (pinned;
// other hosts and redirects are refused), the rate limiter and retries, the
// real clock and random source, and native RSA signature checks. The ABI is
// documented in wasm/ABI.md. The package is named clerkwasm rather than host
// because "host.New" says nothing at the call site.
package clerkwasm
