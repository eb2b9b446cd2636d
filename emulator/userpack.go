package emulator

import "unsafe"

// packUser moves the strings of a new user and its identifications into one
// pointer-free block, and its optional string fields into one small slice, before
// they are indexed. A user made from a request otherwise holds a dozen
// small objects (each decoded string, each *string), which cost memory in
// rounding and, above all, collector work: every one is marked on every
// cycle, and a million users are ten million objects. The block is never
// written after it is filled (unsafe.String's requirement); a handler that
// changes a field points it elsewhere, and the block lives while any part
// of it is used.
func packUser(u *userRec, ids []*identRec) {
	n := len(u.ID) + len(u.PasswordDigest) + len(u.PublicMetadata) + len(u.PrivateMetadata) + len(u.UnsafeMetadata)
	for _, p := range [...]*string{u.ExternalID, u.FirstName, u.LastName, u.Username, u.Locale} {
		if p != nil {
			n += len(*p)
		}
	}
	for _, r := range ids {
		n += len(r.ID) + len(r.Value)
	}
	buf := make([]byte, 0, n)
	put := func(s string) string {
		if s == "" {
			return ""
		}
		off := len(buf)
		buf = append(buf, s...)
		return unsafe.String(&buf[off], len(s))
	}
	// The optional string fields' values, pointed to by u, in one slice.
	k := 0
	ptrs := [...]**string{&u.ExternalID, &u.FirstName, &u.LastName, &u.Username, &u.Locale}
	for _, p := range ptrs {
		if *p != nil {
			k++
		}
	}
	slots := make([]string, k)
	k = 0
	for _, p := range ptrs {
		if *p != nil {
			slots[k] = put(**p)
			*p = &slots[k]
			k++
		}
	}
	u.ID = put(u.ID)
	u.PasswordDigest = put(u.PasswordDigest)
	u.PublicMetadata = metadataObject(put(string(u.PublicMetadata)))
	u.PrivateMetadata = metadataObject(put(string(u.PrivateMetadata)))
	u.UnsafeMetadata = metadataObject(put(string(u.UnsafeMetadata)))
	for _, r := range ids {
		old := r.ID
		r.ID, r.UserID, r.Value = put(r.ID), u.ID, put(r.Value)
		for _, l := range [2][]string{u.EmailIDs, u.PhoneIDs} {
			for i := range l {
				if l[i] == old {
					l[i] = r.ID
				}
			}
		}
	}
}
