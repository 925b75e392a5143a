package refserver_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/mcpauthspec/mcpauthspec/harness"
)

func TestSessionsAreBoundToTheirUser(t *testing.T) {
	st := newStack(t, harness.EmbeddedOptions{})
	alice := harness.BearerHeader(st.token("alice"))
	sess := st.open(alice)
	if sess.ID == "" {
		t.Fatal("the reference server issues session ids")
	}
	call := func(creds harness.Credentials, id string) (*harness.Response, *harness.ToolResult) {
		t.Helper()
		resp, result, err := st.client.CallTool(context.Background(), &harness.Session{ID: id}, creds, "whoami", nil)
		if err != nil {
			t.Fatal(err)
		}
		return resp, result
	}
	tests := []struct {
		name   string
		creds  harness.Credentials
		id     string
		status int
	}{
		{"owner", alice, sess.ID, http.StatusOK},
		{"owner with a fresh token", harness.BearerHeader(st.token("alice")), sess.ID, http.StatusOK},
		{"same organization, other user", harness.BearerHeader(st.token("bob")), sess.ID, http.StatusNotFound},
		{"other organization", harness.BearerHeader(st.token("carol")), sess.ID, http.StatusNotFound},
		{"no token", harness.NoCredentials, sess.ID, http.StatusUnauthorized},
		{"unknown session", alice, "not-a-session", http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, result := call(tt.creds, tt.id)
			if resp.Status != tt.status {
				t.Fatalf("HTTP %d, want %d: %s", resp.Status, tt.status, resp.Body)
			}
			if tt.status == http.StatusOK && !strings.Contains(result.Text, `"user-alice"`) {
				t.Errorf("owner's call answered %q", result.Text)
			}
		})
	}

	// After DELETE the session is gone, for its owner too.
	resp, err := st.client.Do(context.Background(), harness.Exchange{Method: http.MethodDelete, Session: sess.ID, Creds: alice})
	if err != nil || resp.Status != http.StatusOK {
		t.Fatalf("DELETE: %v %+v", err, resp)
	}
	if resp, _ := call(alice, sess.ID); resp.Status != http.StatusNotFound {
		t.Errorf("deleted session: HTTP %d, want 404", resp.Status)
	}
}
