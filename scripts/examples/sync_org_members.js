// sync_org_members.js: make an organization's memberships match a CSV file.
//
//   clerkscript run scripts/examples/sync_org_members.js org_slug_or_id members.csv [--dry-run]
//
// CSV columns: email, role (org:admin, org:member, ...). Users in the file
// who are not members are added, members whose role differs are updated, and
// members who are not in the file are removed. Every user must already
// exist (invite the others with bulk_invite.js first).
const [orgRef, csvPath] = args;
const dryRun = args.includes("--dry-run");
if (!orgRef || !csvPath) {
  console.error("usage: sync_org_members.js org_slug_or_id members.csv [--dry-run]");
  exit(2);
}

const org = await clerk.organizations.get(orgRef);

// Wanted state, from the file.
const wanted = new Map();
for (const row of fs.readCSV(csvPath)) {
  const email = String(row.email || "").trim().toLowerCase();
  if (!email) continue;
  wanted.set(email, row.role || "org:member");
}

// Current state, from Clerk.
const current = new Map(); // userId -> {role, email}
await clerk.paginate(clerk.organizationMemberships.list, { organizationId: org.id }, (m) => {
  const ident = m.publicUserData && m.publicUserData.identifier;
  current.set(m.publicUserData.userId, { role: m.role, email: String(ident || "").toLowerCase() });
});

// Resolve the file's addresses to users, 100 per request.
const emails = [...wanted.keys()];
const userByEmail = new Map();
for (let i = 0; i < emails.length; i += 100) {
  const chunk = emails.slice(i, i + 100);
  const users = await clerk.users.list({ emailAddress: chunk, limit: 100 });
  for (const u of users) {
    for (const e of u.emailAddresses) userByEmail.set(e.emailAddress.toLowerCase(), u);
  }
}

const changes = [];
for (const [email, role] of wanted) {
  const user = userByEmail.get(email);
  if (!user) {
    console.warn(`no user with ${email}: skipped (invite them first)`);
    continue;
  }
  const now = current.get(user.id);
  if (!now) changes.push({ op: "add", userId: user.id, email, role });
  else if (now.role !== role) changes.push({ op: "update", userId: user.id, email, role });
}
const wantedIds = new Set([...wanted.keys()].map((e) => userByEmail.get(e)).filter(Boolean).map((u) => u.id));
for (const [userId, m] of current) {
  if (!wantedIds.has(userId)) changes.push({ op: "remove", userId, email: m.email, role: m.role });
}

for (const c of changes) console.log(`${dryRun ? "would " : ""}${c.op} ${c.email} ${c.role}`);
if (dryRun || changes.length === 0) exit(0);

const summary = await job.run(changes, async (c) => {
  switch (c.op) {
    case "add":
      return clerk.organizationMemberships.create(org.id, { userId: c.userId, role: c.role });
    case "update":
      return clerk.organizationMemberships.update(org.id, c.userId, { role: c.role });
    case "remove":
      return clerk.organizationMemberships.delete(org.id, c.userId);
  }
}, { name: "sync_org_members", key: (c) => `${c.op}:${c.userId}`, journal: false, concurrency: 4 });
console.log(`applied ${summary.done} change(s), ${summary.failed} failed`);
if (summary.failed > 0) exit(1);
