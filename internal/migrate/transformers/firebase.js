// Firebase: `firebase auth:export users.json` ({"users": [...]}) or
// `--format=csv` (no header line: input.csvHeaders names the columns).
// Passwords are Firebase scrypt: the digest Clerk needs is
// hash$salt$signerKey$saltSeparator$rounds$memCost, built here from the
// project's hash parameters (ctx.firebase, from the --firebase-* flags).

const isTrue = (v) => v === true || v === 'true';

export default {
	key: 'firebase',
	label: 'Firebase',
	description:
		'`firebase auth:export` (JSON or CSV). Needs the project\'s password hash parameters (--firebase-signer-key, --firebase-salt-separator, --firebase-rounds, --firebase-mem-cost).',
	input: {
		wrapperKey: 'users',
		csvHeaders: [
			'localId', 'email', 'emailVerified', 'passwordHash', 'passwordSalt', 'displayName', 'photoUrl',
			'googleId', 'googleEmail', 'googleDisplayName', 'googlePhotoUrl',
			'facebookId', 'facebookEmail', 'facebookDisplayName', 'facebookPhotoUrl',
			'twitterId', 'twitterEmail', 'twitterDisplayName', 'twitterPhotoUrl',
			'githubId', 'githubEmail', 'githubDisplayName', 'githubPhotoUrl',
			'createdAt', 'lastSignedInAt', 'phoneNumber', 'disabled', 'customAttributes', 'providerUserInfo',
		],
	},
	transformer: {
		localId: 'userId',
		email: 'email',
		emailVerified: 'emailVerified',
		passwordHash: 'passwordHash',
		passwordSalt: 'salt',
		phoneNumber: 'phone',
		displayName: 'name',
	},
	postTransform(user, ctx) {
		if (user.passwordHash && user.salt) {
			const h = ctx.firebase;
			if (!h) throw new Error('Firebase password hashes need the --firebase-* hash parameters');
			user.password = [user.passwordHash, user.salt, h.base64_signer_key, h.base64_salt_separator, h.rounds, h.mem_cost].join('$');
			delete user.passwordHash;
			delete user.salt;
		}
		if (user.email && !isTrue(user.emailVerified)) {
			user.unverifiedEmailAddresses = user.email;
			delete user.email;
		}
		delete user.emailVerified;
		// Firebase times are epoch milliseconds.
		if (user.createdAt) {
			const iso = migrate.isoDate(user.createdAt);
			if (iso) user.createdAt = iso;
		}
		if (typeof user.name === 'string') {
			const parts = user.name.trim().split(/\s+/);
			if (parts.length > 1) {
				user.firstName = parts[0];
				user.lastName = parts.slice(1).join(' ');
			}
			delete user.name;
		}
	},
	defaults: {
		passwordHasher: 'scrypt_firebase',
	},
};
