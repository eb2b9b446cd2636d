// export_users.js: write every user to NDJSON, one per line, a page at a
// time, so memory stays flat however large the instance is.
//
//   clerkscript run --emulate scripts/examples/export_users.js users.ndjson
const [out = "users.ndjson", pageSize = "500"] = args;

const w = fs.ndjsonWriter(out);
const count = await clerk.paginate(clerk.users.list, { limit: Number(pageSize), orderBy: "created_at" }, (user) => {
  w.write(user);
});
w.close();
console.log(`exported ${count} users to ${out}`);
