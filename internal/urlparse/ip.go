package urlparse

// ipError is netip.ParseAddr's error, with the same text.
type ipError struct {
	in, msg, at string
	_           noEq
}

func (e *ipError) Error() string {
	s := "ParseAddr(" + quote(e.in) + "): " + e.msg
	if e.at != "" {
		s += " (at " + quote(e.at) + ")"
	}
	return s
}

// checkIPLiteral validates s as netip.ParseAddr does (net/url checks the
// host of "[...]" with it), without net/netip (whose zone handling links
// the unique package). is4 reports a dotted IPv4 address.
func checkIPLiteral(s string) (is4 bool, err error) {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '.':
			return true, checkIPv4(s, 0, len(s))
		case ':':
			return false, checkIPv6(s)
		case '%':
			return false, &ipError{in: s, msg: "missing IPv6 address"}
		}
	}
	return false, &ipError{in: s, msg: "unable to parse IP"}
}

// checkIPv4 validates in[off:end] as four dotted decimal octets.
func checkIPv4(in string, off, end int) error {
	s := in[off:end]
	val, dots, digits := 0, 0, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			if digits == 1 && val == 0 {
				return &ipError{in: in, msg: "IPv4 field has octet with leading zero"}
			}
			val = val*10 + int(c-'0')
			digits++
			if val > 255 {
				return &ipError{in: in, msg: "IPv4 field has value >255"}
			}
		case c == '.':
			if i == 0 || i == len(s)-1 || s[i-1] == '.' {
				return &ipError{in: in, msg: "IPv4 field must have at least one digit", at: s[i:]}
			}
			if dots == 3 {
				return &ipError{in: in, msg: "IPv4 address too long"}
			}
			dots++
			val, digits = 0, 0
		default:
			return &ipError{in: in, msg: "unexpected character", at: s[i:]}
		}
	}
	if dots < 3 {
		return &ipError{in: in, msg: "IPv4 address too short"}
	}
	return nil
}

// checkIPv6 validates in as an IPv6 address with an optional %zone.
func checkIPv6(in string) error {
	s, zone := in, ""
	for i := 0; i < len(s); i++ {
		if s[i] == '%' {
			s, zone = s[:i], s[i+1:]
			if zone == "" {
				return &ipError{in: in, msg: "zone must be a non-empty string"}
			}
			break
		}
	}
	n := 0         // bytes of the address read so far (2 a group)
	ellipsis := -1 // where "::" stands, in bytes
	if len(s) >= 2 && s[0] == ':' && s[1] == ':' {
		ellipsis = 0
		s = s[2:]
		if s == "" {
			return nil
		}
	}
	for n < 16 {
		off, acc := 0, 0
		for ; off < len(s); off++ {
			c := s[off]
			if !isHex(c) {
				break
			}
			acc = acc<<4 + int(hexVal(c))
			if off > 3 {
				return &ipError{in: in, msg: "each group must have 4 or less digits", at: s}
			}
			if acc > 0xffff {
				return &ipError{in: in, msg: "IPv6 field has value >=2^16", at: s}
			}
		}
		if off == 0 {
			return &ipError{in: in, msg: "each colon-separated field must have at least one digit", at: s}
		}
		if off < len(s) && s[off] == '.' {
			// A trailing dotted IPv4 address: the last 4 bytes.
			if ellipsis < 0 && n != 12 {
				return &ipError{in: in, msg: "embedded IPv4 address must replace the final 2 fields of the address", at: s}
			}
			if n+4 > 16 {
				return &ipError{in: in, msg: "too many hex fields to fit an embedded IPv4 at the end of the address", at: s}
			}
			end := len(in)
			if zone != "" {
				end -= len(zone) + 1
			}
			if err := checkIPv4(in, end-len(s), end); err != nil {
				return err
			}
			s = ""
			n += 4
			break
		}
		n += 2
		s = s[off:]
		if s == "" {
			break
		}
		if s[0] != ':' {
			return &ipError{in: in, msg: "unexpected character, want colon", at: s}
		} else if len(s) == 1 {
			return &ipError{in: in, msg: "colon must be followed by more characters", at: s}
		}
		s = s[1:]
		if s[0] == ':' {
			if ellipsis >= 0 {
				return &ipError{in: in, msg: "multiple :: in address", at: s}
			}
			ellipsis = n
			s = s[1:]
			if s == "" {
				break
			}
		}
	}
	if s != "" {
		return &ipError{in: in, msg: "trailing garbage after address", at: s}
	}
	if n < 16 {
		if ellipsis < 0 {
			return &ipError{in: in, msg: "address string too short"}
		}
	} else if ellipsis >= 0 {
		return &ipError{in: in, msg: "the :: must expand to at least one field of zeros"}
	}
	return nil
}
