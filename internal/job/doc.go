// Package job is clerkscript's bulk job engine: it runs many items (one
// invitation, one user update each) with bounded concurrency, a pace, a
// durable journal and retries, and never sends an item twice by accident.
//
// Each item has a key. Before anything is sent for it, the journal says
// what an earlier run did ([Job.Admit]): done items are skipped, items left
// in doubt (the request may have been applied: a 500, a timeout after
// sending, a process killed mid-request) are looked up with the job's
// reconcile function, or without one reported in doubt and not sent (unless
// Options.ResendInDoubt). A "start" record is durable before the item's
// requests leave the machine, and a "send" record before its first
// non-idempotent request does ([Tracker]), so items whose requests were all
// idempotent are simply retried.
//
// Go callers use [Run] with a [Spec]; the JS runtime (package jsbind) drives
// a [Job] from its event loop with the same methods, so both share one
// policy, one journal format and one summary.
package job
