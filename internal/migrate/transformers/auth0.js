// Auth0: the Management API's user export (Jobs → users-exports, NDJSON or
// JSON) or a CSV with the same columns. Password hashes come only from an
// Auth0 support request; Auth0 hashes with bcrypt.
//
// This file is a complete transformer module: copy it, change the field map,
// and pass your copy with `clerkscript migrate -t ./my-transformer.js`.

// CSV has no booleans: accept "true" as well as true.
const isTrue = (v) => v === true || v === 'true';

export default {
	key: 'auth0',
	label: 'Auth0',
	description:
		"Auth0's Export Users job (NDJSON/JSON) or a CSV with the same columns. Password hashes need a support request to Auth0.",
	// source field → Clerk field
	transformer: {
		user_id: 'userId',
		email: 'email',
		email_verified: 'emailVerified',
		username: 'username',
		given_name: 'firstName',
		family_name: 'lastName',
		phone_number: 'phone',
		phone_verified: 'phoneVerified',
		passwordHash: 'password',
		user_metadata: 'publicMetadata',
		app_metadata: 'privateMetadata',
		created_at: 'createdAt',
	},
	// Runs on each mapped user: route identifiers by verification status.
	postTransform(user) {
		if (user.email) {
			if (!isTrue(user.emailVerified)) {
				user.unverifiedEmailAddresses = user.email;
				delete user.email;
			}
		}
		if (user.phone) {
			if (!isTrue(user.phoneVerified)) {
				user.unverifiedPhoneNumbers = user.phone;
				delete user.phone;
			}
		}
		delete user.emailVerified;
		delete user.phoneVerified;
	},
	defaults: {
		passwordHasher: 'bcrypt',
	},
};
