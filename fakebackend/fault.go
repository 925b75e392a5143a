package fakebackend

import (
	"errors"
	"fmt"
	"net/http"
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
	return nil
}

type faultState struct {
	mu    sync.Mutex
	f     Fault
	until time.Time // zero: until cleared
}

// SetFault makes every later matching request misbehave as f says; a Fault
// with Kind "" clears it. It panics on an invalid Fault, a mistake of the
// calling test; the admin endpoint answers 400 instead.
func (b *Backend) SetFault(f Fault) {
	f = f.normalized()
	if err := f.validate(); err != nil {
		panic("fakebackend: SetFault: " + err.Error())
	}
	b.fault.mu.Lock()
	defer b.fault.mu.Unlock()
	b.fault.f, b.fault.until = f, time.Time{}
	if f.For > 0 {
		b.fault.until = b.now().Add(f.For)
	}
}

// activeFault returns the fault for requests of paths, if one is set and has
// not expired.
func (b *Backend) activeFault(paths string) (Fault, bool) {
	b.fault.mu.Lock()
	defer b.fault.mu.Unlock()
	f := b.fault.f
	if f.Kind == FaultNone {
		return Fault{}, false
	}
	if !b.fault.until.IsZero() && !b.now().Before(b.fault.until) {
		b.fault.f, b.fault.until = Fault{}, time.Time{}
		return Fault{}, false
	}
	return f, f.Paths == faultAll || f.Paths == paths
}

// inject answers in place of next while a fault for paths is active.
func (b *Backend) inject(paths string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, ok := b.activeFault(paths)
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
