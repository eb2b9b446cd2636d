// tag_inactive_users.mjs: a plain @clerk/backend script, as it would run
// under Node, made durable by one change: its loop is wrapped in job.run.
// Interrupted or crashed, it resumes where it stopped (the journal), every
// call shares the rate limiter, and the summary lists what failed.
//
//   clerkscript run --emulate scripts/examples/tag_inactive_users.mjs 90
//
// Under Node the loop would be:
//   for (const user of users) await tag(user);
import { createClerkClient } from "@clerk/backend";
import { job } from "clerkscript";

const clerk = createClerkClient({ secretKey: process.env.CLERK_SECRET_KEY });
const days = Number(process.argv[2] ?? 90);
const cutoff = Date.now() - days * 24 * 60 * 60 * 1000;

async function* allUsers() {
  for (let offset = 0; ; offset += 100) {
    const { data } = await clerk.users.getUserList({ limit: 100, offset });
    yield* data;
    if (data.length < 100) return;
  }
}

const users = [];
for await (const user of allUsers()) {
  if ((user.lastActiveAt ?? user.createdAt) < cutoff) users.push(user);
}

/** @param {import("@clerk/backend").User} user */
async function tag(user) {
  await clerk.users.updateUserMetadata(user.id, { privateMetadata: { inactiveSince: cutoff } });
}

await job.run(users, tag, { key: "id", journal: "tag_inactive_users.journal" });
console.log(`tagged ${users.length} users inactive for ${days} days (of ${(await clerk.users.getCount())} users)`);
