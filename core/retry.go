package core

import (
	"context"
	"errors"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
)

// RetryConfig is the retry policy (the same knobs as Clerk's Speakeasy SDKs,
// but honoured per call). Zero fields take the defaults of
// DefaultRetryConfig; set Disabled to make exactly one attempt.
type RetryConfig struct {
	InitialInterval time.Duration // first backoff interval (default 500 ms)
	MaxInterval     time.Duration // cap on one backoff interval (default 30 s); Retry-After may exceed it
	Exponent        float64       // growth factor between intervals (default 1.5)
	// MaxElapsedTime bounds the whole call including waits (default 5 min).
	// A Retry-After that would end past it is not waited for: the 429 is
	// returned at once, carrying RetryAfter.
	MaxElapsedTime time.Duration
	// NoConnectionRetries turns off retrying transport failures (the
	// retryConnectionErrors knob of Clerk's SDKs, inverted so that the zero
	// value keeps the safe default of retrying). Failures after the request
	// may have been sent are only replayed for idempotent operations anyway.
	NoConnectionRetries bool
	// MaxAttempts caps the number of attempts (0 = no cap besides
	// MaxElapsedTime).
	MaxAttempts int
	// MaxConnectionAttempts caps the attempts that fail before the request
	// is sent (connection refused, DNS or TLS failures), so that an address
	// that cannot be reached is reported within seconds rather than retried
	// for MaxElapsedTime. Default 4 (about 2.4 s of backoff with the default
	// intervals); negative means no cap of its own. A failure that retrying
	// cannot cure (an unknown host, a certificate that does not verify, TLS
	// to a plain HTTP server) is never retried.
	MaxConnectionAttempts int
	Disabled              bool
}

// DefaultRetryConfig returns the default policy: 500 ms initial interval,
// ×1.5, 30 s cap, 5 min in all, connection errors retried up to 4 attempts.
func DefaultRetryConfig() RetryConfig {
	return RetryConfig{
		InitialInterval:       500 * time.Millisecond,
		MaxInterval:           30 * time.Second,
		Exponent:              1.5,
		MaxElapsedTime:        5 * time.Minute,
		MaxConnectionAttempts: defaultMaxConnectionAttempts,
	}
}

const defaultMaxConnectionAttempts = 4

func (r RetryConfig) withDefaults() RetryConfig {
	d := DefaultRetryConfig()
	if r.InitialInterval <= 0 {
		r.InitialInterval = d.InitialInterval
	}
	if r.MaxInterval <= 0 {
		r.MaxInterval = d.MaxInterval
	}
	if r.Exponent < 1 {
		r.Exponent = d.Exponent
	}
	if r.MaxElapsedTime <= 0 {
		r.MaxElapsedTime = d.MaxElapsedTime
	}
	if r.MaxConnectionAttempts == 0 {
		r.MaxConnectionAttempts = d.MaxConnectionAttempts
	}
	return r
}

// retryDecision classifies one attempt's outcome.
type retryDecision int

// RetryEvent describes a failed attempt the client is about to retry. It is
// what ClientConfig.WithRetryHook receives, so a CLI can say why it waits.
type RetryEvent struct {
	Operation string        // the operation name, or "METHOD path"
	Attempt   int           // the attempt that failed, from 1
	Wait      time.Duration // the wait before the next attempt
	Err       error         // *APIError or *TransportError of the failed attempt
}

const (
	noRetry retryDecision = iota
	retryNow
)

