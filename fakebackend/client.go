package fakebackend

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// AdminClient drives the admin endpoints of a fakebackend running elsewhere,
// such as in a container.
type AdminClient struct {
	BaseURL string       // e.g. http://127.0.0.1:18081, without /_admin
	HTTP    *http.Client // nil: a client with a 10 s timeout
}

var defaultAdminHTTP = &http.Client{Timeout: 10 * time.Second}

// Requests returns the recording, oldest first.
func (c *AdminClient) Requests(ctx context.Context) ([]Request, error) {
	var reqs []Request
	if err := c.do(ctx, http.MethodGet, "/_admin/requests", nil, http.StatusOK, &reqs); err != nil {
		return nil, err
	}
	return reqs, nil
}

// ResetRecording clears the recording.
func (c *AdminClient) ResetRecording(ctx context.Context) error {
	return c.do(ctx, http.MethodDelete, "/_admin/requests", nil, http.StatusNoContent, nil)
}

// Reset restores the seed data and clears the recording and any fault.
func (c *AdminClient) Reset(ctx context.Context) error {
	return c.do(ctx, http.MethodPost, "/_admin/reset", nil, http.StatusNoContent, nil)
}

// SetFault sets f, or clears the fault when f.Kind is "". Delay and For
// travel in whole milliseconds, rounded up.
func (c *AdminClient) SetFault(ctx context.Context, f Fault) error {
	body, err := json.Marshal(f.normalized())
	if err != nil {
		return err
	}
	return c.do(ctx, http.MethodPut, "/_admin/fault", body, http.StatusNoContent, nil)
}

func (c *AdminClient) do(ctx context.Context, method, path string, body []byte, want int, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(c.BaseURL, "/")+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	hc := c.HTTP
	if hc == nil {
		hc = defaultAdminHTTP
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("fakebackend admin %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("fakebackend admin %s %s: %w", method, path, err)
	}
	if resp.StatusCode != want {
		return fmt.Errorf("fakebackend admin %s %s: status %d: %s", method, path, resp.StatusCode, bytes.TrimSpace(data[:min(len(data), 512)]))
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("fakebackend admin %s %s: %w", method, path, err)
		}
	}
	return nil
}
