// revoke_stale_invitations.js: revoke pending invitations older than N days
// (default 30).
//
//   clerkscript run --emulate scripts/examples/revoke_stale_invitations.js 30 [--dry-run]
const days = Number(args[0] || 30);
const dryRun = args.includes("--dry-run");
if (!(days >= 0)) {
  console.error("usage: revoke_stale_invitations.js [days] [--dry-run]");
  exit(2);
}
const cutoff = Date.now() - days * 86400000;

// Collect first, then revoke: revoking while walking the pending list would
// shift its offsets and skip invitations.
/** @type {{ id: string, emailAddress: string }[]} */
const stale = [];
await clerk.paginate(clerk.invitations.list, { status: "pending" }, (inv) => {
  if (inv.createdAt < cutoff) stale.push({ id: inv.id, emailAddress: inv.emailAddress });
});
console.log(`${stale.length} pending invitation(s) older than ${days} days`);
if (dryRun) {
  for (const inv of stale) console.log(`would revoke ${inv.id} ${inv.emailAddress}`);
  exit(0);
}

const summary = await job.run(stale, async (inv) => {
  try {
    return await clerk.invitations.revoke(inv.id);
  } catch (e) {
    // Revoked already (by a retry or a person): that is what we wanted.
    if (e instanceof ClerkAPIError && e.errors.some((x) => x.code === "invitation_already_revoked")) return inv;
    throw e;
  }
}, { name: "revoke_stale_invitations", key: "id", journal: false });
console.log(`revoked ${summary.done}, ${summary.failed} failed`);
if (summary.failed > 0) exit(1);
