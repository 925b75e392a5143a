package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Errors of backend calls. Their text becomes the tool error the client
// sees: fixed words, never a token, and a 404 never says whether the id
// exists in another organization.
var (
	errNotFound           = errors.New("not found")
	errBackendAuth        = errors.New("the backend refused the credentials")
	errBackendForbidden   = errors.New("the backend denied access")
	errBackendBadRequest  = errors.New("the backend rejected the request")
	errBackendUnavailable = errors.New("the backend is unavailable")
	errBackendTimeout     = errors.New("the backend did not answer in time")
)

// maxBackendBody bounds what is read of a backend answer.
const maxBackendBody = 4 << 20

// backend calls the core app's REST API (contract §5) as the caller, with a
// token from the exchanger.
type backend struct {
	base     string
	http     *http.Client
	exchange func(ctx context.Context, subjectToken string) (string, error)
}

// newHTTPClient returns a client with a timeout on every call and no
// redirects: a redirect could carry the bearer token to another host.
func newHTTPClient(timeout time.Duration) *http.Client {
	return &http.Client{
		Timeout:       timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// call sends one API request as the owner of clientToken and returns the
// JSON answer (nil for 204).
func (b *backend) call(ctx context.Context, clientToken, method, path string, query url.Values, body any) (json.RawMessage, error) {
	token, err := b.exchange(ctx, clientToken)
	if err != nil {
		return nil, err
	}
	target := b.base + path
	if len(query) > 0 {
		target += "?" + query.Encode()
	}
	var reader io.Reader
	if body != nil {
		buf, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		reader = bytes.NewReader(buf)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, reader)
	if err != nil {
		return nil, errBackendUnavailable
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := b.http.Do(req)
	if err != nil {
		return nil, transportError(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBackendBody))
	if err != nil {
		return nil, transportError(err)
	}
	switch s := resp.StatusCode; {
	case s == http.StatusNoContent:
		return nil, nil
	case s >= 200 && s < 300:
		if !json.Valid(data) {
			return nil, fmt.Errorf("%w: the answer is not JSON", errBackendUnavailable)
		}
		return data, nil
	case s == http.StatusNotFound:
		return nil, errNotFound
	case s == http.StatusUnauthorized:
		return nil, errBackendAuth
	case s == http.StatusForbidden:
		return nil, errBackendForbidden
	case s >= 400 && s < 500:
		return nil, fmt.Errorf("%w: %s", errBackendBadRequest, backendMessage(data))
	default:
		return nil, fmt.Errorf("%w: status %d", errBackendUnavailable, s)
	}
}

// backendMessage passes on the "error" text of a 4xx answer (contract §5:
// {"error": "...", "code": "..."}), short and printable only.
func backendMessage(data []byte) string {
	var e struct {
		Error string `json:"error"`
	}
	if json.Unmarshal(data, &e) != nil || e.Error == "" || len(e.Error) > 200 {
		return "invalid request"
	}
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, e.Error)
}

// transportError classifies a failed round trip without its text, which
// names the URL.
func transportError(err error) error {
	var netErr net.Error
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &netErr) && netErr.Timeout()) {
		return errBackendTimeout
	}
	if errors.Is(err, context.Canceled) {
		return context.Canceled
	}
	return errBackendUnavailable
}
