package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// The contract's tool set (§4) as typed go-sdk tools. The SDK derives each
// input schema from the struct (json tags without omitempty are required,
// additionalProperties is false), validates the arguments against it and
// applies its defaults before the handler runs. No tool takes an
// organization: it always comes from the verified token.

type noArgs struct{}

type listTicketsArgs struct {
	Status   string `json:"status,omitempty" jsonschema:"only tickets with this status"`
	Page     int    `json:"page,omitempty" jsonschema:"page number, from 1"`
	PageSize int    `json:"page_size,omitempty" jsonschema:"tickets per page, 1 to 100"`
}

type ticketArgs struct {
	TicketID string `json:"ticket_id" jsonschema:"the ticket id"`
}

type createTicketArgs struct {
	Title       string `json:"title" jsonschema:"the ticket's title"`
	Description string `json:"description,omitempty" jsonschema:"the ticket's description"`
	Priority    string `json:"priority,omitempty" jsonschema:"low, medium or high"`
}

type updateTicketArgs struct {
	TicketID string `json:"ticket_id" jsonschema:"the ticket id"`
	Status   string `json:"status,omitempty" jsonschema:"the new status"`
	Title    string `json:"title,omitempty" jsonschema:"the new title"`
	Priority string `json:"priority,omitempty" jsonschema:"the new priority"`
}

type integrationArgs struct {
	IntegrationID string `json:"integration_id" jsonschema:"the integration id"`
}

// whoamiResult is whoami's typed output: the SDK sends it as structured
// content and, for older clients, as JSON text.
type whoamiResult struct {
	UserID string   `json:"user_id"`
	OrgID  string   `json:"org_id"`
	Scopes []string `json:"scopes"`
	Email  string   `json:"email,omitempty"`
	Name   string   `json:"name,omitempty"`
}

// caller is who a tool runs as: the verified claims and the bearer token
// they came from, which only the exchanger sees.
type caller struct {
	claims *Claims
	token  string
}

