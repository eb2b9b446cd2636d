import { clerk } from "./client.mjs";

export async function ensureUser(email, firstName) {
  const { data } = await clerk.users.getUserList({ emailAddress: [email] });
  if (data.length > 0) return data[0];
  return clerk.users.createUser({ emailAddress: [email], firstName });
}

export const summarize = (users) => users.map((u) => `${u.firstName ?? "?"}:${u.emailAddresses[0].emailAddress}`).join(" ");
