// migrate_users.js: import users exported from another system, password
// digests included, keyed by their old id (Clerk's external_id).
//
//   clerkscript run --emulate scripts/examples/migrate_users.js testdata/examples/users.json
//
// Input: a JSON array (or NDJSON, one user per line) of
//   {id, email, first_name, last_name, password_digest, password_hasher,
//    created_at, metadata}
// password_hasher is any of Clerk's hashers (bcrypt, argon2id,
// scrypt_firebase, pbkdf2_sha256, ...). Users without a digest are created
// without a password. Re-runs skip what is done; a user whose create may
// have been applied is found by external_id instead of being created twice.
const [input] = args;
if (!input) {
  console.error("usage: migrate_users.js users.json|users.ndjson");
  exit(2);
}

const users = input.endsWith(".ndjson") ? fs.readNDJSON(input) : fs.readJSON(input);

/** @param {string | number} id */
async function byExternalId(id) {
  // The filter is exact; the check keeps it so if the API ever widens it.
  const found = await clerk.users.list({ externalId: [String(id)], limit: 10 });
  return found.find((u) => u.externalId === String(id)) || null;
}

const summary = await job.run(users, async (u) => {
  /** @type {Clerk.UsersCreateParams} */
  const params = {
    externalId: String(u.id),
    emailAddress: u.email ? [u.email] : undefined,
    firstName: u.first_name,
    lastName: u.last_name,
    publicMetadata: u.metadata || {},
    createdAt: u.created_at ? new Date(u.created_at) : undefined,
  };
  if (u.password_digest) {
    params.passwordDigest = u.password_digest;
    params.passwordHasher = u.password_hasher || "bcrypt";
  } else {
    params.skipPasswordRequirement = true;
  }
  try {
    return await clerk.users.create(params);
  } catch (e) {
    // Created by an earlier run without a journal: the external_id (or the
    // address) is taken. If the user with that external_id exists, it is ours.
    if (e instanceof ClerkAPIError && e.errors.some((x) => x.code === "form_identifier_exists")) {
      const existing = await byExternalId(u.id);
      if (existing) return existing;
    }
    throw e;
  }
}, {
  name: "migrate_users",
  key: (u) => String(u.id),
  journal: input + ".journal",
  reconcile: (u) => byExternalId(u.id),
});

console.log(`migrated ${summary.done} users (${summary.skipped} already done), ${summary.failed} failed`);
if (summary.failed > 0) exit(1);
