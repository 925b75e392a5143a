package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

type noArgs struct{}

type listTicketsArgs struct {
	Status   string `json:"status,omitempty" jsonschema:"only tickets with this status"`
	Page     int    `json:"page,omitempty" jsonschema:"page number, default 1"`
	PageSize int    `json:"page_size,omitempty" jsonschema:"tickets per page, default 10, at most 100"`
}

type ticketArgs struct {
	TicketID string `json:"ticket_id" jsonschema:"the ticket id"`
}

type createTicketArgs struct {
	Title       string `json:"title" jsonschema:"the ticket's title"`
	Description string `json:"description,omitempty" jsonschema:"the ticket's description"`
	Priority    string `json:"priority,omitempty" jsonschema:"low, medium or high (default medium)"`
}

type updateTicketArgs struct {
	TicketID string `json:"ticket_id" jsonschema:"the ticket id"`
	Status   string `json:"status,omitempty" jsonschema:"open, in_progress or closed"`
	Title    string `json:"title,omitempty" jsonschema:"the new title"`
	Priority string `json:"priority,omitempty" jsonschema:"low, medium or high"`
}

type integrationArgs struct {
	IntegrationID string `json:"integration_id" jsonschema:"the integration id"`
}

// The scope check is in each handler, as the SDK's
// examples/server/auth-middleware does it: req.Extra.TokenInfo, and an error
// (a tool error) when the scope is missing.
func requireScope(req *mcp.CallToolRequest, scope string) (*auth.TokenInfo, error) {
	info := req.Extra.TokenInfo
	if info == nil {
		return nil, fmt.Errorf("unauthenticated")
	}
	if scope != "" && !slices.Contains(info.Scopes, scope) {
		return nil, fmt.Errorf("insufficient permissions: %s scope required", scope)
	}
	return info, nil
}

func text(s string) *mcp.CallToolResult {
	return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: s}}}
}

// backendTool is a tool that needs scope and makes one backend call.
func backendTool[In any](b *backend, scope string, do func(ctx context.Context, token string, in In) (string, error)) mcp.ToolHandlerFor[In, any] {
	return func(ctx context.Context, req *mcp.CallToolRequest, in In) (*mcp.CallToolResult, any, error) {
		info, err := requireScope(req, scope)
		if err != nil {
			return nil, nil, err
		}
		token, _ := info.Extra["token"].(string)
		out, err := do(ctx, token, in)
		if err != nil {
			return nil, nil, err
		}
		return text(out), nil, nil
	}
}

func addTools(s *mcp.Server, b *backend) {
	mcp.AddTool(s, &mcp.Tool{Name: "whoami", Description: "Who the caller is."},
		func(ctx context.Context, req *mcp.CallToolRequest, _ noArgs) (*mcp.CallToolResult, any, error) {
			info, err := requireScope(req, "")
			if err != nil {
				return nil, nil, err
			}
			scopes := info.Scopes
			if scopes == nil {
				scopes = []string{}
			}
			out, _ := json.Marshal(map[string]any{
				"user_id": info.UserID, "org_id": info.Extra["org_id"], "scopes": scopes,
				"email": info.Extra["email"], "name": info.Extra["name"],
			})
			return text(string(out)), nil, nil
		})

	mcp.AddTool(s, &mcp.Tool{Name: "list_tickets", Description: "List tickets. Scope: read."},
		backendTool(b, "read", func(ctx context.Context, token string, in listTicketsArgs) (string, error) {
			if in.Page == 0 {
				in.Page = 1
			}
			if in.PageSize == 0 {
				in.PageSize = 10
			}
			if in.PageSize > 100 {
				in.PageSize = 100
			}
			q := url.Values{"page": {strconv.Itoa(in.Page)}, "page_size": {strconv.Itoa(in.PageSize)}}
			if in.Status != "" {
				q.Set("status", in.Status)
			}
			return b.call(ctx, token, http.MethodGet, "/api/tickets?"+q.Encode(), nil)
		}))

	mcp.AddTool(s, &mcp.Tool{Name: "get_ticket", Description: "Get a ticket. Scope: read."},
		backendTool(b, "read", func(ctx context.Context, token string, in ticketArgs) (string, error) {
			return b.call(ctx, token, http.MethodGet, "/api/tickets/"+url.PathEscape(in.TicketID), nil)
		}))

	mcp.AddTool(s, &mcp.Tool{Name: "create_ticket", Description: "Create a ticket. Scope: write."},
		backendTool(b, "write", func(ctx context.Context, token string, in createTicketArgs) (string, error) {
			if in.Priority == "" {
				in.Priority = "medium"
			}
			return b.call(ctx, token, http.MethodPost, "/api/tickets",
				map[string]string{"title": in.Title, "description": in.Description, "priority": in.Priority})
		}))

	mcp.AddTool(s, &mcp.Tool{Name: "update_ticket", Description: "Update a ticket. Scope: write."},
		backendTool(b, "write", func(ctx context.Context, token string, in updateTicketArgs) (string, error) {
			body := map[string]string{}
			if in.Status != "" {
				body["status"] = in.Status
			}
			if in.Title != "" {
				body["title"] = in.Title
			}
			if in.Priority != "" {
				body["priority"] = in.Priority
			}
			return b.call(ctx, token, http.MethodPatch, "/api/tickets/"+url.PathEscape(in.TicketID), body)
		}))

	mcp.AddTool(s, &mcp.Tool{Name: "delete_ticket", Description: "Delete a ticket. Scope: admin."},
		backendTool(b, "admin", func(ctx context.Context, token string, in ticketArgs) (string, error) {
			if _, err := b.call(ctx, token, http.MethodDelete, "/api/tickets/"+url.PathEscape(in.TicketID), nil); err != nil {
				return "", err
			}
			return fmt.Sprintf(`{"id":%q,"deleted":true}`, in.TicketID), nil
		}))

	mcp.AddTool(s, &mcp.Tool{Name: "list_integrations", Description: "List integrations. Scope: read."},
		backendTool(b, "read", func(ctx context.Context, token string, _ noArgs) (string, error) {
			return b.call(ctx, token, http.MethodGet, "/api/integrations", nil)
		}))

	mcp.AddTool(s, &mcp.Tool{Name: "sync_integration", Description: "Sync an integration. Scope: write."},
		backendTool(b, "write", func(ctx context.Context, token string, in integrationArgs) (string, error) {
			return b.call(ctx, token, http.MethodPost, "/api/integrations/"+url.PathEscape(in.IntegrationID)+"/sync", nil)
		}))

	mcp.AddTool(s, &mcp.Tool{Name: "system_status", Description: "The core app's status. Scope: admin."},
		backendTool(b, "admin", func(ctx context.Context, token string, _ noArgs) (string, error) {
			return b.call(ctx, token, http.MethodGet, "/api/system/status", nil)
		}))
}