func addTools(s *mcp.Server, b *backend) {
	yes := true
	mcp.AddTool(s, &mcp.Tool{
		Name:        "whoami",
		Description: "Who the caller is, from the verified token. Any valid token.",
		Annotations: &mcp.ToolAnnotations{ReadOnlyHint: true},
	}, whoami)

	mcp.AddTool(s, &mcp.Tool{
		Name:        "list_tickets",
		Description: "List the caller's organization's tickets. Scope: read.",
		InputSchema: schema[listTicketsArgs](func(p map[string]*jsonschema.Schema) {
			p["status"].Enum = []any{"open", "in_progress", "closed"}
			bound(p["page"], 1, 1<<20, 1)
			bound(p["page_size"], 1, 100, 10)
		}),
		Annotations: &mcp.ToolAnnotations{ReadOnlyHint: true},
	}, tool("list_tickets", func(ctx context.Context, c caller, in listTicketsArgs) (json.RawMessage, error) {
		q := url.Values{"page": {strconv.Itoa(in.Page)}, "page_size": {strconv.Itoa(in.PageSize)}}
		if in.Status != "" {
			q.Set("status", in.Status)
		}
		return b.call(ctx, c.token, http.MethodGet, "/api/tickets", q, nil)
	}))

	mcp.AddTool(s, &mcp.Tool{
		Name:        "get_ticket",
		Description: "One ticket of the caller's organization. Scope: read.",
		InputSchema: schema[ticketArgs](func(p map[string]*jsonschema.Schema) { id(p["ticket_id"]) }),
		Annotations: &mcp.ToolAnnotations{ReadOnlyHint: true},
	}, tool("get_ticket", func(ctx context.Context, c caller, in ticketArgs) (json.RawMessage, error) {
		return b.call(ctx, c.token, http.MethodGet, "/api/tickets/"+url.PathEscape(in.TicketID), nil, nil)
	}))

	mcp.AddTool(s, &mcp.Tool{
		Name:        "create_ticket",
		Description: "Create a ticket in the caller's organization. Scope: write.",
		InputSchema: schema[createTicketArgs](func(p map[string]*jsonschema.Schema) {
			text(p["title"], 1, 200)
			text(p["description"], 0, 10000)
			p["priority"].Enum = []any{"low", "medium", "high"}
			p["priority"].Default = json.RawMessage(`"medium"`)
		}),
	}, tool("create_ticket", func(ctx context.Context, c caller, in createTicketArgs) (json.RawMessage, error) {
		body := map[string]string{"title": in.Title, "description": in.Description, "priority": in.Priority}
		return b.call(ctx, c.token, http.MethodPost, "/api/tickets", nil, body)
	}))

	mcp.AddTool(s, &mcp.Tool{
		Name:        "update_ticket",
		Description: "Change a ticket's status, title or priority. Scope: write.",
		InputSchema: schema[updateTicketArgs](func(p map[string]*jsonschema.Schema) {
			id(p["ticket_id"])
			p["status"].Enum = []any{"open", "in_progress", "closed"}
			text(p["title"], 1, 200)
			p["priority"].Enum = []any{"low", "medium", "high"}
		}),
		Annotations: &mcp.ToolAnnotations{IdempotentHint: true},
	}, tool("update_ticket", func(ctx context.Context, c caller, in updateTicketArgs) (json.RawMessage, error) {
		body := map[string]string{}
		for k, v := range map[string]string{"status": in.Status, "title": in.Title, "priority": in.Priority} {
			if v != "" {
				body[k] = v
			}
		}
		if len(body) == 0 {
			return nil, fmt.Errorf("%w: nothing to update (status, title or priority)", errInvalidArgument)
		}
		return b.call(ctx, c.token, http.MethodPatch, "/api/tickets/"+url.PathEscape(in.TicketID), nil, body)
	}))

	mcp.AddTool(s, &mcp.Tool{
		Name:        "delete_ticket",
		Description: "Delete a ticket. Scope: admin.",
		InputSchema: schema[ticketArgs](func(p map[string]*jsonschema.Schema) { id(p["ticket_id"]) }),
		Annotations: &mcp.ToolAnnotations{DestructiveHint: &yes},
	}, tool("delete_ticket", func(ctx context.Context, c caller, in ticketArgs) (json.RawMessage, error) {
		if _, err := b.call(ctx, c.token, http.MethodDelete, "/api/tickets/"+url.PathEscape(in.TicketID), nil, nil); err != nil {
			return nil, err
		}
		return json.Marshal(map[string]any{"id": in.TicketID, "deleted": true})
	}))

	mcp.AddTool(s, &mcp.Tool{
		Name:        "list_integrations",
		Description: "List the caller's organization's integrations. Scope: read.",
		Annotations: &mcp.ToolAnnotations{ReadOnlyHint: true},
	}, tool("list_integrations", func(ctx context.Context, c caller, _ noArgs) (json.RawMessage, error) {
		return b.call(ctx, c.token, http.MethodGet, "/api/integrations", nil, nil)
	}))

	mcp.AddTool(s, &mcp.Tool{
		Name:        "sync_integration",
		Description: "Start a sync of an integration. Scope: write.",
		InputSchema: schema[integrationArgs](func(p map[string]*jsonschema.Schema) { id(p["integration_id"]) }),
	}, tool("sync_integration", func(ctx context.Context, c caller, in integrationArgs) (json.RawMessage, error) {
		return b.call(ctx, c.token, http.MethodPost, "/api/integrations/"+url.PathEscape(in.IntegrationID)+"/sync", nil, nil)
	}))

	mcp.AddTool(s, &mcp.Tool{
		Name:        "system_status",
		Description: "The core app's status. Scope: admin.",
		Annotations: &mcp.ToolAnnotations{ReadOnlyHint: true},
	}, tool("system_status", func(ctx context.Context, c caller, _ noArgs) (json.RawMessage, error) {
		return b.call(ctx, c.token, http.MethodGet, "/api/system/status", nil, nil)
	}))
}

