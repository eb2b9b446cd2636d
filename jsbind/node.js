// The Node globals scripts written for Node use (process, structuredClone,
// TextEncoder/TextDecoder, URL/URLSearchParams, queueMicrotask) and the
// objects of the built-in modules "clerkscript", "node:fs" and
// "node:fs/promises". Runs after the prelude; `mods` is the registry the
// bundle's virtual modules read.
(function (g, mods, native) {
  'use strict';

  const define = (name, value) => {
    if (g[name] === undefined) Object.defineProperty(g, name, { value, writable: true, configurable: true, enumerable: false });
  };

  // ---- process ----
  const process = {
    env: g.env,
    get argv() {
      return [native.argv0, native.script()].concat(Array.from(g.args));
    },
    exitCode: undefined,
    exit(code) {
      g.exit(code === undefined ? (process.exitCode || 0) : code);
    },
    platform: 'linux',
    version: 'v20.0.0-clerkscript',
    versions: { clerkscript: '1' },
    cwd: () => native.cwd(),
    nextTick: (fn, ...args) => queueMicrotask(() => fn(...args)),
    stdout: { write: (s) => { native.write(1, String(s)); return true; } },
    stderr: { write: (s) => { native.write(2, String(s)); return true; } },
  };
  define('process', process);
  define('queueMicrotask', (fn) => {
    Promise.resolve().then(fn);
  });
  define('global', g);

  // ---- structuredClone ----
  function clone(v, seen) {
    if (v === null || typeof v !== 'object') {
      if (typeof v === 'function' || typeof v === 'symbol') throw new TypeError('structuredClone: ' + typeof v + ' could not be cloned');
      return v;
    }
    if (seen.has(v)) return seen.get(v);
    let out;
    if (v instanceof Date) {
      out = new Date(v.getTime());
    } else if (v instanceof RegExp) {
      out = new RegExp(v.source, v.flags);
    } else if (v instanceof Map) {
      out = new Map();
      seen.set(v, out);
      v.forEach((val, key) => out.set(clone(key, seen), clone(val, seen)));
      return out;
    } else if (v instanceof Set) {
      out = new Set();
      seen.set(v, out);
      v.forEach((val) => out.add(clone(val, seen)));
      return out;
    } else if (ArrayBuffer.isView(v)) {
      out = v.slice();
    } else if (v instanceof ArrayBuffer) {
      out = v.slice(0);
    } else if (Array.isArray(v)) {
      out = [];
      seen.set(v, out);
      for (let i = 0; i < v.length; i++) out[i] = clone(v[i], seen);
      return out;
    } else if (v instanceof Error) {
      out = new (g[v.name] || Error)(v.message);
      seen.set(v, out);
      if (v.stack !== undefined) out.stack = v.stack;
      return out;
    } else {
      out = {};
      seen.set(v, out);
      for (const k of Object.keys(v)) out[k] = clone(v[k], seen);
      return out;
    }
    seen.set(v, out);
    return out;
  }
  define('structuredClone', (v) => clone(v, new Map()));

  // ---- TextEncoder / TextDecoder (UTF-8) ----
  class TextEncoder {
    get encoding() {
      return 'utf-8';
    }
    encode(s) {
      s = s === undefined ? '' : String(s);
      const out = [];
      for (let i = 0; i < s.length; i++) {
        let c = s.charCodeAt(i);
        if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
          const d = s.charCodeAt(i + 1);
          if (d >= 0xdc00 && d <= 0xdfff) {
            c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
            i++;
          } else c = 0xfffd;
        } else if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd;
        if (c < 0x80) out.push(c);
        else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
        else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
        else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
      }
      return new Uint8Array(out);
    }
  }
  class TextDecoder {
    constructor(label) {
      label = label === undefined ? 'utf-8' : String(label).toLowerCase();
      if (label !== 'utf-8' && label !== 'utf8') throw new RangeError('TextDecoder: only utf-8 is supported, not ' + label);
    }
    get encoding() {
      return 'utf-8';
    }
    decode(buf) {
      if (buf === undefined) return '';
      const b = buf instanceof ArrayBuffer ? new Uint8Array(buf) : new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
      return native.decodeUTF8(b.slice().buffer);
    }
  }
  define('TextEncoder', TextEncoder);
  define('TextDecoder', TextDecoder);

  // ---- URLSearchParams / URL ----
  const enc = (s) => encodeURIComponent(s).replace(/%20/g, '+').replace(/[!'()~]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
  const dec = (s) => decodeURIComponent(s.replace(/\+/g, ' '));
  class URLSearchParams {
    constructor(init) {
      this._list = [];
      this._url = null;
      if (init === undefined || init === null) return;
      if (typeof init === 'string') {
        this._parse(init);
      } else if (init instanceof URLSearchParams) {
        this._list = init._list.map((p) => p.slice());
      } else if (typeof init[Symbol.iterator] === 'function') {
        for (const p of init) this._list.push([String(p[0]), String(p[1])]);
      } else {
        for (const k of Object.keys(init)) this._list.push([k, String(init[k])]);
      }
    }
    _parse(s) {
      this._list = [];
      if (s.startsWith('?')) s = s.slice(1);
      for (const part of s.split('&')) {
        if (!part) continue;
        const i = part.indexOf('=');
        this._list.push(i < 0 ? [dec(part), ''] : [dec(part.slice(0, i)), dec(part.slice(i + 1))]);
      }
    }
    _update() {
      if (this._url) this._url._search = this._list.length ? '?' + this.toString() : '';
    }
    append(k, v) { this._list.push([String(k), String(v)]); this._update(); }
    delete(k) { this._list = this._list.filter((p) => p[0] !== String(k)); this._update(); }
    get(k) { const p = this._list.find((q) => q[0] === String(k)); return p ? p[1] : null; }
    getAll(k) { return this._list.filter((q) => q[0] === String(k)).map((q) => q[1]); }
    has(k) { return this._list.some((q) => q[0] === String(k)); }
    set(k, v) {
      k = String(k);
      const i = this._list.findIndex((q) => q[0] === k);
      if (i < 0) this._list.push([k, String(v)]);
      else {
        this._list[i][1] = String(v);
        this._list = this._list.filter((q, j) => j <= i || q[0] !== k);
      }
      this._update();
    }
    sort() { this._list.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)); this._update(); }
    forEach(fn, thisArg) { for (const [k, v] of this._list) fn.call(thisArg, v, k, this); }
    keys() { return this._list.map((p) => p[0])[Symbol.iterator](); }
    values() { return this._list.map((p) => p[1])[Symbol.iterator](); }
    entries() { return this._list.map((p) => [p[0], p[1]])[Symbol.iterator](); }
    [Symbol.iterator]() { return this.entries(); }
    get size() { return this._list.length; }
    toString() { return this._list.map((p) => enc(p[0]) + '=' + enc(p[1])).join('&'); }
  }

  class URL {
    constructor(input, base) {
      const p = native.parseURL(String(input), base === undefined ? undefined : String(base));
      if (typeof p === 'string') throw new TypeError('Invalid URL: ' + p);
      this._protocol = p.protocol;
      this.username = p.username;
      this.password = p.password;
      this.hostname = p.hostname;
      this.port = p.port;
      this.pathname = p.pathname;
      this._search = p.search;
      this.hash = p.hash;
      this._params = null;
    }
    get protocol() { return this._protocol; }
    set protocol(v) { v = String(v); this._protocol = v.endsWith(':') ? v : v + ':'; }
    get host() { return this.hostname + (this.port ? ':' + this.port : ''); }
    set host(v) { const i = String(v).lastIndexOf(':'); if (i > 0) { this.hostname = v.slice(0, i); this.port = v.slice(i + 1); } else { this.hostname = String(v); this.port = ''; } }
    get origin() { return this._protocol + '//' + this.host; }
    get search() { return this._search; }
    set search(v) { v = String(v); this._search = v === '' || v === '?' ? '' : v.startsWith('?') ? v : '?' + v; if (this._params) this._params._parse(this._search); }
    get searchParams() {
      if (!this._params) {
        this._params = new URLSearchParams(this._search);
        this._params._url = this;
      }
      return this._params;
    }
    get href() {
      const auth = this.username ? this.username + (this.password ? ':' + this.password : '') + '@' : '';
      return this._protocol + '//' + auth + this.host + this.pathname + this._search + this.hash;
    }
    set href(v) { const u = new URL(v); Object.assign(this, u); }
    toString() { return this.href; }
    toJSON() { return this.href; }
    static canParse(input, base) { try { new URL(input, base); return true; } catch (_) { return false; } }
  }
  // ---- Headers / Request (enough for authenticateRequest and verifyWebhook) ----
  class Headers {
    constructor(init) {
      this._m = new Map();
      if (init == null) return;
      if (typeof init.forEach === 'function' && !Array.isArray(init)) init.forEach((v, k) => this.append(k, v));
      else if (Array.isArray(init)) for (const [k, v] of init) this.append(k, v);
      else for (const k of Object.keys(init)) this.append(k, init[k]);
    }
    append(k, v) {
      k = String(k).toLowerCase();
      const old = this._m.get(k);
      this._m.set(k, old === undefined ? String(v) : old + ', ' + String(v));
    }
    set(k, v) { this._m.set(String(k).toLowerCase(), String(v)); }
    get(k) { const v = this._m.get(String(k).toLowerCase()); return v === undefined ? null : v; }
    has(k) { return this._m.has(String(k).toLowerCase()); }
    delete(k) { this._m.delete(String(k).toLowerCase()); }
    forEach(fn, thisArg) { for (const [k, v] of [...this._m].sort()) fn.call(thisArg, v, k, this); }
    entries() { return [...this._m].sort()[Symbol.iterator](); }
    keys() { return [...this._m.keys()].sort()[Symbol.iterator](); }
    values() { return [...this._m].sort().map((e) => e[1])[Symbol.iterator](); }
    [Symbol.iterator]() { return this.entries(); }
  }
  class Request {
    constructor(input, init) {
      init = init || {};
      const from = input instanceof Request ? input : null;
      this.url = from ? from.url : new URL(String(input)).href;
      this.method = String(init.method || (from ? from.method : 'GET')).toUpperCase();
      this.headers = new Headers(init.headers || (from ? from.headers : undefined));
      this._body = init.body !== undefined ? init.body : from ? from._body : null;
    }
    async text() {
      const b = this._body;
      return b == null ? '' : typeof b === 'string' ? b : new TextDecoder().decode(b);
    }
    async json() {
      return JSON.parse(await this.text());
    }
  }
  define('Headers', Headers);
  define('Request', Request);
  define('URLSearchParams', URLSearchParams);
  define('URL', URL);

  // ---- modules ----
  mods['clerkscript'] = {
    clerk: g.clerk,
    job: g.job,
    fs: g.fs,
    sleep: g.sleep,
    args: g.args,
    env: g.env,
    exit: g.exit,
    ClerkAPIError: g.ClerkAPIError,
  };
  const text = (enc, opts) => {
    const e = typeof opts === 'string' ? opts : opts && opts.encoding;
    return e;
  };
  const nodeFs = {
    readFileSync(path, opts) {
      text(path, opts);
      return g.fs.readText(String(path));
    },
    writeFileSync(path, data) {
      g.fs.writeText(String(path), typeof data === 'string' ? data : new TextDecoder().decode(data));
    },
    appendFileSync(path, data) {
      g.fs.appendText(String(path), typeof data === 'string' ? data : new TextDecoder().decode(data));
    },
    existsSync(path) {
      return g.fs.exists(String(path));
    },
  };
  const promises = {
    readFile: async (path, opts) => nodeFs.readFileSync(path, opts),
    writeFile: async (path, data) => nodeFs.writeFileSync(path, data),
    appendFile: async (path, data) => nodeFs.appendFileSync(path, data),
  };
  nodeFs.promises = promises;
  mods['node:fs'] = nodeFs;
  mods['node:fs/promises'] = promises;
});
