// Command gen generates core/operations_gen.go, core/models_gen.go,
// core/services_gen.go and core/schemas_gen.json from Clerk's Backend API
// OpenAPI spec (run it with `go generate ./core`). The spec directory is
// -spec, else $CLERK_SPEC_DIR (both used as given), else
// <module root>/../shared/spec, else the files of clerk/openapi-specs at
// the commit pinned in codegen/upstream.go, downloaded once into the user
// cache; the two defaults must match the SHA-256 recorded there, so every
// clone generates the same code. Without required-operations.tsv (it is
// not upstream) the names are read back from the committed
// core/operations_gen.go.
//
// Naming: an operation listed in required-operations.tsv keeps the name
// given there (Clerk's PHP SDK: users.list, invitations.bulkCreate). Any
// other operation is named resource.method, where resource is the lowerCamel
// form of its first tag ("API Keys" -> apiKeys) and method is its
// operationId, lowerCamel, without the resource noun (ListMachines ->
// machines.list, CreateMachineScope -> machines.createScope); Get plus the
// plural noun becomes list, CreateBulkX becomes bulkCreate, and a trailing
// preposition is dropped (AddRolesToRoleSet -> roleSets.addRoles). A few
// operations the rule would name badly are overridden by name. A name
// collision stops the generator. docs/NAMING.md has the full rule.
package main
