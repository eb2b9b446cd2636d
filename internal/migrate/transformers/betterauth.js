// Better Auth: the user table joined with the credential account (bcrypt
// password hash), with the username, phone-number and admin plugin columns
// when they exist.

const isTrue = (v) => v === true || v === 'true' || v === 1 || v === '1';

export default {
	key: 'betterauth',
	label: 'Better Auth',
	description:
		'Better Auth users joined with their credential account. Supports bcrypt passwords and the username, phone-number and admin plugins.',
	transformer: {
		user_id: 'userId',
		email: 'email',
		email_verified: 'emailVerified',
		name: 'name',
		password_hash: 'password',
		username: 'username',
		phone_number: 'phone',
		phone_number_verified: 'phoneVerified',
		created_at: 'createdAt',
		updated_at: 'updatedAt',
	},
	postTransform(user) {
		if (user.email && !isTrue(user.emailVerified)) {
			user.unverifiedEmailAddresses = user.email;
			delete user.email;
		}
		if (user.phone && !isTrue(user.phoneVerified)) {
			user.unverifiedPhoneNumbers = user.phone;
			delete user.phone;
		}
		delete user.emailVerified;
		delete user.phoneVerified;
		if (typeof user.name === 'string') {
			const parts = user.name.trim().split(/\s+/);
			if (parts.length > 1) {
				user.firstName = parts[0];
				user.lastName = parts.slice(1).join(' ');
			}
			delete user.name;
		}
		// The admin plugin's ban flag; its other columns are not Clerk fields.
		if (isTrue(user.banned)) {
			user.banned = true;
		} else {
			delete user.banned;
		}
		delete user.display_username;
		delete user.role;
		delete user.ban_reason;
		delete user.ban_expires;
		delete user.two_factor_enabled;
	},
	defaults: {
		passwordHasher: 'bcrypt',
	},
};
