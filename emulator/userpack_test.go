package emulator

import (
	"testing"
	"unsafe"
)

func TestPackUserKeepsValues(t *testing.T) {
	em := &identRec{ID: "idn_e", UserID: "user_1", Kind: "email_address", Value: "a@example.com"}
	ph := &identRec{ID: "idn_p", UserID: "user_1", Kind: "phone_number", Value: "+15555550100"}
	u := &userRec{ID: "user_1", ExternalID: ptr("ext"), FirstName: ptr("Ada"), Username: ptr("ada_l"),
		PasswordDigest: "sha256:x", PublicMetadata: `{"a":1}`, UnsafeMetadata: `{"b":2}`,
		EmailIDs: []string{em.ID}, PhoneIDs: []string{ph.ID}}
	u.PrimaryEmailID, u.PrimaryPhoneID = &em.ID, &ph.ID
	packUser(u, []*identRec{em, ph})
	checks := []struct{ got, want string }{
		{u.ID, "user_1"}, {*u.ExternalID, "ext"}, {*u.FirstName, "Ada"}, {*u.Username, "ada_l"},
		{u.PasswordDigest, "sha256:x"}, {string(u.PublicMetadata), `{"a":1}`}, {string(u.UnsafeMetadata), `{"b":2}`},
		{string(u.PrivateMetadata), ""}, {em.ID, "idn_e"}, {em.Value, "a@example.com"}, {em.UserID, "user_1"},
		{ph.Value, "+15555550100"}, {u.EmailIDs[0], "idn_e"}, {u.PhoneIDs[0], "idn_p"},
		{*u.PrimaryEmailID, "idn_e"}, {*u.PrimaryPhoneID, "idn_p"},
	}
	for i, c := range checks {
		if c.got != c.want {
			t.Errorf("check %d: got %q, want %q", i, c.got, c.want)
		}
	}
	if u.LastName != nil || u.Locale != nil {
		t.Error("a nil field became set")
	}
	// One block: the ids of the user and of its identifications are
	// neighbours, and the lists share the identifications' bytes.
	if unsafe.StringData(u.EmailIDs[0]) != unsafe.StringData(em.ID) || unsafe.StringData(em.UserID) != unsafe.StringData(u.ID) {
		t.Error("lists or owner ids do not share the packed bytes")
	}
}
