// A TypeScript script: interfaces, an enum, type-only imports.
import { createClerkClient, type User } from "@clerk/backend";

enum Role {
  Admin = "admin",
  Editor = "editor",
  Viewer = "viewer",
}

interface Seed {
  email: string;
  first: string;
  role: Role;
}

const clerk = createClerkClient({ secretKey: process.env.CLERK_SECRET_KEY!, apiUrl: process.env.CLERK_API_URL });

const seeds: Seed[] = [
  { email: "admin@example.com", first: "Ann", role: Role.Admin },
  { email: "editor@example.com", first: "Ed", role: Role.Editor },
  { email: "viewer@example.com", first: "Vi", role: Role.Viewer },
];

function describe(u: User): string {
  const role = (u.publicMetadata as { role?: Role }).role ?? Role.Viewer;
  return `${u.firstName} <${u.primaryEmailAddress?.emailAddress}> is ${role}`;
}

const users: User[] = [];
for (const s of seeds) {
  users.push(await clerk.users.createUser({ emailAddress: [s.email], firstName: s.first, publicMetadata: { role: s.role } }));
}
for (const u of users) console.log(describe(u));
const admins = users.filter((u) => u.publicMetadata.role === Role.Admin).length;
console.log("admins", admins, "roles", Object.values(Role).join("/"));
