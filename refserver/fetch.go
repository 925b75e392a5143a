package refserver

import (
	"errors"
	"net"
	"net/http"
	"net/url"
	"time"
)

var (
	errOtherURL = errors.New("HTTP client: only the configured URL is fetched")
	errRedirect = errors.New("HTTP client: redirects are not followed")
)

// oneURLClient fetches u and nothing else: no redirect (whoever controls the
// server at u, or an open redirect on it, would choose the answer), no other
// URL, every phase bounded by timeout and the body by maxBytes. The JWKS
// verifier fetches its key set with it.
func oneURLClient(u *url.URL, timeout time.Duration, maxBytes int64) *http.Client {
	dialer := &net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}
	return &http.Client{
		Timeout:       timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return errRedirect },
		Transport: &oneURLTransport{
			url:      u.String(),
			maxBytes: maxBytes,
			next: &http.Transport{
				Proxy:                 http.ProxyFromEnvironment,
				DialContext:           dialer.DialContext,
				TLSHandshakeTimeout:   timeout,
				ResponseHeaderTimeout: timeout,
				MaxIdleConns:          2,
				IdleConnTimeout:       90 * time.Second,
				ForceAttemptHTTP2:     true,
			},
		},
	}
}

type oneURLTransport struct {
	url      string
	maxBytes int64
	next     http.RoundTripper
}

func (t *oneURLTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.String() != t.url {
		return nil, errOtherURL
	}
	resp, err := t.next.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	// Past the limit the read fails: a cut-off answer must not parse as a
	// smaller valid one.
	resp.Body = http.MaxBytesReader(nil, resp.Body, t.maxBytes)
	return resp, nil
}
