package refserver_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/mcpauthspec/mcpauthspec/fakebackend"
	"github.com/mcpauthspec/mcpauthspec/harness"
	"github.com/mcpauthspec/mcpauthspec/refserver"
)

// toolArgs are valid arguments for each tool, in org-acme.
func toolArgs(f harness.Fixtures) map[string]map[string]any {
	return map[string]map[string]any{
		"whoami":            {},
		"list_tickets":      {"status": "open"},
		"get_ticket":        {"ticket_id": f.AcmeTicket},
		"create_ticket":     {"title": "printer on fire", "priority": "high"},
		"update_ticket":     {"ticket_id": f.AcmeTicket, "status": "in_progress"},
		"delete_ticket":     {"ticket_id": fakebackend.SeedTickets["org-acme"][4]},
		"list_integrations": {},
		"sync_integration":  {"integration_id": f.AcmeIntegration},
		"system_status":     {},
	}
}

// Each tool × each scope set: allowed calls succeed, others get 403
// insufficient_scope with the needed scope, and the backend sees nothing.
func TestToolAuthorization(t *testing.T) {
	st := newStack(t, harness.EmbeddedOptions{})
	args := toolArgs(st.target.Fixtures)
	for _, name := range []string{"alice", "bob", "erin", "gina"} { // all three, read, write, none
		u := harness.Users[name]
		for _, tool := range harness.ContractTools {
			t.Run(name+"/"+tool, func(t *testing.T) {
				if err := st.target.Backend.Reset(context.Background()); err != nil {
					t.Fatal(err)
				}
				scope, _ := refserver.RequiredScope(tool)
				allowed := scope == "" || slices.Contains(u.Scopes, scope)
				creds := harness.BearerHeader(st.token(name))
				sess := st.open(creds)
				st.resetRecording()
				resp, result, err := st.client.CallTool(context.Background(), sess, creds, tool, args[tool])
				if err != nil {
					t.Fatal(err)
				}
				if allowed {
					if resp.Status != 200 || result == nil || result.IsError {
						t.Fatalf("allowed call: HTTP %d %s %+v", resp.Status, resp.Body, result)
					}
					return
				}
				wantChallenge := fmt.Sprintf(`Bearer error="insufficient_scope", error_description="the tool needs scope %s", scope="%s", resource_metadata="%s/.well-known/oauth-protected-resource/mcp"`, scope, scope, st.target.BaseURL)
				if resp.Status != http.StatusForbidden || resp.Header.Get("WWW-Authenticate") != wantChallenge {
					t.Errorf("refused call: HTTP %d %q\nwant 403 %q", resp.Status, resp.Header.Get("WWW-Authenticate"), wantChallenge)
				}
				if reqs := st.requests(); len(reqs) != 0 {
					t.Errorf("the backend was called on a refused call: %+v", reqs)
				}
			})
		}
	}
}

// tools/list shows every tool whatever the caller's scopes: a client can
// only ask for the scope it needs (step-up, MCP 2025-11-25) if it knows the
// tool exists. Refusal happens at tools/call.
func TestToolsListShowsAllTools(t *testing.T) {
	st := newStack(t, harness.EmbeddedOptions{})
	creds := harness.BearerHeader(st.token("gina"))
	sess := st.open(creds)
	resp, err := st.client.Do(context.Background(), harness.Exchange{Session: sess.ID, Creds: creds, Message: &harness.Message{ID: 9, Method: "tools/list"}})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := resp.RPCResult(9)
	if err != nil {
		t.Fatal(err)
	}
	var list struct {
		Tools []struct{ Name string } `json:"tools"`
	}
	if err := json.Unmarshal(raw, &list); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tl := range list.Tools {
		names = append(names, tl.Name)
	}
	slices.Sort(names)
	want := slices.Sorted(slices.Values(harness.ContractTools))
	if !slices.Equal(names, want) {
		t.Errorf("tools/list for a caller without scopes = %v, want %v", names, want)
	}
}

// A 404 from the backend, for another organization's id or a missing one,
// becomes the same "not found" tool error.
func TestNotFoundHidesOtherOrganizations(t *testing.T) {
	st := newStack(t, harness.EmbeddedOptions{})
	creds := harness.BearerHeader(st.token("alice"))
	sess := st.open(creds)
	f := st.target.Fixtures
	var texts []string
	for _, id := range []string{f.GlobexTicket, f.MissingTicket} {
		_, result, err := st.client.CallTool(context.Background(), sess, creds, "get_ticket", map[string]any{"ticket_id": id})
		if err != nil {
			t.Fatal(err)
		}
		if result == nil || !result.IsError {
			t.Fatalf("get_ticket %s: %+v, want a tool error", id, result)
		}
		texts = append(texts, strings.ReplaceAll(result.Text, id, "<id>"))
	}
	if texts[0] != texts[1] {
		t.Errorf("another organization's ticket answers %q, a missing one %q", texts[0], texts[1])
	}
}

func TestWhoamiAndConcurrentIdentity(t *testing.T) {
	st := newStack(t, harness.EmbeddedOptions{})
	users := []string{"alice", "bob", "carol", "dave"}
	sessions := map[string]*harness.Session{}
	for _, name := range users {
		sessions[name] = st.open(harness.BearerHeader(st.token(name)))
	}
	var wg sync.WaitGroup
	errs := make(chan error, 200)
	for i := range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			name := users[i%len(users)]
			sess := sessions[name]
			_, result, err := st.client.CallTool(context.Background(), sess, sess.Creds, "whoami", nil)
			if err != nil || result == nil || result.IsError {
				errs <- fmt.Errorf("%s: %v %+v", name, err, result)
				return
			}
			var who struct {
				UserID string   `json:"user_id"`
				OrgID  string   `json:"org_id"`
				Scopes []string `json:"scopes"`
			}
			_ = json.Unmarshal([]byte(result.Text), &who)
			u := harness.Users[name]
			if who.UserID != u.Subject || who.OrgID != u.OrgID || !slices.Equal(who.Scopes, u.Scopes) {
				errs <- fmt.Errorf("%s saw %+v", name, who)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
