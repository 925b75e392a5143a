package harness

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/MicahParks/jwkset"
)

// Discovery of the issuer's public keys for the key-confusion attacks of a
// supplied-token run: the resource metadata (RFC 9728 §3) names the
// authorization server, whose metadata (RFC 8414 §3; OpenID Connect
// Discovery 1.0 §4 as the fallback) names its jwks_uri, which serves the
// key set (RFC 7517 §5). Only public keys are read. The suite fetches only
// from loopback; for an issuer elsewhere, save its key set to a file
// (tokens.jwks_file).

// maxMetadata bounds every document the discovery reads.
const maxMetadata = 1 << 20

// Discovery fetches the documents of the chain.
type Discovery struct {
	HTTP *http.Client // nil: a client with a 5 s timeout
	// Loopback checks a host before any request; nil: checkLoopback.
	Loopback func(host string) error
}

func (d *Discovery) client() *http.Client {
	if d.HTTP != nil {
		return d.HTTP
	}
	return &http.Client{Timeout: 5 * time.Second}
}

// IssuerKeys follows the chain from the MCP endpoint mcpURL to the
// issuer's public keys, by kid.
func (d *Discovery) IssuerKeys(ctx context.Context, mcpURL string) (map[string]crypto.PublicKey, error) {
	jwksURI, err := d.JWKSURI(ctx, mcpURL)
	if err != nil {
		return nil, err
	}
	return d.FetchKeys(ctx, jwksURI)
}

// JWKSURI finds the issuer's jwks_uri from the MCP endpoint.
func (d *Discovery) JWKSURI(ctx context.Context, mcpURL string) (string, error) {
	u, err := url.Parse(mcpURL)
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("discovery: %q is not a URL", mcpURL)
	}
	// RFC 9728 §3.1: the well-known suffix is inserted between the host and
	// the resource's path; the root document is the common fallback.
	var rm struct {
		AuthorizationServers []string `json:"authorization_servers"`
	}
	base := u.Scheme + "://" + u.Host + "/.well-known/oauth-protected-resource"
	if err := d.getJSON(ctx, base+strings.TrimRight(u.Path, "/"), &rm); err != nil || len(rm.AuthorizationServers) == 0 {
		if err2 := d.getJSON(ctx, base, &rm); err2 != nil {
			return "", fmt.Errorf("discovery: resource metadata: %w", errors.Join(err, err2))
		}
	}
	if len(rm.AuthorizationServers) == 0 {
		return "", errors.New("discovery: the resource metadata names no authorization server")
	}
	var errs []error
	for _, as := range rm.AuthorizationServers {
		uri, err := d.asJWKSURI(ctx, as)
		if err == nil {
			return uri, nil
		}
		errs = append(errs, err)
	}
	return "", fmt.Errorf("discovery: %w", errors.Join(errs...))
}

// asJWKSURI reads the jwks_uri of the authorization server whose issuer
// identifier is issuer: RFC 8414 §3.1 (the well-known suffix inserted
// before the issuer's path), then OpenID Connect Discovery 1.0 §4 (appended
// to it). RFC 8414 §3.3: the document's issuer must be the identifier.
func (d *Discovery) asJWKSURI(ctx context.Context, issuer string) (string, error) {
	u, err := url.Parse(issuer)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("authorization server %q is not an http(s) URL", issuer)
	}
	path := strings.TrimRight(u.Path, "/")
	candidates := []string{
		u.Scheme + "://" + u.Host + "/.well-known/oauth-authorization-server" + path,
		u.Scheme + "://" + u.Host + path + "/.well-known/openid-configuration",
	}
	var errs []error
	for _, c := range candidates {
		var md struct {
			Issuer  string `json:"issuer"`
			JWKSURI string `json:"jwks_uri"`
		}
		if err := d.getJSON(ctx, c, &md); err != nil {
			errs = append(errs, err)
			continue
		}
		if md.Issuer != issuer {
			errs = append(errs, fmt.Errorf("%s: issuer %q is not %q (RFC 8414 §3.3)", c, md.Issuer, issuer))
			continue
		}
		if md.JWKSURI == "" {
			errs = append(errs, fmt.Errorf("%s: no jwks_uri", c))
			continue
		}
		return md.JWKSURI, nil
	}
	return "", errors.Join(errs...)
}

// FetchKeys reads the key set at uri (loopback only).
func (d *Discovery) FetchKeys(ctx context.Context, uri string) (map[string]crypto.PublicKey, error) {
	var set jwkset.JWKSMarshal
	if err := d.getJSON(ctx, uri, &set); err != nil {
		return nil, fmt.Errorf("discovery: key set: %w", err)
	}
	return publicKeys(set)
}

// ReadKeysFile reads a key set saved to a file.
func ReadKeysFile(path string) (map[string]crypto.PublicKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("tokens: jwks_file: %w", err)
	}
	var set jwkset.JWKSMarshal
	if err := json.Unmarshal(b, &set); err != nil {
		return nil, fmt.Errorf("tokens: jwks_file %s: not a JWK Set: %w", path, err)
	}
	return publicKeys(set)
}

// publicKeys parses each JWK with jwkset (RFC 7517 §4, RFC 7518 §6) as a
// public key; keys of other types, and private members, are ignored.
func publicKeys(set jwkset.JWKSMarshal) (map[string]crypto.PublicKey, error) {
	keys := map[string]crypto.PublicKey{}
	for i, m := range set.Keys {
		jwk, err := jwkset.NewJWKFromMarshal(m, jwkset.JWKMarshalOptions{Private: false}, jwkset.JWKValidateOptions{})
		if err != nil {
			continue
		}
		kid := m.KID
		if kid == "" {
			kid = fmt.Sprintf("#%d", i)
		}
		switch k := jwk.Key().(type) {
		case *rsa.PublicKey, *ecdsa.PublicKey:
			keys[kid] = k
		}
	}
	if len(keys) == 0 {
		return nil, errors.New("the key set holds no RSA or EC public key")
	}
	return keys, nil
}

func (d *Discovery) getJSON(ctx context.Context, uri string, v any) error {
	u, err := url.Parse(uri)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q is not an http(s) URL", uri)
	}
	check := d.Loopback
	if check == nil {
		check = checkLoopback
	}
	if err := check(u.Hostname()); err != nil {
		return fmt.Errorf("%s: %w (save the issuer's key set to a file and set tokens.jwks_file)", uri, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, uri, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := d.client().Do(req)
	if err != nil {
		return fmt.Errorf("%s: %w", uri, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: status %d", uri, resp.StatusCode)
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxMetadata)).Decode(v); err != nil {
		return fmt.Errorf("%s: not JSON: %w", uri, err)
	}
	return nil
}
