package fakebackend_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/mcpauthspec/mcpauthspec/fakebackend"
)

// The core app's RFC 8414 metadata answers under its issuer URL with that
// very issuer (RFC 8414 §3.3) and its token endpoint (contract §0).
func TestAuthorizationServerMetadata(t *testing.T) {
	b, err := fakebackend.New(fakebackend.Config{Secret: make([]byte, 32), Issuer: "http://127.0.0.1:18081",
		Audience: audience, ClientID: clientID, ClientSecret: "s"})
	if err != nil {
		t.Fatal(err)
	}
	get := func() (int, map[string]any) {
		rec := httptest.NewRecorder()
		b.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, fakebackend.WellKnownAS, nil))
		var doc map[string]any
		_ = json.Unmarshal(rec.Body.Bytes(), &doc)
		return rec.Code, doc
	}
	status, doc := get()
	if status != http.StatusOK {
		t.Fatalf("HTTP %d", status)
	}
	if doc["issuer"] != "http://127.0.0.1:18081" || doc["token_endpoint"] != "http://127.0.0.1:18081/oauth/token" {
		t.Errorf("issuer/token_endpoint %v/%v", doc["issuer"], doc["token_endpoint"])
	}
	grants, _ := doc["grant_types_supported"].([]any)
	if !slices.Contains(grants, any(fakebackend.GrantTypeTokenExchange)) {
		t.Errorf("grant_types_supported %v lacks token exchange", grants)
	}
	if _, ok := doc["jwks_uri"]; ok {
		t.Error("jwks_uri listed in HS256 mode")
	}
	b.SetJWKSURL("http://127.0.0.1:9/jwks")
	if _, doc = get(); doc["jwks_uri"] != "http://127.0.0.1:9/jwks" {
		t.Errorf("jwks_uri %v after SetJWKSURL", doc["jwks_uri"])
	}

	// An issuer that is not a URL has no metadata.
	named, err := fakebackend.New(fakebackend.Config{Secret: make([]byte, 32), Issuer: "core-app",
		Audience: audience, ClientID: clientID, ClientSecret: "s"})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	named.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, fakebackend.WellKnownAS, nil))
	if rec.Code != http.StatusNotFound {
		t.Errorf("issuer core-app: HTTP %d, want 404", rec.Code)
	}
}