// classify decides whether an attempt may be replayed. The policy (see the
// package doc): 429 and 503 are always retried (Clerk did not process the
// request); failures before the request was sent are retried when
// NoConnectionRetries is not set; 500/502/504 and failures after sending
// (timeouts, resets) are replayed only for idempotent operations, or when
// the caller opted in with WithReplayNonIdempotent.
func classify(resp *HTTPResponse, err error, idempotent bool, rc RetryConfig) retryDecision {
	if err != nil {
		if errors.Is(err, context.Canceled) || errors.Is(err, errResponseTooLarge) {
			return noRetry
		}
		if rc.NoConnectionRetries {
			return noRetry
		}
		var ns *NotSentError
		if errors.As(err, &ns) && ns.permanent {
			return noRetry
		}
		if IsNotSent(err) || idempotent {
			return retryNow
		}
		return noRetry
	}
	switch resp.StatusCode {
	case 429, 503:
		return retryNow
	case 500, 502, 504:
		if idempotent {
			return retryNow
		}
	}
	return noRetry
}

// ParseRetryAfter reads a Retry-After header value: delta-seconds
// (fractions allowed, capped at a day) or an HTTP date, relative to now.
// Anything else (empty, negative, NaN, garbage, a date in the past) is 0.
// An HTTP date is GMT (RFC 9110): a date with another zone name is read as
// UTC whatever the machine's local zone (time.Parse, which read the date
// before, applied the local zone's offset when the name was that zone's
// abbreviation: "EDT" on a machine in New York read 4 hours later).
// It is the one parser of the header in this module: the client's retries,
// APIError.RetryAfter and the job runner's rate limiter all use it.
func ParseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseFloat(v, 64); err == nil {
		// !(n > 0) also catches NaN, whose conversion to a Duration is
		// undefined (a huge negative wait on amd64).
		if !(n > 0) {
			return 0
		}
		if n > 86400 {
			n = 86400
		}
		return time.Duration(n * float64(time.Second))
	}
	if t, ok := parseHTTPDate(v); ok { // time.RFC1123, RFC1123Z, RFC850, ANSIC
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}

// expBackoff spaces the attempts of one call: exponential backoff with
// jitter, as cenkalti/backoff's ExponentialBackOff (which the client used)
// computes it, in a few lines: the library brought math/rand and its
// tables into the wasm guest (26 KB) for one random number.
type expBackoff struct {
	rc      RetryConfig
	clk     Clock
	start   time.Time
	current time.Duration
	jitter  float64 // randomization factor: backoffJitter (tests set 0)
}

// backoffJitter is the randomization factor of cenkalti/backoff's
// ExponentialBackOff default, which the client used.
const backoffJitter = 0.25

// stopBackoff is NextBackOff's answer once MaxElapsedTime is used up.
const stopBackoff time.Duration = -1

func newBackoff(rc RetryConfig, clk Clock) *expBackoff {
	return &expBackoff{rc: rc, clk: clk, start: clk.Now(), current: rc.InitialInterval, jitter: backoffJitter}
}

// NextBackOff returns the wait before the next attempt, or stopBackoff
// when that wait would end after MaxElapsedTime.
func (b *expBackoff) NextBackOff() time.Duration {
	elapsed := b.clk.Now().Sub(b.start)
	next := jitteredWait(b.current, b.jitter, rand.Float64())
	// The interval grows by Exponent, capped at MaxInterval (checked
	// before multiplying, so that it cannot overflow).
	if float64(b.current) >= float64(b.rc.MaxInterval)/b.rc.Exponent {
		b.current = b.rc.MaxInterval
	} else {
		b.current = time.Duration(float64(b.current) * b.rc.Exponent)
	}
	if b.rc.MaxElapsedTime != 0 && elapsed+next > b.rc.MaxElapsedTime {
		return stopBackoff
	}
	return next
}

// jitteredWait spreads interval by ±factor with random in [0, 1): with
// factor 0.25 a value in [0.75·interval, 1.25·interval+1ns), as
// cenkalti/backoff's getRandomValueFromInterval computes it.
func jitteredWait(interval time.Duration, factor, random float64) time.Duration {
	delta := factor * float64(interval)
	lo, hi := float64(interval)-delta, float64(interval)+delta
	return time.Duration(lo + random*(hi-lo+1))
}
