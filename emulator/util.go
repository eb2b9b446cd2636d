package emulator

import (
	"cmp"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/clerkscript/clerkscript/core"
)

func sortStrings(s []string) { slices.Sort(s) }

// page applies limit and offset (Clerk's defaults: 10, max 500) to items.
func page[T any](rq *request, items []T) ([]T, *apiError) {
	limit, err := rq.qInt("limit", 10, 1, 500)
	if err != nil {
		return nil, err
	}
	offset, err := rq.qInt("offset", 0, 0, 1<<40)
	if err != nil {
		return nil, err
	}
	if offset >= int64(len(items)) {
		return []T{}, nil
	}
	end := min(offset+limit, int64(len(items)))
	return items[offset:end], nil
}

// listResponse shapes a page the way the operation declares: a bare array
// (unless the caller asked for paginated=true) or {data, total_count}.
func listResponse[T any](rq *request, items []T, total int) (any, *apiError) {
	if items == nil {
		items = []T{}
	}
	if rq.op.Response.Shape == core.ShapeArray {
		paginated, _, err := rq.qBool("paginated")
		if err != nil {
			return nil, err
		}
		if !paginated || !rq.op.Response.Paginated {
			return items, nil
		}
	}
	return map[string]any{"data": items, "total_count": total}, nil
}

// listAll pages items and shapes them as the operation declares.
func listAll[T any](rq *request, items []T) (any, *apiError) {
	pg, err := page(rq, items)
	if err != nil {
		return nil, err
	}
	return listResponse(rq, pg, len(items))
}

// orderKey extracts a comparable sort key for one order_by field.
type orderKey[T any] func(T) string

// orderBy sorts items by the order_by query parameter ("+field" or "-field",
// "+" implied), falling back to def. Ties keep creation order, so results are
// deterministic.
func orderBy[T seqOf](rq *request, items []T, def string, keys map[string]orderKey[T]) *apiError {
	ob := rq.q("order_by")
	if ob == "" {
		ob = def
	}
	if ob == "" {
		return nil
	}
	desc := strings.HasPrefix(ob, "-")
	field := strings.TrimLeft(ob, "+-")
	key, ok := keys[field]
	if !ok {
		fields := make([]string, 0, len(keys))
		for k := range keys {
			fields = append(fields, k)
		}
		slices.Sort(fields)
		return errQuery("order_by", fmt.Sprintf("order_by must be one of %s, optionally prefixed with + or -; got %q.", strings.Join(fields, ", "), ob))
	}
	slices.SortStableFunc(items, func(a, b T) int {
		c := cmp.Compare(key(a), key(b))
		if c == 0 {
			c = cmp.Compare(a.seq(), b.seq())
		}
		if desc {
			return -c
		}
		return c
	})
	return nil
}

// num formats an integer so that string comparison orders it numerically
// (timestamps and counts in order_by keys).
func num(n int64) string { return fmt.Sprintf("%020d", n+(1<<62)) }

func nump(n *int64) string {
	if n == nil {
		return ""
	}
	return num(*n)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func ptr[T any](v T) *T { return &v }

// deepMerge merges patch into dst the way Clerk merges metadata: objects merge
// recursively, null deletes a key, anything else replaces.
//
// It returns a new map and never changes dst: responses encoded after the
// lock is released may still be reading it.
func deepMerge(dst, patch map[string]any) map[string]any {
	out := make(map[string]any, len(dst)+len(patch))
	for k, v := range dst {
		out[k] = v
	}
	for k, v := range patch {
		if v == nil {
			delete(out, k)
			continue
		}
		if pm, ok := v.(map[string]any); ok {
			dm, _ := out[k].(map[string]any)
			out[k] = deepMerge(dm, pm)
			continue
		}
		out[k] = v
	}
	return out
}

func emptyIfNil(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

// Clerk's own rules are stricter and partly undocumented; these catch what a
// script is likely to get wrong (no @, spaces, missing +, letters in phones).
var (
	emailRe = lazyRegexp(`^[^\s@]+@[^\s@]+\.[^\s@]+$`)
	phoneRe = lazyRegexp(`^\+[1-9][0-9]{6,14}$`)
	slugRe  = lazyRegexp(`^[a-z0-9]+(?:[-_][a-z0-9]+)*$`)
	web3Re  = lazyRegexp(`^0x[0-9a-fA-F]{40}$`)
	userRe  = lazyRegexp(`^[a-zA-Z0-9_\-.]{4,64}$`)
)

// lazyRegexp compiles expr on first use rather than at package
// initialisation, which every clerkscript process start would pay.
func lazyRegexp(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}

func validEmail(s string) bool { return len(s) <= 320 && emailRe().MatchString(s) }
func validPhone(s string) bool { return phoneRe().MatchString(s) }

func validURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && u.Scheme != "" && (u.Host != "" || u.Opaque != "")
}

// slugify turns an organization name into a slug the way Clerk's dashboard
// suggests one.
func slugify(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
			dash = false
			continue
		}
		if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimRight(b.String(), "-")
}

func containsFold(hay, needle string) bool {
	return strings.Contains(strings.ToLower(hay), strings.ToLower(needle))
}
