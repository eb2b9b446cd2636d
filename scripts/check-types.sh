#!/bin/sh
# check-types.sh: type-check `clerkscript types` with the real TypeScript
# compiler, under the default (ES5 + DOM) libraries and under strict ES2022,
# and type-check the example scripts against the declarations. A dev check,
# not part of `go test`: it needs Node and the npm registry (npx fetches
# typescript@5 once). The go test TestTypeScriptDeclarationsParse is the
# offline fallback.
#
#   sh scripts/check-types.sh
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tsc() { npx -y -p typescript@5 tsc "$@"; }

(cd "$root" && go run ./cmd/clerkscript types) > "$work/clerk.d.ts"
(cd "$work" && tsc --noEmit clerk.d.ts && tsc --noEmit --strict --lib es2022 clerk.d.ts)

# Scripts run inside an async function (top-level await), which tsc only
# allows in modules: wrap each one the same way the runtime does.
mkdir "$work/examples"
for f in "$root"/scripts/examples/*.js; do
  {
    echo '/// <reference path="../clerk.d.ts" />'
    echo '(async () => {'
    cat "$f"
    echo '})();'
  } > "$work/examples/$(basename "$f")"
done
(cd "$work" && tsc --noEmit --allowJs --checkJs --target es2022 --lib es2022 examples/*.js)
echo "clerk.d.ts and scripts/examples type-check"
