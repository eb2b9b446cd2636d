// Organizations and memberships with @clerk/backend's argument shapes.
import { createClerkClient } from "@clerk/backend";

const clerk = createClerkClient({ secretKey: process.env.CLERK_SECRET_KEY, apiUrl: process.env.CLERK_API_URL });

const owner = await clerk.users.createUser({ emailAddress: ["owner@example.com"], firstName: "Olive" });
const member = await clerk.users.createUser({ emailAddress: ["member@example.com"], firstName: "Max" });
const org = await clerk.organizations.createOrganization({ name: "Acme Inc", slug: "acme", createdBy: owner.id, publicMetadata: { plan: "pro" } });
console.log("org", org.name, org.slug, org.publicMetadata.plan, org.id.startsWith("org_"));

const m = await clerk.organizations.createOrganizationMembership({ organizationId: org.id, userId: member.id, role: "org:member" });
console.log("membership", m.role, m.organization.slug, m.publicUserData.firstName, m.publicUserData.userId === member.id);

const list = await clerk.organizations.getOrganizationMembershipList({ organizationId: org.id });
console.log("members", list.totalCount, list.data.map((x) => x.role).sort().join(","));

const up = await clerk.organizations.updateOrganizationMembership({ organizationId: org.id, userId: member.id, role: "org:admin" });
console.log("updated", up.role);

const got = await clerk.organizations.getOrganization({ slug: "acme" });
console.log("by slug", got.id === org.id, got.name);

const renamed = await clerk.organizations.updateOrganization(org.id, { name: "Acme Corp" });
console.log("renamed", renamed.name);

const del = await clerk.organizations.deleteOrganizationMembership({ organizationId: org.id, userId: member.id });
console.log("removed", del.role, del.publicUserData.userId === member.id);

const orgs = await clerk.organizations.getOrganizationList();
console.log("orgs", orgs.totalCount, orgs.data.map((o) => o.name).join(","));

const gone = await clerk.organizations.deleteOrganization(org.id);
console.log("deleted", gone.object, gone.deleted);
