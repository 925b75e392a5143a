package fakebackend

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// Fault kinds.
const (
	FaultNone         = ""
	FaultDown         = "down" // the connection is closed without an answer
	FaultSlow         = "slow" // the answer comes after Delay
	FaultServerError  = "500"
	FaultUnauthorized = "401"
)

// Fault paths.
const (
	faultAPI   = "api"   // /api/ only, the default
	faultToken = "token" // /oauth/token only
	faultAll   = "all"
)

// maxFaultDelay stays below the WriteTimeout of cmd/fakebackend, so that a
// slow answer still reaches the client.
const maxFaultDelay = time.Minute

// Fault makes the backend misbehave until cleared or until For has passed.
// Over JSON, Delay and For travel as delay_ms and for_ms; in process, Delay
// and For win over them when set.
type Fault struct {
	// Kind is "down" (close the connection, no answer), "slow" (answer
	// normally after Delay, unless the client leaves first), "500", "401",
	// or "" (no fault).
	Kind    string        `json:"kind"`
	Delay   time.Duration `json:"-"`
	DelayMS int           `json:"delay_ms"`
	// For is how long the fault lasts; 0 means until cleared.
	For   time.Duration `json:"-"`
	ForMS int           `json:"for_ms"`
	// Paths is "api" (/api/ only, the default), "token" (/oauth/token
	// only) or "all". /_admin/ and /healthz are never affected.
	Paths string `json:"paths"`
	// TokenSHA256, when set, limits the fault to the calls made for one
	// client token: exchanges of it (its subject_token), and API requests
	// that carry it (pass-through) or a backend token exchanged for it. It is
	// the token's SHA-256 in lowercase hex, as the recording shows it. Each
	// token's fault and the unscoped fault are set and cleared
	// independently, so that scenarios with faults of their own can run in
	// parallel; a token's fault wins over the unscoped one.
	TokenSHA256 string `json:"token_sha256,omitempty"`
}

// normalized fills in the durations from their millisecond forms and back,
// so both halves of a Fault agree.
func (f Fault) normalized() Fault {
	if f.Delay == 0 {
		f.Delay = time.Duration(f.DelayMS) * time.Millisecond
	}
	if f.For == 0 {
		f.For = time.Duration(f.ForMS) * time.Millisecond
	}
	f.DelayMS = ceilMS(f.Delay)
	f.ForMS = ceilMS(f.For)
	if f.Paths == "" && f.Kind != FaultNone {
		f.Paths = faultAPI
	}
	return f
}

func ceilMS(d time.Duration) int {
	return int((d + time.Millisecond - 1) / time.Millisecond)
}

func (f Fault) validate() error {
	switch f.Kind {
	case FaultNone, FaultDown, FaultServerError, FaultUnauthorized:
	case FaultSlow:
		if f.Delay <= 0 || f.Delay > maxFaultDelay {
			return fmt.Errorf("a slow fault needs a delay in (0, %v]", maxFaultDelay)
		}
	default:
		return fmt.Errorf("unknown fault kind %q", f.Kind)
	}
	switch f.Paths {
	case "", faultAPI, faultToken, faultAll:
	default:
		return fmt.Errorf("unknown fault paths %q", f.Paths)
	}
	if f.Delay < 0 || f.For < 0 {
		return errors.New("negative duration")
	}
	if f.TokenSHA256 != "" && !isSHA256Hex(f.TokenSHA256) {
		return errors.New("token_sha256 must be 64 lowercase hex digits")
	}
	return nil
}

