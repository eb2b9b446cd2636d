// Invitations: create, list, revoke.
import { createClerkClient } from "@clerk/backend";

const clerk = createClerkClient({ secretKey: process.env.CLERK_SECRET_KEY, apiUrl: process.env.CLERK_API_URL });

const emails = ["one@example.com", "two@example.com", "three@example.com"];
const ids = [];
for (const emailAddress of emails) {
  const inv = await clerk.invitations.createInvitation({ emailAddress, publicMetadata: { source: "compat" }, ignoreExisting: true });
  ids.push(inv.id);
  console.log("invited", inv.emailAddress, inv.status, inv.publicMetadata.source, inv.revoked ?? false);
}
const revoked = await clerk.invitations.revokeInvitation(ids[1]);
console.log("revoked", revoked.emailAddress, revoked.status, revoked.revoked);

const all = await clerk.invitations.getInvitationList();
const rows = (Array.isArray(all) ? all : all.data).map((i) => `${i.emailAddress}:${i.status}`).sort();
console.log("list", rows.join(" "), "totalCount" in all ? all.totalCount : "-");

const pending = await clerk.invitations.getInvitationList({ status: "pending" });
console.log("pending", (Array.isArray(pending) ? pending : pending.data).length);
