// A script split over local modules.
import { clerk } from "./client.mjs";
import { ensureUser, summarize } from "./users.mjs";
import defaults from "./defaults.json" with { type: "json" };

const a = await ensureUser("split-a@example.com", defaults.firstName);
const again = await ensureUser("split-a@example.com", defaults.firstName);
const b = await ensureUser("split-b@example.com", "Bea");
console.log("same user", a.id === again.id);
console.log(summarize([a, b]));
const { totalCount } = await clerk.users.getUserList();
console.log("total", totalCount);
