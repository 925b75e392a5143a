package fakebackend

import (
	"cmp"
	"slices"
	"strconv"
	"sync"
)

// The seeded organizations.
const (
	OrgAcme   = "org-acme"
	OrgGlobex = "org-globex"
)

// Ticket states and priorities.
var (
	ticketStatuses   = []string{"open", "in_progress", "closed"}
	ticketPriorities = []string{"low", "medium", "high"}
)

// Ticket is the API's ticket.
type Ticket struct {
	ID          string `json:"id"`
	OrgID       string `json:"org_id"`
	Title       string `json:"title"`
	Description string `json:"description"`
	Status      string `json:"status"`
	Priority    string `json:"priority"`
	CreatedBy   string `json:"created_by"`
}

// Integration is the API's integration.
type Integration struct {
	ID     string `json:"id"`
	OrgID  string `json:"org_id"`
	Kind   string `json:"kind"`
	Status string `json:"status"`
}

// firstCreatedID is where new ticket ids start: far from the seed ids, so a
// created ticket never takes the id of a seeded one, in any organization.
const firstCreatedID = 5001

func seedTickets() []Ticket {
	return []Ticket{
		{"TKT-1001", OrgAcme, "Login page times out", "Users report a timeout after 30 s on the login page.", "open", "high", "user-alice"},
		{"TKT-1002", OrgAcme, "Export to CSV drops the last row", "The CSV export omits the final row of every report.", "in_progress", "medium", "user-alice"},
		{"TKT-1003", OrgAcme, "Typo on the billing page", "\"Reciept\" should read \"Receipt\".", "closed", "low", "user-bob"},
		{"TKT-1004", OrgAcme, "Slack notifications arrive twice", "Every ticket update posts two Slack messages.", "open", "medium", "user-bob"},
		{"TKT-1005", OrgAcme, "Dark mode contrast too low", "Secondary text fails WCAG AA in dark mode.", "open", "low", "user-alice"},
		{"TKT-2001", OrgGlobex, "Globex SSO certificate expires soon", "Rotate the SAML signing certificate before month end.", "open", "high", "user-carol"},
		{"TKT-2002", OrgGlobex, "Quarterly report totals wrong", "Q3 totals double-count refunded orders.", "in_progress", "high", "user-carol"},
		{"TKT-2003", OrgGlobex, "Add a Spanish locale", "Sales asks for es-ES translations.", "open", "low", "user-dave"},
		{"TKT-2004", OrgGlobex, "Webhook retries never stop", "Failed webhooks are retried forever.", "closed", "medium", "user-dave"},
		{"TKT-2005", OrgGlobex, "Audit log misses deletions", "Deleting a ticket leaves no audit entry.", "open", "medium", "user-carol"},
	}
}

func seedIntegrations() []Integration {
	return []Integration{
		{"INT-1001", OrgAcme, "github", "active"},
		{"INT-1002", OrgAcme, "slack", "idle"},
		{"INT-2001", OrgGlobex, "jira", "active"},
		{"INT-2002", OrgGlobex, "pagerduty", "idle"},
	}
}

// SeedTickets and SeedIntegrations name the seeded ids by organization, so
// that a test can name a real object of the other organization. Changing
// them does not change the seed.
var (
	SeedTickets      = seedIDs(seedTickets(), func(t Ticket) (string, string) { return t.OrgID, t.ID })
	SeedIntegrations = seedIDs(seedIntegrations(), func(i Integration) (string, string) { return i.OrgID, i.ID })
)

func seedIDs[T any](items []T, key func(T) (org, id string)) map[string][]string {
	m := map[string][]string{}
	for _, it := range items {
		org, id := key(it)
		m[org] = append(m[org], id)
	}
	return m
}

// store keeps every organization in one id space. Each lookup checks the
// organization after finding the id, in one place, so that another
// organization's object and a missing one take the same path.
type store struct {
	mu           sync.Mutex
	tickets      map[string]Ticket
	integrations map[string]Integration
	nextID       int
}

func (s *store) reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tickets = map[string]Ticket{}
	for _, t := range seedTickets() {
		s.tickets[t.ID] = t
	}
	s.integrations = map[string]Integration{}
	for _, i := range seedIntegrations() {
		s.integrations[i.ID] = i
	}
	s.nextID = firstCreatedID
}

// byID orders ids numerically when they share a prefix: TKT-9999 before
// TKT-10000.
func byID(a, b string) int {
	return cmp.Or(cmp.Compare(len(a), len(b)), cmp.Compare(a, b))
}

// listTickets returns one page of the organization's tickets, and the total
// before paging.
func (s *store) listTickets(org, status string, page, size int) ([]Ticket, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	all := []Ticket{}
	for _, t := range s.tickets {
		if t.OrgID == org && (status == "" || t.Status == status) {
			all = append(all, t)
		}
	}
	slices.SortFunc(all, func(a, b Ticket) int { return byID(a.ID, b.ID) })
	start := min((page-1)*size, len(all))
	end := min(start+size, len(all))
	return slices.Clip(all[start:end]), len(all)
}

func (s *store) ticket(org, id string) (Ticket, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tickets[id]
	return t, ok && t.OrgID == org
}

func (s *store) createTicket(t Ticket) Ticket {
	s.mu.Lock()
	defer s.mu.Unlock()
	t.ID = "TKT-" + strconv.Itoa(s.nextID)
	s.nextID++
	s.tickets[t.ID] = t
	return t
}

// ticketPatch holds the fields a PATCH may change; nil leaves one as is.
type ticketPatch struct {
	Title       *string `json:"title"`
	Description *string `json:"description"`
	Status      *string `json:"status"`
	Priority    *string `json:"priority"`
}

func (s *store) updateTicket(org, id string, p ticketPatch) (Ticket, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tickets[id]
	if !ok || t.OrgID != org {
		return Ticket{}, false
	}
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = *src
		}
	}
	set(&t.Title, p.Title)
	set(&t.Description, p.Description)
	set(&t.Status, p.Status)
	set(&t.Priority, p.Priority)
	s.tickets[id] = t
	return t, true
}

func (s *store) deleteTicket(org, id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tickets[id]
	if !ok || t.OrgID != org {
		return false
	}
	delete(s.tickets, id)
	return true
}

func (s *store) listIntegrations(org string) []Integration {
	s.mu.Lock()
	defer s.mu.Unlock()
	all := []Integration{}
	for _, i := range s.integrations {
		if i.OrgID == org {
			all = append(all, i)
		}
	}
	slices.SortFunc(all, func(a, b Integration) int { return byID(a.ID, b.ID) })
	return all
}

func (s *store) syncIntegration(org, id string) (Integration, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i, ok := s.integrations[id]
	if !ok || i.OrgID != org {
		return Integration{}, false
	}
	i.Status = "syncing"
	s.integrations[id] = i
	return i, true
}
