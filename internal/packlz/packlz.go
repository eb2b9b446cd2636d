// Package packlz is the byte-oriented LZ77 that packs core's generated
// operation table: internal/gen packs the text at go generate time
// (Pack), core unpacks it on first use (Unpack, which is all the wasm
// guest links of it). The table is identifiers and paths full of repeats;
// packed, it is about a third of its size.
//
// A packed byte below 0x80 is itself; 0xFF is followed by a byte taken as
// is; any other byte b copies b-0x80+MinMatch bytes starting d bytes back
// in the output (the copy may overlap what it writes), d following b as an
// unsigned varint: 7 bits a byte, least significant first, the high bit
// set on every byte but the last, at most 3 bytes.
package packlz

import (
	"errors"
	"strconv"
)

const (
	// MinMatch is the shortest copy.
	MinMatch = 3
	maxMatch = 0xFE - 0x80 + MinMatch
	maxDist  = 1<<21 - 1
	escape   = 0xFF
	tries    = 64 // earlier positions tried per match: enough for the table
)

func varintLen(d int) int {
	switch {
	case d < 1<<7:
		return 1
	case d < 1<<14:
		return 2
	}
	return 3
}

// Pack compresses s greedily: at each position it takes the copy that
// saves the most bytes among the last few positions that started with the
// same MinMatch bytes.
func Pack(s string) string {
	var out []byte
	seen := map[string][]int{}
	for i := 0; i < len(s); {
		best, dist, gain := 0, 0, 0
		if i+MinMatch <= len(s) {
			cands := seen[s[i:i+MinMatch]]
			for k := len(cands) - 1; k >= 0 && k >= len(cands)-tries; k-- {
				j := cands[k]
				if i-j > maxDist {
					break
				}
				l := 0
				for i+l < len(s) && l < maxMatch && s[j+l] == s[i+l] {
					l++
				}
				if g := l - 1 - varintLen(i-j); g > gain {
					best, dist, gain = l, i-j, g
				}
			}
		}
		n := 1
		switch {
		case gain > 0:
			out = append(out, byte(0x80+best-MinMatch))
			for ; dist >= 0x80; dist >>= 7 {
				out = append(out, byte(dist)|0x80)
			}
			out = append(out, byte(dist))
			n = best
		case s[i] >= 0x80:
			out = append(out, escape, s[i])
		default:
			out = append(out, s[i])
		}
		for k := i; k < i+n; k++ {
			if k+MinMatch <= len(s) {
				seen[s[k:k+MinMatch]] = append(seen[s[k:k+MinMatch]], k)
			}
		}
		i += n
	}
	return string(out)
}

// Unpack reverses Pack. Damaged input is an error, never a panic.
func Unpack(s string) (string, error) {
	out := make([]byte, 0, 4*len(s))
	for i := 0; i < len(s); {
		c := s[i]
		i++
		switch {
		case c < 0x80:
			out = append(out, c)
		case c == escape:
			if i >= len(s) {
				return "", errors.New("packlz: the text ends inside an escape")
			}
			out = append(out, s[i])
			i++
		default:
			d := 0
			for shift := 0; ; shift += 7 {
				if i >= len(s) || shift > 14 {
					return "", errors.New("packlz: the text ends inside a copy, or its distance is too long")
				}
				b := s[i]
				i++
				d |= int(b&0x7F) << shift
				if b < 0x80 {
					break
				}
			}
			if d == 0 || d > len(out) {
				return "", errors.New("packlz: a copy from " + strconv.Itoa(d) + " bytes back, " + strconv.Itoa(len(out)) + " written")
			}
			for n := int(c) - 0x80 + MinMatch; n > 0; n-- {
				out = append(out, out[len(out)-d])
			}
		}
	}
	return string(out), nil
}
