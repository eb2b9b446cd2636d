// The built-in "@clerk/backend" module: createClerkClient with
// @clerk/backend 3.x names, argument shapes, result shapes (resource
// classes built from clerkbackend_table.json, which is generated from the
// real package) and errors. Calls go through the runtime's client, so the
// shared rate limiter, the journal of job.run and --emulate apply.
//
// native.call(opName, ...args) resolves with the response's JSON as the
// API sends it (snake_case); the arguments are the generic binder's
// (leading path ids, then an object of camelCase parameters).
(function (g, native, ops, table) {
  'use strict';

  const snakeToCamel = (s) => s.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());

  // ---- errors (@clerk/backend/errors) ----

  // One item of ClerkAPIResponseError.errors, with @clerk/backend's
  // camelCase meta.
  class ClerkAPIErrorItem {
    constructor(json) {
      const m = json.meta || {};
      this.code = json.code;
      this.message = json.message;
      this.longMessage = json.long_message !== undefined ? json.long_message : json.longMessage;
      this.meta = {
        paramName: m.param_name,
        sessionId: m.session_id,
        emailAddresses: m.email_addresses,
        identifiers: m.identifiers,
        zxcvbn: m.zxcvbn,
        plan: m.plan,
        isPlanUpgradePossible: m.is_plan_upgrade_possible,
        seatsQuantityToAdd: m.seats_quantity_to_add,
        seatsQuantity: m.seats_quantity,
        traceId: m.trace_id,
        kind: m.kind,
        title: m.title,
        description: m.description,
        linkUrl: m.link_url,
        linkText: m.link_text,
        data: m.data,
      };
    }
  }
  Object.defineProperty(ClerkAPIErrorItem, 'name', { value: 'ClerkAPIError' });

  // ClerkAPIResponseError extends the runtime's ClerkAPIError, so job.run
  // retries it (429, 5xx) like any other API error.
  class ClerkAPIResponseError extends g.ClerkAPIError {
    constructor(message, options) {
      options = options || {};
      super(message, { status: options.status, clerkTraceId: options.clerkTraceId, retryAfter: options.retryAfter });
      delete this.name; // the prototype's getter, as in @clerk/shared
      this.clerkError = true;
      this.code = 'api_response_error';
      this.status = options.status;
      this.clerkTraceId = options.clerkTraceId;
      this.retryAfter = options.retryAfter;
      this.errors = (options.data || []).map((e) => new ClerkAPIErrorItem(e));
    }
    get name() {
      return 'ClerkAPIResponseError';
    }
    set name(v) {}
    toString() {
      let m = '[' + this.name + ']\nMessage:' + this.message + '\nStatus:' + this.status +
        '\nSerialized errors: ' + this.errors.map((e) => JSON.stringify(e));
      if (this.clerkTraceId) m += '\nClerk Trace ID: ' + this.clerkTraceId;
      return m;
    }
  }
  ClerkAPIResponseError.kind = 'ClerkAPIResponseError';

  function isClerkAPIResponseError(e) {
    const t = e === undefined ? this : e;
    if (!t) throw new TypeError('ClerkAPIResponseError type guard requires an error object');
    if (typeof t === 'object' && t.constructor && t.constructor.kind === 'ClerkAPIResponseError') return true;
    return t instanceof ClerkAPIResponseError;
  }

  class TokenVerificationError extends Error {
    constructor(init) {
      init = init || {};
      super(init.message);
      this.reason = init.reason;
      this.message = init.message;
      this.action = init.action;
    }
    getFullMessage() {
      return [this.message, this.action].filter((m) => m).join(' ') + ' (reason=' + this.reason + ', token-carrier=' + this.tokenCarrier + ')';
    }
  }
  Object.defineProperty(TokenVerificationError.prototype, 'name', { value: 'TokenVerificationError', writable: true, configurable: true });

  const TokenVerificationErrorReason = {
    TokenExpired: 'token-expired',
    TokenInvalid: 'token-invalid',
    TokenInvalidAlgorithm: 'token-invalid-algorithm',
    TokenInvalidAuthorizedParties: 'token-invalid-authorized-parties',
    TokenInvalidSignature: 'token-invalid-signature',
    TokenNotActiveYet: 'token-not-active-yet',
    TokenIatInTheFuture: 'token-iat-in-the-future',
    TokenVerificationFailed: 'token-verification-failed',
    InvalidSecretKey: 'secret-key-invalid',
    LocalJWKMissing: 'jwk-local-missing',
    RemoteJWKFailedToLoad: 'jwk-remote-failed-to-load',
    RemoteJWKInvalid: 'jwk-remote-invalid',
    RemoteJWKMissing: 'jwk-remote-missing',
    JWKFailedToResolve: 'jwk-failed-to-resolve',
    JWKKidMismatch: 'jwk-kid-mismatch',
  };

  // toResponseError turns the runtime's rejection into @clerk/backend's.
  function toResponseError(e) {
    if (!(e instanceof g.ClerkAPIError) || e instanceof ClerkAPIResponseError) return e;
    const err = new ClerkAPIResponseError(e.statusText || '', {
      status: e.status,
      clerkTraceId: e.clerkTraceId || '',
      retryAfter: e.retryAfter === undefined ? undefined : Math.floor(e.retryAfter),
    });
    err.errors = (e.errors || []).map((it) => new ClerkAPIErrorItem({ code: it.code, message: it.message, long_message: it.longMessage, meta: it.meta }));
    err.mayHaveBeenApplied = e.mayHaveBeenApplied;
    err.operation = e.operation;
    if (e.stack) {
      const i = e.stack.indexOf('\n');
      Object.defineProperty(err, 'stack', { value: 'ClerkAPIResponseError: ' + err.message + (i >= 0 ? e.stack.slice(i) : ''), writable: true, configurable: true });
    }
    return err;
  }

  function toTokenError(e) {
    if (e && e.name === 'TokenVerificationError' && !(e instanceof TokenVerificationError)) {
      const t = new TokenVerificationError({ message: e.message, reason: e.reason, action: e.action });
      if (e.stack) Object.defineProperty(t, 'stack', { value: e.stack, writable: true, configurable: true });
      return t;
    }
    return e;
  }

  // ---- resources ----

  const classes = {};
  function resourceClass(name) {
    if (classes[name]) return classes[name];
    // Named like the package's classes ("_User" in its bundle).
    const C = { ['_' + name]: class {} }['_' + name];
    const spec = table.classes[name] || { fields: [], getters: [] };
    if (name === 'User') {
      Object.defineProperties(C.prototype, {
        primaryEmailAddress: { get() { return this.emailAddresses.find(({ id }) => id === this.primaryEmailAddressId) ?? null; }, configurable: true },
        primaryPhoneNumber: { get() { return this.phoneNumbers.find(({ id }) => id === this.primaryPhoneNumberId) ?? null; }, configurable: true },
        primaryWeb3Wallet: { get() { return this.web3Wallets.find(({ id }) => id === this.primaryWeb3WalletId) ?? null; }, configurable: true },
        fullName: { get() { return [this.firstName, this.lastName].join(' ').trim() || null; }, configurable: true },
      });
    }
    Object.defineProperty(C.prototype, 'raw', { get() { return this._raw; }, configurable: true });
    C.spec = spec;
    classes[name] = C;
    return C;
  }

  function snakeOf(prop) {
    return prop.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase());
  }

  function build(name, json) {
    const C = resourceClass(name);
    const spec = C.spec;
    const o = new C();
    for (const f of spec.fields) {
      const prop = f[0];
      const key = f.length > 1 && f[1] ? f[1] : snakeOf(prop);
      let v = json == null ? undefined : json[key];
      const type = f[2];
      if (type && v != null) {
        if (type.startsWith('[]')) {
          const cls = type.slice(2);
          v = Array.isArray(v) ? (cls ? v.map((x) => build(cls, x)) : v) : v;
        } else if (table.classes[type]) {
          v = build(type, v);
        }
      }
      if (v === undefined && spec.defaults && prop in spec.defaults) v = structuredCloneish(spec.defaults[prop]);
      o[prop] = v;
    }
    o._raw = json;
    return o;
  }

  function structuredCloneish(v) {
    return v && typeof v === 'object' ? JSON.parse(JSON.stringify(v)) : v;
  }

  function jsonToObject(item) {
    if (item && typeof item === 'object' && 'object' in item && 'deleted' in item) return build('DeletedObject', item);
    if (item && typeof item === 'object' && item.object === 'total_count') return item.total_count;
    const cls = item && typeof item === 'object' ? table.objectTypes[item.object] : undefined;
    return cls ? build(cls, item) : item;
  }

  // deserialize: a bare array resolves to the array, a {data,
  // total_count} page to {data, totalCount}, an object to its class.
  function deserialize(payload) {
    if (Array.isArray(payload)) return payload.map(jsonToObject);
    if (payload && typeof payload === 'object' && Array.isArray(payload.m2m_tokens)) {
      return { data: payload.m2m_tokens.map(jsonToObject), totalCount: payload.total_count };
    }
    if (payload && typeof payload === 'object' && Array.isArray(payload.data)) {
      return { data: payload.data.map(jsonToObject), totalCount: payload.total_count };
    }
    if (payload === undefined || payload === null) return payload;
    return jsonToObject(payload);
  }

  async function call(op, args) {
    let res;
    try {
      res = await native.call(op, ...args);
    } catch (e) {
      throw toResponseError(e);
    }
    return deserialize(res);
  }

  function requireId(id, what) {
    if (!id) throw new Error('A valid resource ID is required.');
  }

  // The list methods @clerk/backend calls with paginated=true, so that the
  // API answers {data, total_count} rather than a bare array.
  const paginatedLists = [
    'allowlistIdentifiers.getAllowlistIdentifierList',
    'clients.getClientList',
    'invitations.getInvitationList',
    'jwtTemplates.list',
    'redirectUrls.getRedirectUrlList',
    'sessions.getSessionList',
    'users.getUserOauthAccessToken',
  ];

  // Methods whose argument shapes differ from "path ids, then params".
  function special(client, byJS) {
    for (const js of paginatedLists) {
      const [res, method] = js.split('.');
      if (!client[res] || !client[res][method] || !byJS[js]) continue;
      const name = byJS[js];
      client[res][method] = function (...args) {
        let i = args.findIndex((a) => a !== null && typeof a === 'object');
        if (i < 0) {
          args.push({});
          i = args.length - 1;
        }
        args[i] = Object.assign({}, args[i], { paginated: true });
        return call(name, args);
      };
    }
    const users = client.users;
    if (users && byJS['users.getUserList'] && byJS['users.getCount']) {
      users.getUserList = async function (params) {
        params = params || {};
        const { limit, offset, orderBy, ...countParams } = params;
        const [data, totalCount] = await Promise.all([
          call(byJS['users.getUserList'], [params]),
          call(byJS['users.getCount'], [countParams]),
        ]);
        return { data, totalCount };
      };
    }
    const orgs = client.organizations;
    if (orgs && byJS['organizations.getOrganization']) {
      orgs.getOrganization = function (params) {
        params = params || {};
        const { organizationId, slug, includeMembersCount, ...rest } = params;
        const id = organizationId || slug;
        requireId(id);
        const q = {};
        if (includeMembersCount !== undefined) q.includeMembersCount = includeMembersCount;
        return call(byJS['organizations.getOrganization'], [id, q]);
      };
    }
    const sessions = client.sessions;
    if (sessions && byJS['sessions.getToken']) {
      sessions.getToken = function (sessionId, template, expiresInSeconds) {
        requireId(sessionId);
        const body = {};
        if (expiresInSeconds !== undefined) body.expiresInSeconds = expiresInSeconds;
        if (template) return call(byJS['sessions.getToken(template)'] || 'sessions.createTokenFromTemplate', [sessionId, template, body]);
        return call(byJS['sessions.getToken'], [sessionId, body]);
      };
    }
  }

  // The resources and methods of @clerk/backend's client, derived from the
  // operation table's @clerk/backend names.
  function buildClient() {
    const client = {};
    const byJS = {};
    for (const op of ops) {
      if (!op.js) continue;
      byJS[op.js] = op.name;
      const m = /^(\w+)\.(\w+)$/.exec(op.js);
      if (!m) continue;
      const res = client[m[1]] || (client[m[1]] = {});
      if (res[m[2]]) continue;
      const name = op.name;
      res[m[2]] = function (...args) {
        return call(name, args);
      };
    }
    special(client, byJS);
    return client;
  }

  let shared;
  function createClerkClient(options) {
    const apiClient = native.client(options || {}) === 'shared' ? (shared = shared || buildClient()) : buildClient();
    const c = Object.assign({}, apiClient);
    c.verifyToken = (token, opts) => verifyToken(token, Object.assign({}, options || {}, opts || {}));
    c.authenticateRequest = (request, opts) => native.authenticateRequest(plainRequest(request), Object.assign({}, options || {}, opts || {}));
    return c;
  }

  // plainRequest turns a Fetch API Request (headers with forEach) into the
  // {method, url, headers} object the runtime's authenticateRequest reads.
  function plainRequest(req) {
    if (!req || typeof req !== 'object') return req;
    let headers = req.headers;
    if (headers && typeof headers.forEach === 'function' && !Array.isArray(headers)) {
      const h = {};
      headers.forEach((v, k) => {
        h[k] = v;
      });
      headers = h;
    }
    return { method: req.method, url: String(req.url), headers };
  }

  async function verifyToken(token, options) {
    try {
      return await native.verifyToken(token, options);
    } catch (e) {
      throw toTokenError(e);
    }
  }

  async function verifyWebhook(request, options) {
    const secret = (options && options.signingSecret) || undefined;
    const headers = {};
    const h = request && request.headers;
    if (h && typeof h.forEach === 'function' && typeof h.get === 'function') {
      h.forEach((v, k) => { headers[k] = v; });
    } else if (h && typeof h === 'object') {
      Object.assign(headers, h);
    }
    const body = request && typeof request.text === 'function' ? await request.text() : request && request.body;
    return native.verifyWebhook(body, headers, secret === undefined ? undefined : { secret });
  }

  return {
    '@clerk/backend': { createClerkClient, verifyToken, ClerkAPIResponseError, isClerkAPIResponseError, TokenVerificationError },
    '@clerk/backend/errors': { ClerkAPIResponseError, isClerkAPIResponseError, TokenVerificationError, TokenVerificationErrorReason },
    '@clerk/backend/webhooks': { verifyWebhook },
    buildClient,
  };
});
