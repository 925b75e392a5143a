package fakebackend_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/mcpauthspec/mcpauthspec/fakebackend"
)

// endpoints is every API route, with the scope it needs ("" for any valid
// token) and the status of success.
var endpoints = []struct {
	method, path string
	body         any
	scope        string
	ok           int
}{
	{http.MethodGet, "/api/tickets", nil, "read", http.StatusOK},
	{http.MethodGet, "/api/tickets/TKT-1001", nil, "read", http.StatusOK},
	{http.MethodPost, "/api/tickets", map[string]string{"title": "t"}, "write", http.StatusCreated},
	{http.MethodPatch, "/api/tickets/TKT-1001", map[string]string{"status": "closed"}, "write", http.StatusOK},
	{http.MethodDelete, "/api/tickets/TKT-1001", nil, "admin", http.StatusNoContent},
	{http.MethodGet, "/api/integrations", nil, "read", http.StatusOK},
	{http.MethodPost, "/api/integrations/INT-1001/sync", nil, "write", http.StatusAccepted},
	{http.MethodGet, "/api/users/me", nil, "", http.StatusOK},
	{http.MethodGet, "/api/system/status", nil, "admin", http.StatusOK},
}

func TestScopes(t *testing.T) {
	e := newEnv(t)
	// No scope implies another, and scopes match exactly.
	scopeSets := []string{"", "read", "write", "admin", "read write admin", "READ WRITE ADMIN", "readonly read:tickets writer administrator"}
	for _, ep := range endpoints {
		for _, scope := range scopeSets {
			t.Run(ep.method+" "+ep.path+" scope="+scope, func(t *testing.T) {
				e.b.Reset()
				want := http.StatusForbidden
				if ep.scope == "" || strings.Contains(" "+scope+" ", " "+ep.scope+" ") {
					want = ep.ok
				}
				resp := e.call(ep.method, ep.path, e.token(fakebackend.OrgAcme, scope), ep.body)
				if resp.status != want {
					t.Fatalf("status %d, want %d: %s", resp.status, want, resp.body)
				}
				if want == http.StatusForbidden {
					if got := resp.code(t); got != "insufficient_scope" {
						t.Errorf("code %q, want insufficient_scope", got)
					}
					if ch := resp.header.Get("WWW-Authenticate"); !strings.Contains(ch, `error="insufficient_scope"`) {
						t.Errorf("WWW-Authenticate %q", ch)
					}
				}
			})
		}
	}
}

type ticketList struct {
	Tickets  []fakebackend.Ticket `json:"tickets"`
	Page     int                  `json:"page"`
	PageSize int                  `json:"page_size"`
	Total    int                  `json:"total"`
}

func ids(ts []fakebackend.Ticket) []string {
	out := []string{}
	for _, t := range ts {
		out = append(out, t.ID)
	}
	return out
}

