//go:build wasip1

package core

import (
	"errors"

	"github.com/clerkscript/clerkscript/internal/minijson"
)

// The wasm guest's params are decoded JSON (map[string]any, []any, string,
// json.Number, bool, nil), which the shared code handles: other Go types
// are refused here without linking reflect, fmt or encoding/json (see
// params_other.go for the native build, which accepts them).

var errOtherType = errors.New("a value of an unsupported Go type (want decoded JSON)")

func otherParams(any) ([]byte, error) { return nil, errOtherType }

func otherScalar(any) (string, error) {
	return "", errors.New(notScalar + "got " + errOtherType.Error())
}

func otherSlice(any) ([]any, bool) { return nil, false }

func otherMarshal(_ any, err error) ([]byte, error) {
	if errors.Is(err, minijson.ErrUnsupportedType) {
		return nil, errOtherType
	}
	return nil, err
}
