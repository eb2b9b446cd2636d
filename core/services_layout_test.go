package core

import (
	"reflect"
	"testing"
	"unsafe"
)

// TestClientServicesLayout checks what initServices' unsafe conversion
// relies on: Client opens with numServices pointer fields, one per word,
// each to a struct with serviceBase's layout (a single c *Client); and that
// a new client's services are all set, distinct and bound to it.
func TestClientServicesLayout(t *testing.T) {
	ct := reflect.TypeFor[Client]()
	base := reflect.TypeFor[serviceBase]()
	n := 0
	for i := 0; i < ct.NumField(); i++ {
		f := ct.Field(i)
		if f.Name == "clientState" {
			break
		}
		if f.Offset != uintptr(i)*unsafe.Sizeof(uintptr(0)) {
			t.Errorf("Client.%s at offset %d, want %d", f.Name, f.Offset, uintptr(i)*unsafe.Sizeof(uintptr(0)))
		}
		st := f.Type
		if st.Kind() != reflect.Pointer || st.Elem().Kind() != reflect.Struct || st.Elem().NumField() != 1 ||
			st.Elem().Field(0).Name != "c" || st.Elem().Field(0).Type != reflect.TypeFor[*Client]() ||
			st.Elem().Size() != base.Size() || st.Elem().Align() != base.Align() {
			t.Errorf("Client.%s is %v, not a pointer to a struct{ c *Client }", f.Name, st)
		}
		n++
	}
	if n != numServices || n < 40 {
		t.Fatalf("%d service fields before clientState, numServices = %d", n, numServices)
	}
	for _, c := range []*Client{NewClient(NewClientConfig()), NewClient(NewClientConfig().WithSecretKey("sk_test_x"))} {
		v := reflect.ValueOf(c).Elem()
		seen := map[uintptr]bool{}
		for i := 0; i < numServices; i++ {
			f := v.Field(i)
			if f.IsNil() {
				t.Fatalf("Client.%s is nil", ct.Field(i).Name)
			}
			if seen[f.Pointer()] {
				t.Errorf("Client.%s shares its service", ct.Field(i).Name)
			}
			seen[f.Pointer()] = true
			if back := f.Elem().Field(0).Pointer(); back != uintptr(unsafe.Pointer(c)) {
				t.Errorf("Client.%s.c is not its client", ct.Field(i).Name)
			}
		}
		if c.Users.c != c || c.Webhooks.c != c || c.ActorTokens.c != c {
			t.Error("typed access to the services' client disagrees")
		}
	}
}
