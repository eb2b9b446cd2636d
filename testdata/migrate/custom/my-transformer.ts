// A transformer for a source clerkscript does not know ("Acme"), written in
// TypeScript: the module exports the same shape as the built-in ones.
type AcmeUser = Record<string, unknown>;

const acme = {
	key: 'acme',
	label: 'Acme',
	description: 'Acme Corp user dump',
	transformer: {
		uid: 'userId',
		'contact.email': 'email',
		'contact.verified': 'emailVerified',
		'profile.first': 'firstName',
		'profile.last': 'lastName',
		pw: 'password',
		signup_ms: 'createdAt',
		extra: 'privateMetadata',
	},
	// Drop test accounts before mapping.
	preTransform(record: AcmeUser): AcmeUser | null {
		return record.test === true ? null : record;
	},
	postTransform(user: AcmeUser): void {
		if (user.email && user.emailVerified !== true) {
			user.unverifiedEmailAddresses = user.email;
			delete user.email;
		}
		delete user.emailVerified;
		user.createdAt = migrate.isoDate(user.createdAt as number);
		user.publicMetadata = { migratedFrom: 'acme' };
	},
	defaults: {
		passwordHasher: 'bcrypt',
	},
};

declare const migrate: { isoDate(v: unknown): string | undefined };

export default acme;
