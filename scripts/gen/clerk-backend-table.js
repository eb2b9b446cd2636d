// Regenerates jsbind/clerkbackend_table.json: how @clerk/backend builds each
// resource class from the API's JSON (property <- JSON key, nested class,
// array), which class each "object" type becomes, and the derived getters.
// The facts are read from the installed package by running its fromJSON
// functions on a recording proxy, so the table follows the real package.
//
//   mkdir -p /tmp/cb && cd /tmp/cb && npm install @clerk/backend@3
//   node /path/to/scripts/gen/clerk-backend-table.js > /path/to/jsbind/clerkbackend_table.json
const fs = require("fs"), path = require("path"), Module = require("module");
const from = { paths: [process.cwd()] };
const file = require.resolve("@clerk/backend", from);
let src = fs.readFileSync(file, "utf8");
const classNames = [...src.matchAll(/^var (\w+) = class _?\w+ \{/gm)].map(m => m[1]);
const cases = [...src.matchAll(/case ObjectType\.(\w+):\s*return (\w+)\.fromJSON/g)].map(m => [m[1], m[2]]);
src += "\nmodule.exports.__x = { ObjectType, " + classNames.join(", ") + " };\n";
const m = new Module(file, module); m.filename = file; m.paths = Module._nodeModulePaths(path.dirname(file));
m._compile(src, file);
const X = m.exports.__x;
const MARK = Symbol("mark");
function probe(prefix) {
  return new Proxy(function () {}, {
    get(_, k) {
      if (k === MARK) return prefix;
      if (k === "map") return fn => [fn(probe(prefix + "[]"))];
      if (k === Symbol.toPrimitive) return () => "https://probe.invalid/" + prefix;
      if (typeof k === "symbol") return undefined;
      return probe(prefix ? prefix + "." + k : k);
    },
    has() { return true; },
  });
}
function describe(v) {
  if (v == null) return { raw: null };
  if (typeof v === "function" && v[MARK] !== undefined) return { key: v[MARK] };
  if (Array.isArray(v)) return { array: describe(v[0]) };
  if (typeof v === "object" && v.constructor && v.constructor !== Object) return { cls: v.constructor.name.replace(/^_/, ""), of: v };
  return { raw: String(v) };
}
const classes = {};
for (const n of classNames) {
  const C = X[n];
  if (!C || typeof C.fromJSON !== "function") continue;
  let inst;
  try { inst = C.fromJSON(probe("")); } catch (e) { classes[n] = { error: String(e) }; continue; }
  const fields = [];
  for (const p of Object.keys(inst)) {
    if (p === "_raw") continue;
    const d = describe(inst[p]);
    const f = [p];
    if (d.key !== undefined) f.push(d.key);
    else if (d.array) f.push(d.array.of ? d.array.of : null, d.array);
    else if (d.cls) f.push({ cls: d.cls });
    else f.push(d);
    fields.push(fieldOf(p, inst[p]));
  }
  const getters = Object.entries(Object.getOwnPropertyDescriptors(C.prototype)).filter(([k, d]) => d.get && k !== "raw").map(([k]) => k);
  // Defaults: what fromJSON gives for absent keys (publicMetadata = {}).
  let defaults;
  try {
    const empty = C.fromJSON({});
    for (const [k, v] of Object.entries(empty)) {
      if (k !== "_raw" && v !== undefined) (defaults = defaults || {})[k] = v;
    }
  } catch (e) {}
  classes[n] = { fields, getters, defaults };
}
function fieldOf(p, v) {
  if (typeof v === "function" && v[MARK] !== undefined) return [p, v[MARK]];
  if (Array.isArray(v)) {
    const e = v[0];
    if (typeof e === "function" && e[MARK] !== undefined) return [p, e[MARK].replace(/\[\]$/, ""), "[]"];
    if (e && e.constructor) {
      // find the key: the nested instance's fields came from prefix "k[]"
      const k = firstKey(e);
      return [p, k ? k.split("[]")[0] : null, "[]" + e.constructor.name.replace(/^_/, "")];
    }
    return [p, null, "[]"];
  }
  if (v && typeof v === "object" && v.constructor !== Object) {
    const k = firstKey(v);
    return [p, k ? k.split(".").slice(0, -1).join(".") : null, v.constructor.name.replace(/^_/, "")];
  }
  return [p, null, "literal:" + JSON.stringify(v)];
}
function firstKey(o) {
  for (const val of Object.values(o)) {
    if (typeof val === "function" && val[MARK] !== undefined) return val[MARK];
    if (val && typeof val === "object") { const k = firstKey(val); if (k) return k; }
  }
  return null;
}
const objectTypes = {};
for (const [t, c] of cases) objectTypes[X.ObjectType[t]] = c;
const pkg = require(require.resolve("@clerk/backend/package.json", from));
const compact = {};
for (const [n, c] of Object.entries(classes)) {
  if (c.error) continue;
  compact[n] = { fields: c.fields.map(f => (f[1] === null ? [f[0]] : f.length > 2 && f[2].startsWith("literal:") ? [f[0]] : f)), getters: c.getters, defaults: c.defaults };
}
console.log(JSON.stringify({ source: "@clerk/backend " + pkg.version, objectTypes, classes: compact }));
