// Sessions and verifyToken: a session's token verifies, a tampered one
// does not.
import { createClerkClient, verifyToken } from "@clerk/backend";
import { TokenVerificationError } from "@clerk/backend/errors";

const opts = { secretKey: process.env.CLERK_SECRET_KEY, apiUrl: process.env.CLERK_API_URL };
const clerk = createClerkClient(opts);

const user = await clerk.users.createUser({ emailAddress: ["sess@example.com"] });
const session = await clerk.sessions.createSession({ userId: user.id });
console.log("session", session.status, session.userId === user.id);

const list = await clerk.sessions.getSessionList({ userId: user.id });
const sessions = Array.isArray(list) ? list : list.data;
console.log("sessions", sessions.length, "totalCount" in list ? list.totalCount : "-");

const { jwt } = await clerk.sessions.getToken(session.id);
const claims = await verifyToken(jwt, opts);
console.log("verified", claims.sub === user.id, claims.sid === session.id, typeof claims.exp);

try {
  await verifyToken(jwt.slice(0, -4) + "AAAA", opts);
  console.log("tampered token accepted");
} catch (e) {
  console.log("tampered", e instanceof TokenVerificationError, e.reason);
}

const revoked = await clerk.sessions.revokeSession(session.id);
console.log("revoked", revoked.status);
