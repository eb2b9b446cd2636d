package clerkwasm_test

import (
	"context"
	"fmt"
	"log"
	"os"

	extism "github.com/extism/go-sdk"
	"github.com/tetratelabs/wazero"
)

// The Extism build (clerkscript wasm build --abi extism -o clerk-extism.wasm)
// loaded by the Extism Go SDK from a manifest alone, as in the README.
func Example_extism() {
	ctx := context.Background()
	token := os.Getenv("TOKEN")
	manifest := extism.Manifest{Wasm: []extism.Wasm{extism.WasmFile{Path: "clerk-extism.wasm"}},
		Config:       map[string]string{"jwt_key": os.Getenv("CLERK_JWT_KEY"), "authorized_parties": "https://app.example.com"},
		AllowedHosts: []string{"api.clerk.com"}} // only needed for call, or for the JWKS without jwt_key
	plugin, err := extism.NewPlugin(ctx, manifest, extism.PluginConfig{EnableWasi: true,
		// A real clock: wazero's default reads 2022, under which the plugin refuses to verify.
		ModuleConfig: wazero.NewModuleConfig().WithSysWalltime().WithSysNanotime()}, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer plugin.Close(ctx)
	_, out, err := plugin.Call("verify_token", []byte(token))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(out)) // {"status":"signed-in","reason":null,"message":null,"claims":{...}}
}
