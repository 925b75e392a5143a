package fakebackend_test

import (
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/mcpauthspec/mcpauthspec/fakebackend"
)

// TestConcurrentUse is for -race: creates, updates, exchanges, recording
// reads and fault changes all at once.
func TestConcurrentUse(t *testing.T) {
	e := newEnv(t)
	const workers, perWorker = 8, 15
	orgs := []string{fakebackend.OrgAcme, fakebackend.OrgGlobex}
	toks := map[string]string{}
	for _, org := range orgs {
		toks[org] = e.token(org, "read write admin")
	}

	var mu sync.Mutex
	created := map[string]string{} // id -> org
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			org := orgs[w%2]
			for i := range perWorker {
				resp := e.call(http.MethodPost, "/api/tickets", toks[org], map[string]string{"title": fmt.Sprintf("w%d-%d", w, i)})
				if resp.status != http.StatusCreated {
					t.Errorf("create: status %d", resp.status)
					return
				}
				var tk fakebackend.Ticket
				resp.json(t, &tk)
				mu.Lock()
				if _, dup := created[tk.ID]; dup {
					t.Errorf("id %s issued twice", tk.ID)
				}
				created[tk.ID] = org
				mu.Unlock()
				e.call(http.MethodPatch, "/api/tickets/"+tk.ID, toks[org], map[string]string{"status": "closed"})
				e.call(http.MethodGet, "/api/tickets?page_size=100", toks[org], nil)
				if i%5 == 0 {
					// The fault toggler may be on: either answer is fine.
					if s := e.postToken(exchangeForm(toks[org]), true).status; s != 200 && s != 500 {
						t.Errorf("exchange: status %d", s)
					}
					e.b.Requests()
				}
			}
		})
	}
	wg.Go(func() {
		for range 20 {
			e.b.SetFault(fakebackend.Fault{Kind: "500", Paths: "token", ForMS: 1})
			e.b.SetFault(fakebackend.Fault{})
		}
	})
	wg.Wait()
	if t.Failed() {
		return
	}

	for _, org := range orgs {
		var l ticketList
		e.call(http.MethodGet, "/api/tickets?status=closed&page_size=100", toks[org], nil).json(t, &l)
		n := 0
		for _, o := range created {
			if o == org {
				n++
			}
		}
		seedClosed := 1
		if l.Total != n+seedClosed {
			t.Errorf("%s: %d closed tickets, want %d", org, l.Total, n+seedClosed)
		}
	}
}
