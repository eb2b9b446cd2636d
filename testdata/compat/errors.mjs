// Errors as @clerk/backend reports them: ClerkAPIResponseError with status,
// errors[{code, message, longMessage, meta}], clerkTraceId.
import { createClerkClient } from "@clerk/backend";
import { ClerkAPIResponseError, isClerkAPIResponseError } from "@clerk/backend/errors";

const clerk = createClerkClient({ secretKey: process.env.CLERK_SECRET_KEY, apiUrl: process.env.CLERK_API_URL });

async function attempt(label, fn) {
  try {
    await fn();
    console.log(label, "ok");
  } catch (e) {
    const first = e.errors?.[0];
    console.log(label, e.name, e instanceof ClerkAPIResponseError, isClerkAPIResponseError(e), e.status,
      first?.code, first?.meta?.paramName ?? "-", typeof first?.longMessage, typeof e.clerkTraceId, e.message);
  }
}

await attempt("missing user", () => clerk.users.getUser("user_doesnotexist"));
await clerk.users.createUser({ emailAddress: ["taken@example.com"] });
await attempt("duplicate email", () => clerk.users.createUser({ emailAddress: ["taken@example.com"] }));
await attempt("missing org", () => clerk.organizations.getOrganization({ organizationId: "org_doesnotexist" }));
await attempt("bad invitation", () => clerk.invitations.revokeInvitation("inv_doesnotexist"));
console.log("plain error is not an API error:", isClerkAPIResponseError(new Error("x")));
