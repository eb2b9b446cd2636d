#!/bin/sh
# check-types.sh: type-check `clerkscript types` with the real TypeScript
# compilers, 5 and 7: the declarations alone (default ES5 + DOM libraries,
# and strict ES2022), then, with the documented recipe (docs/JS.md "Types":
# moduleDetection force, strict, checkJs), the example scripts, the
# compatibility suite's TypeScript script and a `// @ts-check` script with
# top-level await. A dev check, not part of `go test`: it needs Node and the
# npm registry (npx fetches typescript@5 and typescript@7 once). The go test
# TestTypeScriptDeclarationsParse is the offline fallback.
#
#   sh scripts/check-types.sh
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

(cd "$root" && go run ./cmd/clerkscript types) > "$work/clerk.d.ts"
proj="$work/proj"
mkdir -p "$proj/examples"
cp "$root"/scripts/examples/*.js "$root"/scripts/examples/*.mjs "$proj/examples/"
cp "$root/testdata/compat/typed.ts" "$proj/"
cat > "$proj/tla.js" <<'JS'
// @ts-check
const { data, totalCount } = await clerk.users.getUserList({ limit: 1 });
console.log(data.length, totalCount, process.argv[2]);
for await (const u of clerk.paginate(clerk.users.list)) console.log(u.id);
JS
cat > "$proj/tsconfig.json" <<'JSON'
{
  "compilerOptions": {
    "target": "es2022",
    "module": "esnext",
    "moduleResolution": "bundler",
    "moduleDetection": "force",
    "lib": ["es2022"],
    "types": [],
    "strict": true,
    "allowJs": true,
    "checkJs": true,
    "noEmit": true
  },
  "include": ["../clerk.d.ts", "*.ts", "*.js", "examples/*.js", "examples/*.mjs"]
}
JSON
for v in 5 7; do
  tsc() { npx -y -p "typescript@$v" tsc "$@"; }
  (cd "$work" && tsc --version && tsc --noEmit clerk.d.ts && tsc --noEmit --strict --lib es2022 clerk.d.ts)
  (cd "$proj" && tsc -p .)
done
echo "clerk.d.ts, scripts/examples, testdata/compat/typed.ts and a @ts-check script type-check with TypeScript 5 and 7"
