package refserver

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

// Errors of backend calls. Tools turn them into tool errors whose text is
// fixed: it never carries a token, and a 404 never says whether the id exists
// in another organization.
var (
	ErrNotFound           = errors.New("not found")
	ErrBackendAuth        = errors.New("the backend refused the credentials")
	ErrBackendForbidden   = errors.New("the backend denied access")
	ErrBackendBadRequest  = errors.New("the backend rejected the request")
	ErrBackendUnavailable = errors.New("the backend is unavailable")
	ErrBackendTimeout     = errors.New("the backend did not answer in time")
)

// maxBackendBody bounds what is read of a backend answer.
const maxBackendBody = 4 << 20

// backendClient calls the core app's REST API (target contract §5) on the
// caller's behalf, with the token its BackendTokenSource gives for the
// caller's token.
type backendClient struct {
	base   string
	http   *http.Client
	tokens BackendTokenSource
	caller CallerContext // where the caller's token comes from
}

// newHTTPClient returns a client with a timeout on every call, and no
// redirects: a redirect could carry the bearer token to another host.
func newHTTPClient(timeout time.Duration) *http.Client {
	return &http.Client{
		Timeout: timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// do sends one API request and decodes the JSON answer into a raw message.
// A 204 answer yields nil.
func (b *backendClient) do(ctx context.Context, method, path string, query url.Values, body any) (json.RawMessage, error) {
	_, clientToken := b.caller.Caller(ctx)
	token, err := b.tokens(ctx, clientToken)
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
		return nil, fmt.Errorf("%w: bad request", ErrBackendUnavailable)
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
	switch {
	case resp.StatusCode == http.StatusNoContent:
		return nil, nil
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		if !json.Valid(data) {
			return nil, fmt.Errorf("%w: answer is not JSON", ErrBackendUnavailable)
		}
		return data, nil
	case resp.StatusCode == http.StatusNotFound:
		return nil, ErrNotFound
	case resp.StatusCode == http.StatusUnauthorized:
		return nil, ErrBackendAuth
	case resp.StatusCode == http.StatusForbidden:
		return nil, ErrBackendForbidden
	case resp.StatusCode >= 400 && resp.StatusCode < 500:
		return nil, fmt.Errorf("%w: %s", ErrBackendBadRequest, backendMessage(data))
	default:
		return nil, fmt.Errorf("%w: status %d", ErrBackendUnavailable, resp.StatusCode)
	}
}

// backendMessage returns the backend's error text for a 4xx, which the
// contract makes {"error": "...", "code": "..."}; only a short printable
// message is passed on.
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

// transportError classifies a failed round trip without passing on its text,
// which names the URL.
func transportError(err error) error {
	var netErr net.Error
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &netErr) && netErr.Timeout()) {
		return ErrBackendTimeout
	}
	if errors.Is(err, context.Canceled) {
		return context.Canceled
	}
	return ErrBackendUnavailable
}
