// Package journal is the durable record a bulk job keeps of its items, so
// that a re-run skips what finished, retries what failed and treats what
// may have been applied (in doubt) with care instead of sending it again.
//
// A journal is a JSON Lines file, one [Record] per line, appended with one
// write per record and locked against a second process. A "start" record is
// durable (fsync, shared between concurrent starts) before an item's
// request may leave the machine; [Open] and [Parse] read a file back into
// the latest [Entry] of each item, tolerating only a torn last line.
//
// The package has no JavaScript dependency: the job engine in
// internal/job uses it for Go callers and for the JS runtime alike.
package journal
