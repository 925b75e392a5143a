package refserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

// The reference tool set of the target contract (section 4). No tool takes
// an organization: the organization is always the verified token's org_id,
// and the backend enforces it again with the exchanged token.

// toolFunc is a tool body: it runs only after the caller's scope was checked.
type toolFunc func(ctx context.Context, c *Claims, req mcp.CallToolRequest) (json.RawMessage, error)

func (s *Server) registerTools(m *server.MCPServer) {
	idArg := func(name, what string) mcp.ToolOption {
		return mcp.WithString(name, mcp.Required(), mcp.Description("The "+what+" id."), mcp.MinLength(1), mcp.MaxLength(128))
	}
	tools := []struct {
		tool mcp.Tool
		fn   toolFunc
	}{
		{mcp.NewTool("whoami",
			mcp.WithDescription("Who the caller is, from the verified token. Any valid token."),
			mcp.WithReadOnlyHintAnnotation(true)), s.whoami},
		{mcp.NewTool("list_tickets",
			mcp.WithDescription("List the caller's organization's tickets. Scope: read."),
			mcp.WithString("status", mcp.Enum("open", "in_progress", "closed"), mcp.Description("Only tickets with this status.")),
			mcp.WithInteger("page", mcp.DefaultNumber(1), mcp.Min(1)),
			mcp.WithInteger("page_size", mcp.DefaultNumber(10), mcp.Min(1), mcp.Max(100)),
			mcp.WithReadOnlyHintAnnotation(true)), s.listTickets},
		{mcp.NewTool("get_ticket",
			mcp.WithDescription("One ticket of the caller's organization. Scope: read."),
			idArg("ticket_id", "ticket"),
			mcp.WithReadOnlyHintAnnotation(true)), s.getTicket},
		{mcp.NewTool("create_ticket",
			mcp.WithDescription("Create a ticket in the caller's organization. Scope: write."),
			mcp.WithString("title", mcp.Required(), mcp.MinLength(1), mcp.MaxLength(200)),
			mcp.WithString("description", mcp.MaxLength(10000)),
			mcp.WithString("priority", mcp.Enum("low", "medium", "high"), mcp.DefaultString("medium"))), s.createTicket},
		{mcp.NewTool("update_ticket",
			mcp.WithDescription("Change a ticket's status, title or priority. Scope: write."),
			idArg("ticket_id", "ticket"),
			mcp.WithString("status", mcp.Enum("open", "in_progress", "closed")),
			mcp.WithString("title", mcp.MinLength(1), mcp.MaxLength(200)),
			mcp.WithString("priority", mcp.Enum("low", "medium", "high"))), s.updateTicket},
		{mcp.NewTool("delete_ticket",
			mcp.WithDescription("Delete a ticket. Scope: admin."),
			idArg("ticket_id", "ticket"),
			mcp.WithDestructiveHintAnnotation(true)), s.deleteTicket},
		{mcp.NewTool("list_integrations",
			mcp.WithDescription("List the caller's organization's integrations. Scope: read."),
			mcp.WithReadOnlyHintAnnotation(true)), s.listIntegrations},
		{mcp.NewTool("sync_integration",
			mcp.WithDescription("Start a sync of an integration. Scope: write."),
			idArg("integration_id", "integration")), s.syncIntegration},
		{mcp.NewTool("system_status",
			mcp.WithDescription("The core app's status. Scope: admin."),
			mcp.WithReadOnlyHintAnnotation(true)), s.systemStatus},
	}
	for _, t := range tools {
		t.tool.InputSchema.AdditionalProperties = false
		m.AddTool(t.tool, s.guard(t.tool.Name, t.fn))
	}
}

// guard checks the caller's scope once more inside the tool (defense in
// depth: the HTTP middleware already answered 403 to a short scope) and turns
// errors into tool errors with fixed texts.
func (s *Server) guard(name string, fn toolFunc) server.ToolHandlerFunc {
	return func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		c, _ := s.caller.Caller(ctx)
		scope, _ := RequiredScope(name)
		if c == nil {
			return mcp.NewToolResultError("unauthenticated"), nil
		}
		if !s.scopeOK(c, scope) {
			return mcp.NewToolResultError("insufficient scope: " + name + " needs " + scope), nil
		}
		out, err := fn(ctx, c, req)
		if err != nil {
			return mcp.NewToolResultError(toolErrorText(err)), nil
		}
		return mcp.NewToolResultText(string(out)), nil
	}
}

// errInvalidArgument wraps argument errors; their text is ours.
var errInvalidArgument = errors.New("invalid argument")

