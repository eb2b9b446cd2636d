import { createClerkClient } from "@clerk/backend";
import { isClerkAPIResponseError } from "@clerk/backend/errors";

const clerk = createClerkClient({ secretKey: process.env.CLERK_SECRET_KEY, apiUrl: process.env.CLERK_API_URL });

const created = [];
for (const [first, last] of [["Ada", "Lovelace"], ["Alan", "Turing"], ["Grace", "Hopper"]]) {
  const u = await clerk.users.createUser({
    firstName: first,
    lastName: last,
    emailAddress: [`${first.toLowerCase()}@example.com`],
    publicMetadata: { team: "math" },
  });
  created.push(u.id);
  console.log("created", u.fullName, u.primaryEmailAddress?.emailAddress, u.publicMetadata.team, typeof u.createdAt);
}
const { data, totalCount } = await clerk.users.getUserList({ orderBy: "+created_at", limit: 2 });
console.log("page", data.length, "of", totalCount, data.map((u) => u.firstName).join(","));
const updated = await clerk.users.updateUser(created[0], { lastName: "King" });
console.log("updated", updated.fullName);
const got = await clerk.users.getUser(created[1]);
console.log("got", got.firstName, got.emailAddresses.length, got.lastName);
const del = await clerk.users.deleteUser(created[2]);
console.log("deleted", del.object, del.deleted, del.id === created[2]);
try {
  await clerk.users.getUser(created[2]);
} catch (e) {
  console.log("error", isClerkAPIResponseError(e), e.status, e.errors[0].code, typeof e.clerkTraceId);
}
console.log("count", await clerk.users.getCount());
