// Package jsbind runs clerkscript automation scripts: it drives a goja
// runtime with an event loop and registers the `clerk` object (every Backend
// API operation as a Promise-returning method), file and console helpers, and
// the `job` runner. The job engine itself (journal, pace, retries, summary)
// is internal/job, shared with Go callers; this package only binds it.
//
// Everything that touches the goja runtime happens on the loop's goroutine;
// HTTP and disk work run on other goroutines and hand their results back
// through the loop, because a goja runtime is not goroutine-safe.
package jsbind
