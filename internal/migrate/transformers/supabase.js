// Supabase: auth.users as exported per
// https://supabase.com/docs/guides/auth/managing-user-data#exporting-users
// (JSON or CSV). Passwords are bcrypt (encrypted_password). Confirmed
// addresses are verified; the others are added unverified.

// CSV exports carry JSON columns as strings.
const obj = (v) => {
	if (typeof v === 'string') {
		try {
			const o = JSON.parse(v);
			return o && typeof o === 'object' && !Array.isArray(o) ? o : undefined;
		} catch (e) {
			return undefined;
		}
	}
	return v && typeof v === 'object' ? v : undefined;
};

// Discord-style discriminators ("name#0") are not part of a name.
const clean = (s) => s.replace(/#\d+$/, '').trim() || undefined;

export default {
	key: 'supabase',
	label: 'Supabase',
	description:
		'Supabase auth.users exported as in the Supabase docs (JSON or CSV). Edit the field map if you exported with your own SQL.',
	transformer: {
		id: 'userId',
		email: 'email',
		email_confirmed_at: 'emailConfirmedAt',
		first_name: 'firstName',
		last_name: 'lastName',
		encrypted_password: 'password',
		phone: 'phone',
		phone_confirmed_at: 'phoneConfirmedAt',
		raw_user_meta_data: 'publicMetadata',
		created_at: 'createdAt',
	},
	postTransform(user) {
		if (user.createdAt) {
			const iso = migrate.isoDate(user.createdAt);
			if (iso) user.createdAt = iso;
		}
		if (user.email && !user.emailConfirmedAt) {
			user.unverifiedEmailAddresses = user.email;
			delete user.email;
		}
		if (user.phone && !user.phoneConfirmedAt) {
			user.unverifiedPhoneNumbers = user.phone;
			delete user.phone;
		}
		const meta = obj(user.publicMetadata);
		if (user.publicMetadata !== undefined) {
			if (meta) user.publicMetadata = meta;
		}
		if (!user.firstName && meta) {
			const display = meta.display_name ?? meta.first_name ?? meta.name;
			if (typeof display === 'string' && display.trim()) {
				const name = clean(display);
				if (name) {
					const parts = name.split(/\s+/);
					user.firstName = parts[0];
					if (parts.length > 1 && !user.lastName) user.lastName = parts.slice(1).join(' ');
				}
			}
		}
		if (typeof user.firstName === 'string') user.firstName = clean(user.firstName);
		if (typeof user.lastName === 'string') user.lastName = clean(user.lastName);
		if (user.firstName === undefined) delete user.firstName;
		if (user.lastName === undefined) delete user.lastName;
		delete user.emailConfirmedAt;
		delete user.phoneConfirmedAt;
	},
	defaults: {
		passwordHasher: 'bcrypt',
	},
};
