package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// backend calls the core app's REST API (target contract §5) with a token
// obtained by RFC 8693 token exchange: the MCP specification forbids
// passing the client's own token through.
type backend struct {
	cfg  config
	http *http.Client
}

func newBackend(cfg config) *backend {
	return &backend{cfg: cfg, http: &http.Client{Timeout: cfg.timeout}}
}

// exchange trades the caller's token for a core-api token of the same user
// (RFC 8693 §2.1), authenticating with client_secret_basic.
func (b *backend) exchange(ctx context.Context, subjectToken string) (string, error) {
	form := url.Values{
		"grant_type":         {"urn:ietf:params:oauth:grant-type:token-exchange"},
		"subject_token":      {subjectToken},
		"subject_token_type": {"urn:ietf:params:oauth:token-type:access_token"},
		"audience":           {"core-api"},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, b.cfg.tokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(b.cfg.clientID), url.QueryEscape(b.cfg.clientSecret))
	resp, err := b.http.Do(req)
	if err != nil {
		return "", fmt.Errorf("token exchange failed")
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("token exchange failed with status %d", resp.StatusCode)
	}
	var out struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || out.AccessToken == "" {
		return "", fmt.Errorf("token exchange returned no access token")
	}
	return out.AccessToken, nil
}

// call sends one API request on behalf of the caller and returns the body.
func (b *backend) call(ctx context.Context, callerToken, method, path string, body any) (string, error) {
	token, err := b.exchange(ctx, callerToken)
	if err != nil {
		return "", err
	}
	var reader io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return "", err
		}
		reader = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, b.cfg.backendURL+path, reader)
	if err != nil {
		return "", err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := b.http.Do(req)
	if err != nil {
		return "", fmt.Errorf("backend request failed")
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", fmt.Errorf("backend request failed")
	}
	if resp.StatusCode >= 300 {
		return "", fmt.Errorf("backend returned %d: %s", resp.StatusCode, strings.TrimSpace(string(data)))
	}
	if len(data) == 0 {
		return "{}", nil
	}
	return string(data), nil
}