func TestListTickets(t *testing.T) {
	e := newEnv(t)
	tok := e.token(fakebackend.OrgAcme, "read")
	type page struct {
		IDs                   []string
		Page, PageSize, Total int
	}
	tests := []struct {
		query string
		want  page
	}{
		{"", page{fakebackend.SeedTickets[fakebackend.OrgAcme], 1, 10, 5}},
		{"?status=&page=&page_size=", page{fakebackend.SeedTickets[fakebackend.OrgAcme], 1, 10, 5}},
		{"?page=2&page_size=2", page{[]string{"TKT-1003", "TKT-1004"}, 2, 2, 5}},
		{"?page=3&page_size=2", page{[]string{"TKT-1005"}, 3, 2, 5}},
		{"?page=9&page_size=2", page{[]string{}, 9, 2, 5}},
		{"?page_size=100", page{fakebackend.SeedTickets[fakebackend.OrgAcme], 1, 100, 5}},
		{"?status=open", page{[]string{"TKT-1001", "TKT-1004", "TKT-1005"}, 1, 10, 3}},
		{"?status=closed", page{[]string{"TKT-1003"}, 1, 10, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			resp := e.call(http.MethodGet, "/api/tickets"+tt.query, tok, nil)
			if resp.status != http.StatusOK {
				t.Fatalf("status %d: %s", resp.status, resp.body)
			}
			if !strings.Contains(string(resp.body), `"tickets":[`) {
				t.Errorf("tickets is not an array: %s", resp.body)
			}
			var l ticketList
			resp.json(t, &l)
			got := page{ids(l.Tickets), l.Page, l.PageSize, l.Total}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestBadRequests(t *testing.T) {
	e := newEnv(t)
	tok := e.token(fakebackend.OrgAcme, "read write")
	long := strings.Repeat("x", 201)
	tests := []struct {
		name, method, path string
		body               any
		status             int
	}{
		{"page 0", http.MethodGet, "/api/tickets?page=0", nil, 400},
		{"page not a number", http.MethodGet, "/api/tickets?page=x", nil, 400},
		{"negative page", http.MethodGet, "/api/tickets?page=-1", nil, 400},
		{"page_size 0", http.MethodGet, "/api/tickets?page_size=0", nil, 400},
		{"page_size 101", http.MethodGet, "/api/tickets?page_size=101", nil, 400},
		{"bad status", http.MethodGet, "/api/tickets?status=done", nil, 400},
		{"status case", http.MethodGet, "/api/tickets?status=OPEN", nil, 400},
		{"create without title", http.MethodPost, "/api/tickets", map[string]string{"description": "d"}, 400},
		{"create blank title", http.MethodPost, "/api/tickets", map[string]string{"title": "  "}, 400},
		{"create long title", http.MethodPost, "/api/tickets", map[string]string{"title": long}, 400},
		{"create bad priority", http.MethodPost, "/api/tickets", map[string]string{"title": "t", "priority": "urgent"}, 400},
		{"create title not a string", http.MethodPost, "/api/tickets", map[string]any{"title": 7}, 400},
		{"create not JSON", http.MethodPost, "/api/tickets", "title=t", 400},
		{"create two objects", http.MethodPost, "/api/tickets", `{"title":"a"}{"title":"b"}`, 400},
		{"create too large", http.MethodPost, "/api/tickets", `{"title":"t","description":"` + strings.Repeat("x", 1<<20) + `"}`, 413},
		{"patch bad status", http.MethodPatch, "/api/tickets/TKT-1001", map[string]string{"status": "done"}, 400},
		{"patch bad priority", http.MethodPatch, "/api/tickets/TKT-1001", map[string]string{"priority": "HIGH"}, 400},
		{"patch blank title", http.MethodPatch, "/api/tickets/TKT-1001", map[string]string{"title": ""}, 400},
		{"patch no body", http.MethodPatch, "/api/tickets/TKT-1001", nil, 400},
		{"unknown route", http.MethodGet, "/api/nothing", nil, 404},
		{"unknown method", http.MethodPut, "/api/tickets/TKT-1001", map[string]string{}, 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := e.call(tt.method, tt.path, tok, tt.body)
			if resp.status != tt.status {
				t.Fatalf("status %d, want %d: %.200s", resp.status, tt.status, resp.body)
			}
			want := map[int]string{400: "invalid_request", 404: "not_found", 413: "request_too_large"}[tt.status]
			if got := resp.code(t); got != want {
				t.Errorf("code %q, want %q", got, want)
			}
		})
	}
	// A rejected request changes nothing.
	resp := e.call(http.MethodGet, "/api/tickets/TKT-1001", tok, nil)
	var got fakebackend.Ticket
	resp.json(t, &got)
	if got.Status != "open" || got.Priority != "high" {
		t.Errorf("TKT-1001 changed: %+v", got)
	}
}

func TestTicketLifecycle(t *testing.T) {
	e := newEnv(t)
	tok := e.token(fakebackend.OrgAcme, "read write admin")

	resp := e.call(http.MethodPost, "/api/tickets", tok, map[string]string{"title": "Printer on fire", "description": "again"})
	if resp.status != http.StatusCreated {
		t.Fatalf("create: status %d: %s", resp.status, resp.body)
	}
	var created fakebackend.Ticket
	resp.json(t, &created)
	want := fakebackend.Ticket{ID: "TKT-5001", OrgID: fakebackend.OrgAcme, Title: "Printer on fire", Description: "again",
		Status: "open", Priority: "medium", CreatedBy: "user-alice"}
	if diff := cmp.Diff(want, created); diff != "" {
		t.Errorf("created (-want +got):\n%s", diff)
	}

	resp = e.call(http.MethodPost, "/api/tickets", tok, map[string]string{"title": "Second", "priority": "low"})
	var second fakebackend.Ticket
	resp.json(t, &second)
	if second.ID != "TKT-5002" || second.Priority != "low" {
		t.Errorf("second ticket: %+v", second)
	}

	resp = e.call(http.MethodPatch, "/api/tickets/TKT-5001", tok, map[string]any{"status": "in_progress", "priority": "high", "title": nil})
	var patched fakebackend.Ticket
	resp.json(t, &patched)
	want.Status, want.Priority = "in_progress", "high"
	if diff := cmp.Diff(want, patched); diff != "" {
		t.Errorf("patched (-want +got):\n%s", diff)
	}
	resp = e.call(http.MethodPatch, "/api/tickets/TKT-5001", tok, map[string]any{})
	var unchanged fakebackend.Ticket
	resp.json(t, &unchanged)
	if diff := cmp.Diff(want, unchanged); diff != "" {
		t.Errorf("empty patch (-want +got):\n%s", diff)
	}

	if resp := e.call(http.MethodGet, "/api/tickets/TKT-5001", tok, nil); resp.status != http.StatusOK {
		t.Errorf("get: status %d", resp.status)
	}
	if resp := e.call(http.MethodDelete, "/api/tickets/TKT-5001", tok, nil); resp.status != http.StatusNoContent || len(resp.body) != 0 {
		t.Errorf("delete: status %d, body %q", resp.status, resp.body)
	}
	for _, m := range []string{http.MethodGet, http.MethodDelete} {
		if resp := e.call(m, "/api/tickets/TKT-5001", tok, nil); resp.status != http.StatusNotFound {
			t.Errorf("%s after delete: status %d", m, resp.status)
		}
	}

	e.b.Reset()
	resp = e.call(http.MethodPost, "/api/tickets", tok, map[string]string{"title": "After reset"})
	resp.json(t, &created)
	if created.ID != "TKT-5001" {
		t.Errorf("after Reset the first new id is %s, want TKT-5001", created.ID)
	}
	var l ticketList
	e.call(http.MethodGet, "/api/tickets", tok, nil).json(t, &l)
	if l.Total != 6 {
		t.Errorf("after Reset and one create, total %d, want 6", l.Total)
	}
}

func TestIntegrationsAndSystem(t *testing.T) {
	e := newEnv(t)
	tok := e.token(fakebackend.OrgAcme, "read write admin")

	resp := e.call(http.MethodPost, "/api/integrations/INT-1002/sync", tok, nil)
	if resp.status != http.StatusAccepted {
		t.Fatalf("sync: status %d: %s", resp.status, resp.body)
	}
	var synced map[string]string
	resp.json(t, &synced)
	if diff := cmp.Diff(map[string]string{"id": "INT-1002", "status": "syncing"}, synced); diff != "" {
		t.Errorf("sync (-want +got):\n%s", diff)
	}

	var list struct {
		Integrations []fakebackend.Integration `json:"integrations"`
	}
	e.call(http.MethodGet, "/api/integrations", tok, nil).json(t, &list)
	want := []fakebackend.Integration{
		{ID: "INT-1001", OrgID: fakebackend.OrgAcme, Kind: "github", Status: "active"},
		{ID: "INT-1002", OrgID: fakebackend.OrgAcme, Kind: "slack", Status: "syncing"},
	}
	if diff := cmp.Diff(want, list.Integrations); diff != "" {
		t.Errorf("integrations (-want +got):\n%s", diff)
	}

	var status map[string]string
	e.call(http.MethodGet, "/api/system/status", tok, nil).json(t, &status)
	if diff := cmp.Diff(map[string]string{"status": "ok", "version": "fakebackend/1"}, status); diff != "" {
		t.Errorf("system status (-want +got):\n%s", diff)
	}

	var me struct {
		UserID string   `json:"user_id"`
		OrgID  string   `json:"org_id"`
		Scopes []string `json:"scopes"`
	}
	e.call(http.MethodGet, "/api/users/me", e.token(fakebackend.OrgAcme, ""), nil).json(t, &me)
	if me.UserID != "user-alice" || me.OrgID != fakebackend.OrgAcme || me.Scopes == nil || len(me.Scopes) != 0 {
		t.Errorf("me without scopes: %+v", me)
	}
}

func TestSeed(t *testing.T) {
	seen := map[string]string{}
	for _, seed := range []map[string][]string{fakebackend.SeedTickets, fakebackend.SeedIntegrations} {
		for _, org := range []string{fakebackend.OrgAcme, fakebackend.OrgGlobex} {
			for _, id := range seed[org] {
				if other, dup := seen[id]; dup {
					t.Errorf("id %s in %s and %s", id, other, org)
				}
				seen[id] = org
			}
		}
	}
	want := map[string][]string{
		fakebackend.OrgAcme:   {"TKT-1001", "TKT-1002", "TKT-1003", "TKT-1004", "TKT-1005"},
		fakebackend.OrgGlobex: {"TKT-2001", "TKT-2002", "TKT-2003", "TKT-2004", "TKT-2005"},
	}
	if diff := cmp.Diff(want, fakebackend.SeedTickets, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("SeedTickets (-want +got):\n%s", diff)
	}
	if n := len(fakebackend.SeedIntegrations[fakebackend.OrgGlobex]); n < 2 {
		t.Errorf("globex has %d integrations", n)
	}
}
