// Command guest is the clerkscript wasm plugin: a wasip1 reactor module that
// exposes Clerk session verification, authenticateRequest, webhook
// verification and every Backend API operation through the ABI described in
// wasm/ABI.md. Build it with
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o clerk.wasm ./wasm/guest
//
// The guest never holds the Backend API secret key: it describes requests
// to its host (the clerk.http_request import), which adds the key, and it
// asks the host to check RSA signatures natively (clerk.check_rsa).
package main
