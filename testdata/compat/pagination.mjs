// Walking every user a page at a time with an async generator.
import { createClerkClient } from "@clerk/backend";

const clerk = createClerkClient({ secretKey: process.env.CLERK_SECRET_KEY, apiUrl: process.env.CLERK_API_URL });

for (let i = 0; i < 7; i++) {
  await clerk.users.createUser({ emailAddress: [`user${i}@example.com`], firstName: `User${i}` });
}

async function* allUsers(pageSize) {
  for (let offset = 0; ; offset += pageSize) {
    const { data, totalCount } = await clerk.users.getUserList({ limit: pageSize, offset, orderBy: "+created_at" });
    console.log(`page offset=${offset} size=${data.length} total=${totalCount}`);
    yield* data;
    if (offset + data.length >= totalCount || data.length === 0) return;
  }
}

const names = [];
for await (const user of allUsers(3)) {
  names.push(user.firstName);
}
console.log(names.join(","));

// Stopping early ends the generator.
let n = 0;
for await (const user of allUsers(2)) {
  if (++n === 3) break;
}
console.log("stopped after", n);
