// Clerk: the Dashboard's user export (CSV, or the same fields as JSON), to
// move users between instances (development → production). Lists may be
// arrays (JSON) or "a|b" / "a,b" strings (CSV).

const list = (v) => {
	if (Array.isArray(v)) return v.slice();
	if (typeof v === 'string' && v) {
		return v.split(/[,|]/).map((s) => s.trim()).filter(Boolean);
	}
	return [];
};

// primary first, then the verified ones, then the unverified ones; no repeats
const merge = (primary, verified, unverified) => {
	const all = [];
	for (const v of [...list(primary), ...list(verified), ...list(unverified)]) {
		if (!all.includes(v)) all.push(v);
	}
	return all;
};

export default {
	key: 'clerk',
	label: 'Clerk',
	description:
		"A Clerk Dashboard user export, to move users to another instance (for example development → production).",
	transformer: {
		id: 'userId',
		primary_email_address: 'email',
		verified_email_addresses: 'emailAddresses',
		unverified_email_addresses: 'unverifiedEmailAddresses',
		first_name: 'firstName',
		last_name: 'lastName',
		password_digest: 'password',
		password_hasher: 'passwordHasher',
		primary_phone_number: 'phone',
		verified_phone_numbers: 'phoneNumbers',
		unverified_phone_numbers: 'unverifiedPhoneNumbers',
		username: 'username',
		totp_secret: 'totpSecret',
		backup_codes_enabled: 'backupCodesEnabled',
		backup_codes: 'backupCodes',
		public_metadata: 'publicMetadata',
		unsafe_metadata: 'unsafeMetadata',
		private_metadata: 'privateMetadata',
	},
	// As the official tool does for Clerk exports, every address goes into
	// one list, primary first; an address the export calls unverified is
	// then imported as verified.
	postTransform(user) {
		const emails = merge(user.email, user.emailAddresses, user.unverifiedEmailAddresses);
		if (emails.length > 0) user.email = emails;
		delete user.emailAddresses;
		delete user.unverifiedEmailAddresses;
		const phones = merge(user.phone, user.phoneNumbers, user.unverifiedPhoneNumbers);
		if (phones.length > 0) user.phone = phones;
		delete user.phoneNumbers;
		delete user.unverifiedPhoneNumbers;
	},
};
