package emulator

import (
	"math"
	"testing"
)

// NaN compares false with everything, so a range check written the obvious
// way lets it through; New must refuse it for the fault rate and the scale.
func TestNewRejectsNonFiniteSettings(t *testing.T) {
	nan := math.NaN()
	for name, opt := range map[string]Option{
		"fault rate NaN":  WithFaults(Faults{Rate: nan}),
		"scale NaN":       WithEndpointLimitScale(nan),
		"scale +Inf":      WithEndpointLimitScale(math.Inf(1)),
		"scale negative":  WithEndpointLimitScale(-1),
		"fault rate 1.01": WithFaults(Faults{Rate: 1.01}),
	} {
		if _, err := New(WithSigningKey(sharedKey().SigningKey()), opt); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	e, _ := newTestEmulator(t)
	if err := e.SetFaults(Faults{Rate: nan}); err == nil {
		t.Error("SetFaults accepted a NaN rate")
	}
}
