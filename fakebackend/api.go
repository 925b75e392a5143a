package fakebackend

import (
	"cmp"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

const (
	maxBody         = 1 << 20
	defaultPageSize = 10
	maxPageSize     = 100
	maxTitle        = 200
	maxDescription  = 10_000
)

type apiErrorBody struct {
	Error string `json:"error"`
	Code  string `json:"code"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	buf, err := json.Marshal(v)
	if err != nil {
		http.Error(w, `{"error":"internal error","code":"internal_error"}`, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(append(buf, '\n'))
}

// apiError writes the error shape of target contract §5. Messages are fixed
// strings: never a token, never an id echoed back.
func apiError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, apiErrorBody{Error: msg, Code: code})
}

// notFound is the one answer for an absent object and for another
// organization's: the same bytes, so that a client cannot tell them apart.
func notFound(w http.ResponseWriter) {
	apiError(w, http.StatusNotFound, "not_found", "not found")
}

func routeNotFound(w http.ResponseWriter, _ *http.Request) {
	apiError(w, http.StatusNotFound, "not_found", "no such route")
}

func badRequest(w http.ResponseWriter, msg string) {
	apiError(w, http.StatusBadRequest, "invalid_request", msg)
}

// decodeBody reads one JSON object of at most maxBody bytes. Unknown fields
// are ignored, and with them any org_id: the organization comes only from
// the token.
func decodeBody(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	err := dec.Decode(v)
	if err == nil && dec.Decode(&struct{}{}) != io.EOF {
		err = errors.New("trailing data")
	}
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		apiError(w, http.StatusRequestEntityTooLarge, "request_too_large", "request body too large")
		return false
	case err != nil:
		badRequest(w, "the body must be one JSON object")
		return false
	}
	return true
}

// intParam parses an optional positive integer query parameter; an empty
// value takes the default, as a client filling a template would send.
func intParam(r *http.Request, name string, def, max int) (int, bool) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return def, true
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > max {
		return 0, false
	}
	return n, true
}

func (b *Backend) listTickets(w http.ResponseWriter, r *http.Request) {
	status := r.URL.Query().Get("status")
	if status != "" && !slices.Contains(ticketStatuses, status) {
		badRequest(w, "status must be open, in_progress or closed")
		return
	}
	page, ok := intParam(r, "page", 1, 1<<20)
	if !ok {
		badRequest(w, "page must be a positive integer")
		return
	}
	size, ok := intParam(r, "page_size", defaultPageSize, maxPageSize)
	if !ok {
		badRequest(w, "page_size must be an integer from 1 to 100")
		return
	}
	tickets, total := b.store.listTickets(claimsFrom(r.Context()).OrgID, status, page, size)
	writeJSON(w, http.StatusOK, map[string]any{
		"tickets": tickets, "page": page, "page_size": size, "total": total,
	})
}

func (b *Backend) getTicket(w http.ResponseWriter, r *http.Request) {
	t, ok := b.store.ticket(claimsFrom(r.Context()).OrgID, r.PathValue("id"))
	if !ok {
		notFound(w)
		return
	}
	writeJSON(w, http.StatusOK, t)
}

// checkText validates an optional text field; required rejects blank text.
func checkText(s *string, name string, max int, required bool) string {
	switch {
	case s == nil:
		if required {
			return name + " is required"
		}
	case required && strings.TrimSpace(*s) == "":
		return name + " must not be blank"
	case !utf8.ValidString(*s) || utf8.RuneCountInString(*s) > max:
		return name + " must be valid text of at most " + strconv.Itoa(max) + " characters"
	}
	return ""
}

func checkEnum(s *string, name string, allowed []string) string {
	if s != nil && !slices.Contains(allowed, *s) {
		return name + " must be one of " + strings.Join(allowed, ", ")
	}
	return ""
}

func (b *Backend) createTicket(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Title       *string `json:"title"`
		Description *string `json:"description"`
		Priority    *string `json:"priority"`
	}
	if !decodeBody(w, r, &body) {
		return
	}
	if body.Priority != nil && *body.Priority == "" {
		body.Priority = nil
	}
	if msg := cmp.Or(
		checkText(body.Title, "title", maxTitle, true),
		checkText(body.Description, "description", maxDescription, false),
		checkEnum(body.Priority, "priority", ticketPriorities),
	); msg != "" {
		badRequest(w, msg)
		return
	}
	c := claimsFrom(r.Context())
	t := Ticket{
		OrgID:     c.OrgID,
		Title:     *body.Title,
		Status:    "open",
		Priority:  "medium",
		CreatedBy: c.Subject,
	}
	if body.Description != nil {
		t.Description = *body.Description
	}
	if body.Priority != nil {
		t.Priority = *body.Priority
	}
	writeJSON(w, http.StatusCreated, b.store.createTicket(t))
}

func (b *Backend) updateTicket(w http.ResponseWriter, r *http.Request) {
	var p ticketPatch
	if !decodeBody(w, r, &p) {
		return
	}
	// Validation comes before the lookup, so a 400 says nothing about which
	// ids exist.
	if msg := cmp.Or(
		checkText(p.Title, "title", maxTitle, p.Title != nil),
		checkText(p.Description, "description", maxDescription, false),
		checkEnum(p.Status, "status", ticketStatuses),
		checkEnum(p.Priority, "priority", ticketPriorities),
	); msg != "" {
		badRequest(w, msg)
		return
	}
	t, ok := b.store.updateTicket(claimsFrom(r.Context()).OrgID, r.PathValue("id"), p)
	if !ok {
		notFound(w)
		return
	}
	writeJSON(w, http.StatusOK, t)
}

func (b *Backend) deleteTicket(w http.ResponseWriter, r *http.Request) {
	if !b.store.deleteTicket(claimsFrom(r.Context()).OrgID, r.PathValue("id")) {
		notFound(w)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (b *Backend) listIntegrations(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"integrations": b.store.listIntegrations(claimsFrom(r.Context()).OrgID),
	})
}

func (b *Backend) syncIntegration(w http.ResponseWriter, r *http.Request) {
	i, ok := b.store.syncIntegration(claimsFrom(r.Context()).OrgID, r.PathValue("id"))
	if !ok {
		notFound(w)
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]string{"id": i.ID, "status": i.Status})
}

func (b *Backend) me(w http.ResponseWriter, r *http.Request) {
	c := claimsFrom(r.Context())
	writeJSON(w, http.StatusOK, map[string]any{
		"user_id": c.Subject, "org_id": c.OrgID, "scopes": c.scopes(),
	})
}

func systemStatus(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok", "version": "fakebackend/1"})
}
