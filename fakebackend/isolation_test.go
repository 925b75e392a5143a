package fakebackend_test

import (
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mcpauthspec/mcpauthspec/fakebackend"
)

func TestOrgIsolation(t *testing.T) {
	e := newEnv(t)
	acme := e.token(fakebackend.OrgAcme, "read write admin")
	globex := e.token(fakebackend.OrgGlobex, "read write admin")
	globexTicket := fakebackend.SeedTickets[fakebackend.OrgGlobex][0]
	globexIntegration := fakebackend.SeedIntegrations[fakebackend.OrgGlobex][0]

	tests := []struct {
		name, method, path, missingPath string
		body                            any
	}{
		{"get", http.MethodGet, "/api/tickets/" + globexTicket, "/api/tickets/TKT-9999", nil},
		{"patch", http.MethodPatch, "/api/tickets/" + globexTicket, "/api/tickets/TKT-9999", map[string]string{"status": "closed", "title": "pwned"}},
		{"delete", http.MethodDelete, "/api/tickets/" + globexTicket, "/api/tickets/TKT-9999", nil},
		{"sync", http.MethodPost, "/api/integrations/" + globexIntegration + "/sync", "/api/integrations/INT-9999/sync", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			other := e.call(tt.method, tt.path, acme, tt.body)
			missing := e.call(tt.method, tt.missingPath, acme, tt.body)
			if other.status != http.StatusNotFound {
				t.Fatalf("another org's object: status %d, want 404: %s", other.status, other.body)
			}
			if diff := cmp.Diff(missing, other, cmp.AllowUnexported(response{}), cmp.FilterPath(func(p cmp.Path) bool {
				return p.Last().String() == ".header" // Date may tick
			}, cmp.Ignore())); diff != "" {
				t.Errorf("another org's object and a missing one differ (-missing +other):\n%s", diff)
			}
			if got, want := other.header.Get("Content-Type"), missing.header.Get("Content-Type"); got != want {
				t.Errorf("Content-Type %q vs %q", got, want)
			}
		})
	}

	// Globex's objects are untouched.
	var ticket fakebackend.Ticket
	e.call(http.MethodGet, "/api/tickets/"+globexTicket, globex, nil).json(t, &ticket)
	if ticket.Status != "open" || ticket.Title == "pwned" || ticket.OrgID != fakebackend.OrgGlobex {
		t.Errorf("globex ticket changed: %+v", ticket)
	}
	var ints struct {
		Integrations []fakebackend.Integration `json:"integrations"`
	}
	e.call(http.MethodGet, "/api/integrations", globex, nil).json(t, &ints)
	for _, i := range ints.Integrations {
		if i.Status == "syncing" {
			t.Errorf("globex integration %s is syncing", i.ID)
		}
	}
}

func TestListsOnlyOwnOrg(t *testing.T) {
	e := newEnv(t)
	for _, org := range []string{fakebackend.OrgAcme, fakebackend.OrgGlobex, "org-initech"} {
		t.Run(org, func(t *testing.T) {
			tok := e.token(org, "read")
			var l ticketList
			e.call(http.MethodGet, "/api/tickets?page_size=100", tok, nil).json(t, &l)
			want := fakebackend.SeedTickets[org]
			if want == nil {
				want = []string{}
			}
			if diff := cmp.Diff(want, ids(l.Tickets)); diff != "" {
				t.Errorf("ticket ids (-want +got):\n%s", diff)
			}
			for _, tk := range l.Tickets {
				if tk.OrgID != org {
					t.Errorf("ticket %s of %s listed", tk.ID, tk.OrgID)
				}
			}
			var ints struct {
				Integrations []fakebackend.Integration `json:"integrations"`
			}
			e.call(http.MethodGet, "/api/integrations", tok, nil).json(t, &ints)
			gotInts := []string{}
			for _, i := range ints.Integrations {
				gotInts = append(gotInts, i.ID)
			}
			wantInts := fakebackend.SeedIntegrations[org]
			if wantInts == nil {
				wantInts = []string{}
			}
			if diff := cmp.Diff(wantInts, gotInts); diff != "" {
				t.Errorf("integration ids (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCreateLandsInOwnOrg(t *testing.T) {
	e := newEnv(t)
	c := e.claims("read write")
	c["sub"] = "user-bob"
	acme := e.sign(c)
	globex := e.token(fakebackend.OrgGlobex, "read write")

	resp := e.call(http.MethodPost, "/api/tickets", acme, map[string]string{
		"title": "Smuggled", "org_id": fakebackend.OrgGlobex, "created_by": "user-mallory", "id": "TKT-2001", "status": "closed",
	})
	if resp.status != http.StatusCreated {
		t.Fatalf("status %d: %s", resp.status, resp.body)
	}
	var tk fakebackend.Ticket
	resp.json(t, &tk)
	want := fakebackend.Ticket{ID: "TKT-5001", OrgID: fakebackend.OrgAcme, Title: "Smuggled", Status: "open", Priority: "medium", CreatedBy: "user-bob"}
	if diff := cmp.Diff(want, tk); diff != "" {
		t.Errorf("created (-want +got):\n%s", diff)
	}
	if resp := e.call(http.MethodGet, "/api/tickets/"+tk.ID, globex, nil); resp.status != http.StatusNotFound {
		t.Errorf("globex sees acme's new ticket: status %d", resp.status)
	}
	var l ticketList
	e.call(http.MethodGet, "/api/tickets", globex, nil).json(t, &l)
	if l.Total != len(fakebackend.SeedTickets[fakebackend.OrgGlobex]) {
		t.Errorf("globex has %d tickets", l.Total)
	}
	// The id in the body did not overwrite globex's ticket.
	var g fakebackend.Ticket
	e.call(http.MethodGet, "/api/tickets/TKT-2001", globex, nil).json(t, &g)
	if g.OrgID != fakebackend.OrgGlobex || g.Title == "Smuggled" {
		t.Errorf("TKT-2001 is now %+v", g)
	}
}
