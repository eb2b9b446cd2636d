// Command extism is the clerkscript Extism plugin: the same core as the
// native-ABI plugin (wasm/guest), built against the Extism plugin ABI so
// that any Extism host SDK loads it with a manifest and no host code.
// Build it with
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -ldflags='-s -w' -o clerk-extism.wasm ./wasm/extism
//
// Plugin functions: verify_token, authenticate_request, verify_webhook and
// call; configuration comes from the manifest's config. Unlike the native
// ABI, the Backend API secret key lives in the plugin's config, inside the
// sandbox: see the README's wasm section.
package main