func toolErrorText(err error) string {
	switch {
	case errors.Is(err, errInvalidArgument), errors.Is(err, ErrBackendBadRequest):
		return err.Error()
	case errors.Is(err, ErrNotFound):
		return "not found"
	case errors.Is(err, ErrTokenExchange):
		return "could not obtain a backend token: " + err.Error()
	case errors.Is(err, ErrBackendAuth), errors.Is(err, ErrBackendForbidden),
		errors.Is(err, ErrBackendTimeout), errors.Is(err, ErrBackendUnavailable):
		return err.Error()
	case errors.Is(err, context.Canceled):
		return "request cancelled"
	}
	return "internal error"
}

func (s *Server) whoami(_ context.Context, c *Claims, _ mcp.CallToolRequest) (json.RawMessage, error) {
	scopes := c.Scopes
	if scopes == nil {
		scopes = []string{}
	}
	return json.Marshal(map[string]any{
		"user_id": c.Subject,
		"org_id":  c.OrgID,
		"scopes":  scopes,
		"email":   c.Email,
		"name":    c.Name,
	})
}

func (s *Server) listTickets(ctx context.Context, _ *Claims, req mcp.CallToolRequest) (json.RawMessage, error) {
	page, err := intArg(req, "page", 1, 1, 1<<20)
	if err != nil {
		return nil, err
	}
	size, err := intArg(req, "page_size", 10, 1, 100)
	if err != nil {
		return nil, err
	}
	q := url.Values{"page": {strconv.Itoa(page)}, "page_size": {strconv.Itoa(size)}}
	if status := req.GetString("status", ""); status != "" {
		q.Set("status", status)
	}
	return s.backend.do(ctx, http.MethodGet, "/api/tickets", q, nil)
}

func (s *Server) getTicket(ctx context.Context, _ *Claims, req mcp.CallToolRequest) (json.RawMessage, error) {
	id, err := idArgValue(req, "ticket_id")
	if err != nil {
		return nil, err
	}
	return s.backend.do(ctx, http.MethodGet, "/api/tickets/"+url.PathEscape(id), nil, nil)
}

func (s *Server) createTicket(ctx context.Context, _ *Claims, req mcp.CallToolRequest) (json.RawMessage, error) {
	title := req.GetString("title", "")
	if title == "" {
		return nil, fmt.Errorf("%w: title is required", errInvalidArgument)
	}
	body := map[string]string{
		"title":       title,
		"description": req.GetString("description", ""),
		"priority":    req.GetString("priority", "medium"),
	}
	return s.backend.do(ctx, http.MethodPost, "/api/tickets", nil, body)
}

func (s *Server) updateTicket(ctx context.Context, _ *Claims, req mcp.CallToolRequest) (json.RawMessage, error) {
	id, err := idArgValue(req, "ticket_id")
	if err != nil {
		return nil, err
	}
	body := map[string]string{}
	for _, k := range []string{"status", "title", "priority"} {
		if v := req.GetString(k, ""); v != "" {
			body[k] = v
		}
	}
	if len(body) == 0 {
		return nil, fmt.Errorf("%w: nothing to update (status, title or priority)", errInvalidArgument)
	}
	return s.backend.do(ctx, http.MethodPatch, "/api/tickets/"+url.PathEscape(id), nil, body)
}

func (s *Server) deleteTicket(ctx context.Context, _ *Claims, req mcp.CallToolRequest) (json.RawMessage, error) {
	id, err := idArgValue(req, "ticket_id")
	if err != nil {
		return nil, err
	}
	if _, err := s.backend.do(ctx, http.MethodDelete, "/api/tickets/"+url.PathEscape(id), nil, nil); err != nil {
		return nil, err
	}
	return json.Marshal(map[string]any{"id": id, "deleted": true})
}

func (s *Server) listIntegrations(ctx context.Context, _ *Claims, _ mcp.CallToolRequest) (json.RawMessage, error) {
	return s.backend.do(ctx, http.MethodGet, "/api/integrations", nil, nil)
}

func (s *Server) syncIntegration(ctx context.Context, _ *Claims, req mcp.CallToolRequest) (json.RawMessage, error) {
	id, err := idArgValue(req, "integration_id")
	if err != nil {
		return nil, err
	}
	return s.backend.do(ctx, http.MethodPost, "/api/integrations/"+url.PathEscape(id)+"/sync", nil, nil)
}

func (s *Server) systemStatus(ctx context.Context, _ *Claims, _ mcp.CallToolRequest) (json.RawMessage, error) {
	return s.backend.do(ctx, http.MethodGet, "/api/system/status", nil, nil)
}

func idArgValue(req mcp.CallToolRequest, name string) (string, error) {
	id, err := req.RequireString(name)
	if err != nil || id == "" || len(id) > 128 {
		return "", fmt.Errorf("%w: %s is required", errInvalidArgument, name)
	}
	return id, nil
}

func intArg(req mcp.CallToolRequest, name string, def, lo, hi int) (int, error) {
	v := req.GetInt(name, def)
	if v < lo || v > hi {
		return 0, fmt.Errorf("%w: %s must be between %d and %d", errInvalidArgument, name, lo, hi)
	}
	return v, nil
}