func isSHA256Hex(s string) bool {
	if len(s) != 2*sha256.Size {
		return false
	}
	for _, c := range []byte(s) {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// maxTokenFaults bounds the faults scoped to tokens that may be set at once.
const maxTokenFaults = 10_000

// errTooManyFaults: the admin endpoint answers 400 with it.
var errTooManyFaults = fmt.Errorf("more than %d token faults at once", maxTokenFaults)

type faultState struct {
	mu      sync.Mutex
	global  timedFault
	byToken map[string]timedFault // by client token SHA-256
	// origins maps the SHA-256 of each backend token this backend issued to
	// its subject token's, so that a token's fault follows it through the
	// exchange. Entries go when their token expires.
	origins map[string]origin
}

type timedFault struct {
	f     Fault
	until time.Time // zero: until cleared
}

type origin struct {
	subject string
	until   time.Time
}

func (t timedFault) activeAt(now time.Time) bool {
	return t.f.Kind != FaultNone && (t.until.IsZero() || now.Before(t.until))
}

// SetFault makes every later matching request misbehave as f says; a Fault
// with Kind "" clears it (only the one of its token, if it names one). It
// panics on an invalid Fault, a mistake of the calling test; the admin
// endpoint answers 400 instead.
func (b *Backend) SetFault(f Fault) {
	if err := b.setFault(f); err != nil {
		panic("fakebackend: SetFault: " + err.Error())
	}
}

func (b *Backend) setFault(f Fault) error {
	f = f.normalized()
	if err := f.validate(); err != nil {
		return err
	}
	t := timedFault{f: f}
	if f.For > 0 {
		t.until = b.now().Add(f.For)
	}
	b.fault.mu.Lock()
	defer b.fault.mu.Unlock()
	switch {
	case f.TokenSHA256 == "":
		b.fault.global = t
	case f.Kind == FaultNone:
		delete(b.fault.byToken, f.TokenSHA256)
	default:
		if b.fault.byToken == nil {
			b.fault.byToken = map[string]timedFault{}
		}
		if _, replaces := b.fault.byToken[f.TokenSHA256]; !replaces && len(b.fault.byToken) >= maxTokenFaults {
			return errTooManyFaults
		}
		b.fault.byToken[f.TokenSHA256] = t
	}
	return nil
}

// clearFaults clears the unscoped fault and every token's.
func (b *Backend) clearFaults() {
	b.fault.mu.Lock()
	defer b.fault.mu.Unlock()
	b.fault.global, b.fault.byToken = timedFault{}, nil
}

// rememberOrigin records that the backend token issued, valid until, was
// exchanged for subject (both SHA-256 hex).
func (b *Backend) rememberOrigin(issued, subject string, until time.Time) {
	now := b.now()
	b.fault.mu.Lock()
	defer b.fault.mu.Unlock()
	if b.fault.origins == nil {
		b.fault.origins = map[string]origin{}
	}
	if len(b.fault.origins) >= 1024 {
		for k, o := range b.fault.origins {
			if !now.Before(o.until) {
				delete(b.fault.origins, k)
			}
		}
	}
	b.fault.origins[issued] = origin{subject: subject, until: until}
}

// activeFault returns the fault for a request of paths made for the client
// token whose SHA-256 is client ("" when unknown), if one is set and has
// not expired.
func (b *Backend) activeFault(paths, client string) (Fault, bool) {
	now := b.now()
	b.fault.mu.Lock()
	defer b.fault.mu.Unlock()
	if t, ok := b.fault.byToken[client]; ok && client != "" {
		if t.activeAt(now) {
			if t.f.Paths == faultAll || t.f.Paths == paths {
				return t.f, true
			}
		} else {
			delete(b.fault.byToken, client)
		}
	}
	t := b.fault.global
	if !t.activeAt(now) {
		b.fault.global = timedFault{}
		return Fault{}, false
	}
	return t.f, t.f.Paths == faultAll || t.f.Paths == paths
}

// hasTokenFaults reports whether any fault is scoped to a token, so that
// requests need not be read for their token when none is.
func (b *Backend) hasTokenFaults() bool {
	b.fault.mu.Lock()
	defer b.fault.mu.Unlock()
	return len(b.fault.byToken) > 0
}

// clientToken returns the SHA-256 of the client token a request is made
// for: the subject_token of an exchange, or for the API the bearer token
// itself (pass-through) or the subject token it was exchanged for.
func (b *Backend) clientToken(paths string, r *http.Request) string {
	if !b.hasTokenFaults() {
		return ""
	}
	if paths == faultToken {
		// Read ahead for subject_token and put the body back for the
		// exchange, which parses it strictly itself.
		body, err := io.ReadAll(io.LimitReader(r.Body, maxTokenForm+1))
		r.Body = struct {
			io.Reader
			io.Closer
		}{io.MultiReader(bytes.NewReader(body), r.Body), r.Body}
		if err != nil {
			return ""
		}
		form, _ := url.ParseQuery(string(body))
		if t := form.Get("subject_token"); t != "" {
			return tokenHash(t)
		}
		return ""
	}
	h := entryFrom(r.Context()).req.TokenSHA256
	b.fault.mu.Lock()
	defer b.fault.mu.Unlock()
	if o, ok := b.fault.origins[h]; ok {
		return o.subject
	}
	return h
}

// inject answers in place of next while a fault for paths is active.
func (b *Backend) inject(paths string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, ok := b.activeFault(paths, b.clientToken(paths, r))
		if !ok {
			next.ServeHTTP(w, r)
			return
		}
		switch f.Kind {
		case FaultDown:
			entryFrom(r.Context()).commit(0)
			conn, _, err := http.NewResponseController(w).Hijack()
			if err != nil {
				// HTTP/2 cannot hijack; aborting resets the stream instead.
				panic(http.ErrAbortHandler)
			}
			conn.Close()
		case FaultSlow:
			t := time.NewTimer(f.Delay)
			defer t.Stop()
			select {
			case <-t.C:
				next.ServeHTTP(w, r)
			case <-r.Context().Done():
			}
		case FaultServerError:
			if paths == faultToken {
				oauthError(w, http.StatusInternalServerError, "server_error", "injected fault")
				return
			}
			apiError(w, http.StatusInternalServerError, "internal_error", "injected fault")
		case FaultUnauthorized:
			if paths == faultToken {
				w.Header().Set("WWW-Authenticate", `Basic realm="`+APIAudience+`"`)
				oauthError(w, http.StatusUnauthorized, "invalid_client", "injected fault")
				return
			}
			w.Header().Set("WWW-Authenticate", `Bearer realm="`+APIAudience+`", error="invalid_token"`)
			apiError(w, http.StatusUnauthorized, "invalid_token", "injected fault")
		}
	})
}
