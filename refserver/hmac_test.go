package refserver

import (
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/golang-jwt/jwt/v5"
)

// TestHS256MethodAgreesWithGolangJWT: the pooled method accepts exactly the
// signatures golang-jwt's HS256 accepts, for inputs of every length around
// the SHA-256 block size, one state used many times, and every single-bit
// change of a signature.
func TestHS256MethodAgreesWithGolangJWT(t *testing.T) {
	secret := newSecret(t, 32)
	key := newHMACKey(secret)
	for n := range 200 {
		input := strings.Repeat("a.", n/2) + strings.Repeat("b", n%2)
		sig, err := jwt.SigningMethodHS256.Sign(input, secret)
		if err != nil {
			t.Fatal(err)
		}
		if err := (hs256Method{}).Verify(input, sig, key); err != nil {
			t.Fatalf("len %d: a good signature refused: %v", n, err)
		}
		for bit := range 8 * len(sig) {
			bad := append([]byte(nil), sig...)
			bad[bit/8] ^= 1 << (bit % 8)
			if err := (hs256Method{}).Verify(input, bad, key); !errors.Is(err, jwt.ErrSignatureInvalid) {
				t.Fatalf("len %d, bit %d flipped: %v, want ErrSignatureInvalid", n, bit, err)
			}
		}
		for _, short := range [][]byte{nil, sig[:31], append(sig[:32:32], 0)} {
			if err := (hs256Method{}).Verify(input, short, key); !errors.Is(err, jwt.ErrSignatureInvalid) {
				t.Fatalf("len %d, %d-byte signature: %v, want ErrSignatureInvalid", n, len(short), err)
			}
		}
	}
}

// TestHS256MethodKeys: a state keyed with one secret never verifies for
// another key, and the method takes no key but an *hmacKey: a raw []byte
// secret (what jwt.SigningMethodHS256 takes) is refused, not used.
func TestHS256MethodKeys(t *testing.T) {
	secret := newSecret(t, 32)
	other := newSecret(t, 32)
	sig, err := jwt.SigningMethodHS256.Sign("h.p", secret)
	if err != nil {
		t.Fatal(err)
	}
	if err := (hs256Method{}).Verify("h.p", sig, newHMACKey(other)); !errors.Is(err, jwt.ErrSignatureInvalid) {
		t.Errorf("another key: %v, want ErrSignatureInvalid", err)
	}
	for _, k := range []any{secret, string(secret), nil, &hmacKey{}} {
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("key %T: panic %v", k, r)
				}
			}()
			if err := (hs256Method{}).Verify("h.p", sig, k); err == nil {
				t.Errorf("key %T accepted", k)
			}
		}()
	}
	if _, err := (hs256Method{}).Sign("h.p", newHMACKey(secret)); err == nil {
		t.Error("Sign: the reference server must never issue tokens")
	}
}

// TestHS256MethodConcurrent: pooled states are never shared by two
// verifications at once (run with -race).
func TestHS256MethodConcurrent(t *testing.T) {
	secret := newSecret(t, 32)
	key := newHMACKey(secret)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				input := strings.Repeat("x", g*37+i)
				sig, _ := jwt.SigningMethodHS256.Sign(input, secret)
				if err := (hs256Method{}).Verify(input, sig, key); err != nil {
					t.Errorf("goroutine %d, call %d: %v", g, i, err)
					return
				}
				if i%2 == 0 {
					sig[0] ^= 1
					if err := (hs256Method{}).Verify(input, sig, key); err == nil {
						t.Errorf("goroutine %d, call %d: a bad signature accepted", g, i)
						return
					}
				}
			}
		})
	}
	wg.Wait()
}
