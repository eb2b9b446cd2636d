// bulk_invite.js: invite every address of a CSV file to the instance.
//
//   clerkscript run --emulate scripts/examples/bulk_invite.js testdata/examples/invites.csv
//
// CSV columns: email (required), team (optional, stored in publicMetadata).
// Clerk allows 100 POST /invitations per hour per instance, so the job is
// paced at that rate (INVITE_RATE overrides it) and journaled: stop it at
// any time (Ctrl-C) and run it again to continue. An invitation whose
// request may have been applied (the process died, or Clerk answered 500)
// is looked up before anything is sent again, so no address is invited
// twice.
const [csvPath] = args;
if (!csvPath) {
  console.error("usage: bulk_invite.js invites.csv");
  exit(2);
}

/** @param {unknown} email */
const normalise = (email) => String(email || "").trim().toLowerCase();

/** @param {string} email */
async function findPending(email) {
  // query matches substrings ("n01@example.com" is in "person01@example.com"):
  // keep only the exact, pending match, looking at every page.
  let found = null;
  await clerk.paginate(clerk.invitations.list, { query: email, status: "pending" }, (inv) => {
    if (normalise(inv.emailAddress) !== email) return true;
    found = inv;
    return false;
  });
  return found;
}

const summary = await job.run(fs.readCSV(csvPath), async (row) => {
  const email = normalise(row.email);
  try {
    return await clerk.invitations.create({
      emailAddress: email,
      publicMetadata: row.team ? { team: row.team } : {},
      notify: env.INVITE_NOTIFY !== "false",
      // Never ignoreExisting: a replay must fail rather than send a second email.
      ignoreExisting: false,
    });
  } catch (e) {
    // Invited by an earlier run that had no journal: count it as done.
    if (e instanceof ClerkAPIError && e.errors.some((x) => x.code === "duplicate_record")) {
      const existing = await findPending(email);
      if (existing) return existing;
    }
    throw e;
  }
}, {
  name: "bulk_invite",
  key: (row) => normalise(row.email),
  journal: csvPath + ".journal",
  rate: env.INVITE_RATE || "100/1h",
  concurrency: 4,
  reconcile: (row) => findPending(normalise(row.email)),
});

console.log(`invited ${summary.done} (${summary.skipped} already done), ${summary.failed} failed`);
if (summary.failed > 0) exit(1);
