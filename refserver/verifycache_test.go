package refserver

import (
	"context"
	"crypto/sha256"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/go-cmp/cmp"
)

// clockVerifier is a Verifier whose clock the test moves.
func clockVerifier(t *testing.T, secret []byte, leeway time.Duration) (*Verifier, *atomic.Int64) {
	t.Helper()
	var offset atomic.Int64
	v, err := NewVerifier(VerifierConfig{
		Secret: secret, Issuer: testIssuer, Audience: testAudience, Leeway: leeway,
		Now: func() time.Time { return testNow.Add(time.Duration(offset.Load())) },
	})
	if err != nil {
		t.Fatal(err)
	}
	return v, &offset
}

// TestVerifyCacheServesTheSameAnswer: a token accepted once is served from
// the cache, with the claims the full verification gave.
func TestVerifyCacheServesTheSameAnswer(t *testing.T) {
	secret := newSecret(t, 32)
	v := newTestVerifier(t, secret)
	token := jws(sha256.New, secret, hs256, payload(set("aud", `["`+testAudience+`","other"]`)))
	ctx := context.Background()
	first, err := v.Verify(ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	if n := v.cache.len(); n != 1 {
		t.Fatalf("%d cached tokens after one acceptance, want 1", n)
	}
	second, err := v.Verify(ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(first, second); diff != "" {
		t.Errorf("cached answer (-first +second):\n%s", diff)
	}
}

// TestVerifyCacheOnlyExactBytes: only the exact bytes of an accepted token
// hit the cache; a token differing anywhere, or never verified, goes
// through every check, and a refusal is never cached.
func TestVerifyCacheOnlyExactBytes(t *testing.T) {
	secret := newSecret(t, 32)
	v := newTestVerifier(t, secret)
	ctx := context.Background()
	token := jws(sha256.New, secret, hs256, payload())
	if _, err := v.Verify(ctx, token); err != nil {
		t.Fatal(err)
	}
	// One character changed in each segment, and the token cut short.
	dot1 := strings.IndexByte(token, '.')
	dot2 := strings.LastIndexByte(token, '.')
	flip := func(i int) string {
		b := []byte(token)
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		return string(b)
	}
	for name, bad := range map[string]string{
		"header":    flip(dot1 - 2),
		"payload":   flip(dot1 + 5),
		"signature": flip(dot2 + 3),
		"truncated": token[:len(token)-1],
		"extended":  token + "A",
	} {
		for range 2 {
			if c, err := v.Verify(ctx, bad); err == nil {
				t.Errorf("%s: accepted (%s)", name, c.Subject)
			}
		}
	}
	if n := v.cache.len(); n != 1 {
		t.Errorf("%d cached tokens, want 1: refusals must not be cached", n)
	}
}

// TestVerifyCacheRechecksTime: a cached token is refused once it expires,
// by the same rule and leeway as a fresh one, and leaves the cache.
func TestVerifyCacheRechecksTime(t *testing.T) {
	secret := newSecret(t, 32)
	const leeway = 30 * time.Second
	v, clock := clockVerifier(t, secret, leeway)
	ctx := context.Background()
	token := jws(sha256.New, secret, hs256, payload(set("exp", unix(time.Minute))))
	if _, err := v.Verify(ctx, token); err != nil {
		t.Fatal(err)
	}
	clock.Store(int64(time.Minute + leeway - time.Second)) // within the leeway
	if _, err := v.Verify(ctx, token); err != nil {
		t.Fatalf("within the leeway: %v", err)
	}
	clock.Store(int64(time.Minute + leeway + time.Second))
	_, err := v.Verify(ctx, token)
	if !errors.Is(err, ErrExpired) {
		t.Fatalf("past exp and the leeway: %v, want ErrExpired", err)
	}
	if full, _ := v.verifyFull(ctx, token); full != nil {
		t.Fatal("the full verification accepts it too: the test proves nothing")
	}
	if n := v.cache.len(); n != 0 {
		t.Errorf("%d cached tokens after expiry, want 0", n)
	}
	if _, err := v.Verify(ctx, token); !errors.Is(err, ErrExpired) {
		t.Errorf("again: %v, want ErrExpired", err)
	}
}

// TestVerifyCacheHandsOutCopies: a caller that changes the claims it got
// changes nothing for the next caller of the same token.
func TestVerifyCacheHandsOutCopies(t *testing.T) {
	secret := newSecret(t, 32)
	v := newTestVerifier(t, secret)
	ctx := context.Background()
	token := jws(sha256.New, secret, hs256, payload())
	for i := range 3 { // the first from the full verification, then cached
		c, err := v.Verify(ctx, token)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(goodClaims(), c); diff != "" {
			t.Fatalf("call %d (-want +got):\n%s", i, diff)
		}
		c.Subject, c.OrgID, c.Scopes[0], c.Audience[0] = "mallory", "org-evil", "admin", "x"
		c.Scopes = append(c.Scopes, "admin")
	}
}

// TestVerifyCacheIsBounded: the cache never holds more than
// maxVerifiedTokens tokens.
func TestVerifyCacheIsBounded(t *testing.T) {
	var vc verifiedCache
	p := &tokenClaims{claimSet: claimSet{Aud: jwt.ClaimStrings{testAudience}}}
	for i := range maxVerifiedTokens + 10 {
		vc.put(sha256.Sum256([]byte{byte(i), byte(i >> 8), byte(i >> 16)}), p, goodClaims())
		if n := vc.len(); n > maxVerifiedTokens {
			t.Fatalf("%d cached tokens, more than %d", n, maxVerifiedTokens)
		}
	}
}

// TestVerifyCacheConcurrent: many callers of a few tokens get their own
// claims (run with -race).
func TestVerifyCacheConcurrent(t *testing.T) {
	secret := newSecret(t, 32)
	v := newTestVerifier(t, secret)
	users := []string{"user-alice", "user-bob", "user-carol"}
	tokens := make([]string, len(users))
	for i, u := range users {
		tokens[i] = jws(sha256.New, secret, hs256, payload(set("sub", `"`+u+`"`)))
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 300 {
				k := (g + i) % len(users)
				c, err := v.Verify(context.Background(), tokens[k])
				if err != nil || c.Subject != users[k] {
					t.Errorf("goroutine %d: %v, %v; want %s", g, c, err, users[k])
					return
				}
				c.Subject = "changed"
			}
		})
	}
	wg.Wait()
}