func whoami(_ context.Context, req *mcp.CallToolRequest, _ noArgs) (*mcp.CallToolResult, whoamiResult, error) {
	c := requestClaims(req)
	if c == nil {
		return nil, whoamiResult{}, errUnauthenticated
	}
	scopes := c.Scopes
	if scopes == nil {
		scopes = []string{} // the output schema says array, not null
	}
	return nil, whoamiResult{UserID: c.Subject, OrgID: c.OrgID, Scopes: scopes, Email: c.Email, Name: c.Name}, nil
}

// tool turns fn into a typed SDK handler that runs only for a caller
// holding the tool's scope, and returns the backend's JSON as text content.
// requireToolScope already answered 403 to a short scope at the HTTP layer;
// this second check keeps the rule true for a request that reached the SDK
// another way. Errors become tool errors (isError) with fixed texts.
func tool[In any](name string, fn func(context.Context, caller, In) (json.RawMessage, error)) mcp.ToolHandlerFor[In, any] {
	scope := toolScopes[name]
	return func(ctx context.Context, req *mcp.CallToolRequest, in In) (*mcp.CallToolResult, any, error) {
		c := requestClaims(req)
		if c == nil {
			return nil, nil, errUnauthenticated
		}
		if scope != "" && !c.HasScope(scope) {
			return nil, nil, fmt.Errorf("insufficient scope: %s needs %s", name, scope)
		}
		// The token to exchange is this request's, from req.Extra.Header
		// (see requestClaims); the auth middleware let through exactly one
		// well-formed Bearer header.
		out, err := fn(ctx, caller{claims: c, token: bearerToken(req.Extra.Header)}, in)
		if err != nil {
			return nil, nil, toolError(err)
		}
		return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: string(out)}}}, nil, nil
	}
}

// requestClaims returns the claims RequireBearerToken verified for this
// request, which the SDK hands to tool handlers as req.Extra.TokenInfo.
// Never auth.TokenInfoFromContext(ctx) here: a handler's context derives
// from the request that created the session (mcp/streamable.go,
// serveStatefulPOST), so it holds the session's first token, not this one.
func requestClaims(req *mcp.CallToolRequest) *Claims {
	if req.Extra == nil {
		return nil
	}
	return claimsFrom(req.Extra.TokenInfo)
}

// bearerToken returns the token of the single "Authorization: Bearer" header.
func bearerToken(h http.Header) string {
	scheme, rest, _ := strings.Cut(h.Get("Authorization"), " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimLeft(rest, " ")
}

var (
	errUnauthenticated = errors.New("unauthenticated")
	errInvalidArgument = errors.New("invalid argument")
)

// toolError is the text the client sees for err: ours, or a fixed one.
func toolError(err error) error {
	switch {
	case errors.Is(err, errInvalidArgument), errors.Is(err, errBackendBadRequest),
		errors.Is(err, errExchange), errors.Is(err, errBackendAuth),
		errors.Is(err, errBackendForbidden), errors.Is(err, errBackendTimeout),
		errors.Is(err, errBackendUnavailable):
		return err
	case errors.Is(err, errNotFound):
		return errNotFound
	case errors.Is(err, context.Canceled):
		return errors.New("request cancelled")
	}
	return errors.New("internal error")
}

// schema infers T's input schema and lets tweak add what struct tags
// cannot say (enums, bounds, defaults).
func schema[T any](tweak func(props map[string]*jsonschema.Schema)) *jsonschema.Schema {
	s, err := jsonschema.For[T](nil)
	if err != nil {
		panic(err) // a programming error in the types above
	}
	tweak(s.Properties)
	return s
}

func bound(s *jsonschema.Schema, lo, hi, def int) {
	minimum, maximum := float64(lo), float64(hi)
	s.Minimum, s.Maximum = &minimum, &maximum
	s.Default = json.RawMessage(strconv.Itoa(def))
}

func text(s *jsonschema.Schema, minLen, maxLen int) {
	s.MinLength, s.MaxLength = &minLen, &maxLen
}

func id(s *jsonschema.Schema) { text(s, 1, 128) }
