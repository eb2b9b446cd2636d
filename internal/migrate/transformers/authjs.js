// Auth.js (NextAuth): there is no export tool, so this assumes
// `SELECT id, name, email, email_verified, created_at FROM users` (JSON or
// CSV). email_verified is a timestamp in Auth.js: any value means verified.
// The name is split into first and last name when it has two words or more.

export default {
	key: 'authjs',
	label: 'Auth.js (NextAuth)',
	description:
		'Rows of `SELECT id, name, email, email_verified, created_at FROM users`. Edit the field map to match your own query.',
	transformer: {
		id: 'userId',
		email: 'email',
		email_verified: 'emailVerified',
		name: 'name',
		created_at: 'createdAt',
		updated_at: 'updatedAt',
	},
	postTransform(user) {
		if (user.email && !user.emailVerified) {
			user.unverifiedEmailAddresses = user.email;
			delete user.email;
		}
		delete user.emailVerified;
		if (typeof user.name === 'string') {
			const parts = user.name.trim().split(/\s+/);
			if (parts.length > 1) {
				user.firstName = parts[0];
				user.lastName = parts.slice(1).join(' ');
			}
			delete user.name;
		}
	},
};
