package refserver_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/mcpauthspec/mcpauthspec/fakebackend"
	"github.com/mcpauthspec/mcpauthspec/harness"
)

// stack is the reference server and its fake backend on loopback, with a
// client and an issuer, for tests that go through HTTP as real clients do.
type stack struct {
	t      *testing.T
	target *harness.Target
	client *harness.Client
}

func newStack(t *testing.T, opts harness.EmbeddedOptions) *stack {
	t.Helper()
	target, err := harness.StartEmbedded(context.Background(), opts)
	if target != nil {
		t.Cleanup(func() { _ = target.Close() })
	}
	if err != nil {
		t.Fatal(err)
	}
	return &stack{t: t, target: target, client: harness.NewClient(target.MCPURL)}
}

func (s *stack) token(name string) string {
	s.t.Helper()
	u, err := harness.LookupUser(name)
	if err != nil {
		s.t.Fatal(err)
	}
	tok, err := s.target.Issuer.Token(u)
	if err != nil {
		s.t.Fatal(err)
	}
	return tok
}

// open opens a session as name, failing the test if it cannot.
func (s *stack) open(creds harness.Credentials) *harness.Session {
	s.t.Helper()
	sess, resp, err := s.client.Open(context.Background(), creds)
	if err != nil {
		s.t.Fatal(err)
	}
	if sess == nil {
		s.t.Fatalf("initialize refused: HTTP %d %s", resp.Status, resp.Body)
	}
	return sess
}

func (s *stack) requests() []fakebackend.Request {
	s.t.Helper()
	reqs, err := s.target.Backend.Requests(context.Background())
	if err != nil {
		s.t.Fatal(err)
	}
	return reqs
}

func (s *stack) resetRecording() {
	s.t.Helper()
	if err := s.target.Backend.ResetRecording(context.Background()); err != nil {
		s.t.Fatal(err)
	}
}

func (s *stack) get(path string) *http.Response {
	s.t.Helper()
	resp, err := http.Get(s.target.BaseURL + path)
	if err != nil {
		s.t.Fatal(err)
	}
	s.t.Cleanup(func() { resp.Body.Close() })
	return resp
}
