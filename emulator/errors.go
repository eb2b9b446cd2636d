package emulator

import (
	"fmt"
	"net/http"
)

// errItem is one entry of Clerk's errors[] array.
type errItem struct {
	Code        string         `json:"code"`
	Message     string         `json:"message"`
	LongMessage string         `json:"long_message"`
	Meta        map[string]any `json:"meta,omitempty"`
}

// apiError is a Clerk-shaped error response. Handlers return it; the
// dispatcher turns it into {"errors": [...], "clerk_trace_id": ...}.
type apiError struct {
	Status int
	Items  []errItem
}

func (e *apiError) Error() string {
	if len(e.Items) == 0 {
		return fmt.Sprintf("HTTP %d", e.Status)
	}
	return fmt.Sprintf("HTTP %d %s: %s", e.Status, e.Items[0].Code, e.Items[0].LongMessage)
}

func newErr(status int, code, msg, long string, meta map[string]any) *apiError {
	if long == "" {
		long = msg
	}
	return &apiError{Status: status, Items: []errItem{{Code: code, Message: msg, LongMessage: long, Meta: meta}}}
}

func paramMeta(param string) map[string]any {
	if param == "" {
		return nil
	}
	return map[string]any{"param_name": param}
}

// formErr is a 422 about one body or query parameter, the way Clerk reports
// form validation (meta.param_name names the parameter).
func formErr(code, param, msg, long string) *apiError {
	return newErr(http.StatusUnprocessableEntity, code, msg, long, paramMeta(param))
}

func errNotFound(what string) *apiError {
	return newErr(http.StatusNotFound, "resource_not_found", "not found",
		fmt.Sprintf("Resource not found: %s", what), nil)
}

func errMissing(param string) *apiError {
	return formErr("form_param_missing", param, "missing data",
		fmt.Sprintf("%s must be included.", param))
}

func errTypeInvalid(param, want string) *apiError {
	return formErr("form_param_type_invalid", param, "is invalid",
		fmt.Sprintf("%s must be a %s.", param, want))
}

func errFormat(param, long string) *apiError {
	return formErr("form_param_format_invalid", param, "is invalid", long)
}

func errValue(param, long string) *apiError {
	return formErr("form_param_value_invalid", param, "is invalid", long)
}

func errUnknownParam(param string) *apiError {
	return formErr("form_param_unknown", param, "is unknown",
		fmt.Sprintf("%s is not a valid parameter for this request.", param))
}

func errIdentifierExists(param, long string) *apiError {
	return formErr("form_identifier_exists", param, "That identifier is taken. Please try another.", long)
}

func errDuplicate(long string, meta map[string]any) *apiError {
	return newErr(http.StatusBadRequest, "duplicate_record", "duplicate record", long, meta)
}

func errBadRequest(code, long string) *apiError {
	return newErr(http.StatusBadRequest, code, "bad request", long, nil)
}

func errQuery(param, long string) *apiError {
	return newErr(http.StatusBadRequest, "invalid_query_parameter_value", "invalid query parameter value", long, paramMeta(param))
}
