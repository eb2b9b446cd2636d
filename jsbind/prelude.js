// The JS half of the clerkscript runtime: the error class scripts test with
// instanceof, the job driver and the pagination helpers. The Go half passes
// in `native`.
(function (g, native) {
  'use strict';

  // goja has no Symbol.asyncIterator; esbuild's for-await lowering falls
  // back to Symbol.for('Symbol.asyncIterator'), so that is the one to use.
  if (typeof Symbol.asyncIterator !== 'symbol') {
    Object.defineProperty(Symbol, 'asyncIterator', { value: Symbol.for('Symbol.asyncIterator') });
  }

  class ClerkAPIError extends Error {
    constructor(message, init) {
      super(message);
      init = init || {};
      Object.defineProperty(this, 'name', { value: 'ClerkAPIError', enumerable: false, configurable: true, writable: true });
      this.status = init.status;
      this.errors = init.errors || [];
      this.clerkTraceId = init.clerkTraceId;
      this.retryAfter = init.retryAfter;
      this.operation = init.operation;
      if (init.statusText !== undefined) Object.defineProperty(this, 'statusText', { value: init.statusText, enumerable: false, writable: true, configurable: true });
    }
  }
  g.ClerkAPIError = ClerkAPIError;

  // A source of items: an array or any sync iterable (fs.readCSV), or an
  // object with an async next() (clerk.paginate). Returns an async pull
  // function; concurrent pulls are serialised by the iterators themselves.
  function puller(items) {
    if (items == null) throw new TypeError('job.run: items must be an array, an iterable or an iterator');
    if (typeof items[Symbol.iterator] === 'function') {
      const it = items[Symbol.iterator]();
      return () => Promise.resolve(it.next());
    }
    if (typeof items.next === 'function') {
      return () => Promise.resolve(items.next());
    }
    throw new TypeError('job.run: items must be an array, an iterable or an iterator');
  }

  function keyFunction(key) {
    if (key === undefined) return (item, i) => String(i);
    if (typeof key === 'function') return key;
    if (typeof key === 'string') return (item) => (item == null ? undefined : item[key]);
    throw new TypeError('job.run: opts.key must be a property name or a function');
  }

  // prop reads a property of a thrown value, which can be anything (a
  // Proxy, a getter that throws): an exception here would abort the job.
  function prop(e, name) {
    try {
      return e == null ? undefined : e[name];
    } catch (_) {
      return undefined;
    }
  }

  // Errors from a definite 4xx (other than 429) will fail the same way
  // again: retrying them only burns rate limit.
  function retryable(e) {
    let api = false;
    try {
      api = e instanceof ClerkAPIError;
    } catch (_) {}
    if (api) return prop(e, 'status') === 429 || prop(e, 'status') >= 500;
    return prop(e, 'mayHaveBeenApplied') !== undefined;
  }

  async function run(items, fn, opts) {
    if (typeof fn !== 'function') throw new TypeError('job.run(items, fn, opts): fn must be an async function');
    opts = opts || {};
    if (opts.reconcile !== undefined && typeof opts.reconcile !== 'function') {
      throw new TypeError('job.run: opts.reconcile must be a function');
    }
    const keyOf = keyFunction(opts.key);
    const total = Array.isArray(items) ? items.length : -1;
    const next = puller(items);
    const j = native.openJob(opts, total);
    const reconcile = opts.reconcile;
    let index = 0;
    let fatal = null;

    async function attempt(item, key) {
      for (let tries = 0; ; tries++) {
        try {
          // j.call runs fn with the item as the async context, so the
          // engine sees which requests the item made.
          const res = await j.call(key, fn, item);
          j.done(key, res, 'run');
          return;
        } catch (e) {
          // In doubt: a request of the item that is not idempotent may
          // have been applied (the engine tracked them; the error's
          // mayHaveBeenApplied decides when it made none).
          if (j.inDoubt(key, !!prop(e, 'mayHaveBeenApplied'))) {
            if (!reconcile) {
              // Sending again could apply it twice: leave it in doubt.
              j.fail(key, e, item, true);
              return;
            }
            let found;
            try {
              found = await j.call(key, reconcile, item);
            } catch (re) {
              j.fail(key, e, item, true);
              return;
            }
            if (found != null) {
              j.done(key, found, 'reconcile');
              return;
            }
            j.notFound(key);
          }
          if (tries < j.retries && retryable(e) && !j.stopping()) {
            j.retrying(key, e);
            await native.sleep(j.backoff(tries));
            continue;
          }
          j.fail(key, e, item, false);
          return;
        }
      }
    }

    async function worker() {
      while (!fatal && !j.stopping()) {
        let n;
        try {
          n = await next();
        } catch (e) {
          fatal = fatal || e;
          return;
        }
        if (!n || n.done) return;
        const item = n.value;
        const i = index++;
        let key;
        try {
          key = keyOf(item, i);
        } catch (e) {
          j.fail('#' + i, e, item, false);
          continue;
        }
        if (key === undefined || key === null || key === '') {
          j.fail('#' + i, new TypeError('job.run: item ' + i + ' has an empty key'), item, false);
          continue;
        }
        try {
          const raw = key;
          key = String(key);
          // An object key reads "[object Object]" for every item: all but
          // the first would be skipped as done. A function or a symbol is
          // as surely a mistake.
          if (typeof raw === 'function' || typeof raw === 'symbol' || (typeof raw === 'object' && key.startsWith('[object '))) {
            throw new TypeError('job.run: item ' + i + ' has a key that is ' + (typeof raw === 'object' ? 'an object (' + key + ')' : 'a ' + typeof raw) + ', not a string or a number (return e.g. row.email)');
          }
        } catch (e) {
          j.fail('#' + i, e, item, false);
          continue;
        }
        // The engine decides from the journal: skip what is done or
        // running, look up what an earlier run left in doubt.
        const admission = j.admit(key, !!reconcile);
        if (admission === 'skip') {
          j.skip(key);
          continue;
        }
        if (admission === 'hold') {
          // In doubt from an earlier run, no reconcile, no opt-in to
          // re-send: reported in doubt, nothing sent.
          j.hold(key, item);
          continue;
        }
        if (admission === 'reconcile') {
          let found;
          try {
            found = await reconcile(item);
          } catch (e) {
            j.fail(key, e, item, true);
            continue;
          }
          if (found != null) {
            j.done(key, found, 'reconcile');
            continue;
          }
        }
        if (!(await j.pace(key))) return; // stopped while waiting for the pace
        await j.start(key);
        await attempt(item, key);
      }
    }

    const workers = [];
    for (let w = 0; w < j.concurrency; w++) workers.push(worker());
    try {
      await Promise.all(workers);
    } finally {
      // finish flushes the journal and prints the summary even when the
      // item source failed.
      var summary = j.finish(fatal);
    }
    if (fatal) throw fatal;
    // A 401/403 stopped the job: every other item would have failed too.
    const stopError = j.stopError();
    if (stopError) throw new Error(stopError);
    return summary;
  }

  g.job = { run: run };

  // Pagination: an async iterator (for await (const u of clerk.paginate(...))),
  // plus forEach.
  function paginate(op, params, cb) {
    const it = native.paginate(op, params);
    it.forEach = async function (fn) {
      let n = 0;
      for (let r = await it.next(); !r.done; r = await it.next()) {
        n++;
        if ((await fn(r.value)) === false) {
          it.return();
          break;
        }
      }
      return n;
    };
    it[Symbol.asyncIterator] = function () {
      return it;
    };
    if (typeof cb === 'function') return it.forEach(cb);
    return it;
  }
  native.clerk.paginate = paginate;
})
