package harness

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"
)

// The MCP revisions the suite speaks (docs/protocol.md). 2026-07-28 is
// stateless: no initialize, no session; every request carries its protocol
// version and client capabilities in params._meta and the
// MCP-Protocol-Version, Mcp-Method and Mcp-Name headers (MCP 2026-07-28,
// basic/transports/streamable-http "Request Metadata"). The legacy
// revisions open a session with initialize.
const (
	Revision20260728 = "2026-07-28"
	Revision20251125 = "2025-11-25"
	Revision20250618 = "2025-06-18"
	// ProtocolAuto asks the target (Negotiate).
	ProtocolAuto = "auto"
)

// Revisions are the revisions the suite speaks, newest first.
var Revisions = []string{Revision20260728, Revision20251125, Revision20250618}

// ParseProtocol checks a --protocol value or profile key: auto (also "")
// or one of Revisions.
func ParseProtocol(v string) (string, error) {
	switch {
	case v == "" || v == ProtocolAuto:
		return ProtocolAuto, nil
	case slices.Contains(Revisions, v):
		return v, nil
	}
	return "", fmt.Errorf("protocol %q is not auto, %s", v, strings.Join(Revisions, ", "))
}

// IsModern reports whether revision is the stateless wire.
func IsModern(revision string) bool { return revision == Revision20260728 }

// Modern reports whether the client speaks the stateless wire.
func (c *Client) Modern() bool { return IsModern(c.Protocol) }

// legacyVersion is the revision initialize announces.
func (c *Client) legacyVersion() string {
	if c.Protocol == "" || c.Modern() {
		return ProtocolVersion
	}
	return c.Protocol
}

// Per-request _meta keys of MCP 2026-07-28 (basic/index "_meta").
const (
	MetaProtocolVersion    = mcp.MetaKeyProtocolVersion
	MetaClientInfo         = mcp.MetaKeyClientInfo
	MetaClientCapabilities = mcp.MetaKeyClientCapabilities
)

// RequestMeta is the _meta a 2026-07-28 request carries: "fields marked as
// required MUST be included on every request" (basic/index).
func RequestMeta(revision string) map[string]any {
	return map[string]any{
		MetaProtocolVersion:    revision,
		MetaClientInfo:         map[string]any{"name": "mcpauthspec", "version": "1"},
		MetaClientCapabilities: map[string]any{},
	}
}

// withRequestMeta returns params with the request _meta added, unless the
// caller set one.
func withRequestMeta(params any, revision string) any {
	m := map[string]any{}
	if params != nil {
		raw, err := json.Marshal(params)
		if err != nil || json.Unmarshal(raw, &m) != nil || m == nil {
			return params // not an object: sent as the caller wrote it
		}
	}
	if _, ok := m["_meta"]; !ok {
		m["_meta"] = RequestMeta(revision)
	}
	return m
}

// setRequestHeaders sets MCP-Protocol-Version, Mcp-Method and, for the
// methods that name something, Mcp-Name, as mcp-go's client does.
func setRequestHeaders(h http.Header, revision string, msg *Message) {
	h.Set(mcp.HeaderProtocolVersion, revision)
	var params json.RawMessage
	if msg.Params != nil {
		params, _ = json.Marshal(msg.Params)
	}
	for k, v := range mcp.StandardHeaders(revision, mcp.MCPMethod(msg.Method), params) {
		h.Set(k, v)
	}
}

// OpeningMessage is the first request a client of the wire sends:
// initialize on a legacy revision, server/discover on 2026-07-28 ("Servers
// MUST implement it", server/discover). Steps that say "initialize" send
// this.
func (c *Client) OpeningMessage() *Message {
	if c.Modern() {
		return &Message{ID: c.NewID(), Method: "server/discover", Params: map[string]any{}}
	}
	return &Message{ID: c.NewID(), Method: "initialize", Params: c.InitializeParams()}
}

// ServerDiscovery is what server/discover answered.
type ServerDiscovery struct {
	Response          *Response
	SupportedVersions []string
	Raw               json.RawMessage // the result
}

// Discover sends server/discover on the stateless wire with creds.
// ServerDiscovery.SupportedVersions is empty unless the target answered 200 with
// a result.
func (c *Client) Discover(ctx context.Context, creds Credentials) (*ServerDiscovery, error) {
	mc := &Client{HTTP: c.HTTP, MCPURL: c.MCPURL, Protocol: Revision20260728}
	id := c.NewID()
	resp, err := mc.Do(ctx, Exchange{Creds: creds, Message: &Message{ID: id, Method: "server/discover", Params: map[string]any{}}})
	if err != nil {
		return nil, err
	}
	d := &ServerDiscovery{Response: resp}
	if resp.Status != http.StatusOK {
		return d, nil
	}
	raw, err := resp.RPCResult(id)
	if err != nil {
		return d, nil
	}
	d.Raw = raw
	var res struct {
		SupportedVersions []string `json:"supportedVersions"`
	}
	_ = json.Unmarshal(raw, &res)
	d.SupportedVersions = res.SupportedVersions
	return d, nil
}

// Speaks returns the revisions of Revisions the target speaks, newest
// first: those server/discover lists (asked with creds, a valid token), and
// the legacy ones an initialize of that revision is answered with. An
// error only when the target speaks none of them.
func (c *Client) Speaks(ctx context.Context, creds Credentials) ([]string, error) {
	var out []string
	d, err := c.Discover(ctx, creds)
	if err != nil {
		return nil, fmt.Errorf("server/discover: %w", err)
	}
	if slices.Contains(d.SupportedVersions, Revision20260728) {
		out = append(out, Revision20260728)
	}
	for _, rev := range Revisions[1:] {
		if len(d.SupportedVersions) > 0 && !slices.Contains(d.SupportedVersions, rev) {
			// A server that lists its revisions and leaves this one out
			// does not speak it, whatever initialize negotiates.
			continue
		}
		got, err := c.initializeAs(ctx, creds, rev)
		if err != nil {
			return nil, fmt.Errorf("initialize: %w", err)
		}
		if got == rev {
			out = append(out, rev)
		}
	}
	if len(out) == 0 {
		status := d.Response.Status
		return nil, fmt.Errorf("the target speaks none of %s (server/discover: HTTP %d; initialize negotiated none of them)", strings.Join(Revisions, ", "), status)
	}
	return out, nil
}

// initializeAs sends initialize announcing revision and returns the
// revision the target answered with ("" when it refused). The session it
// may open is closed again.
func (c *Client) initializeAs(ctx context.Context, creds Credentials, revision string) (string, error) {
	lc := &Client{HTTP: c.HTTP, MCPURL: c.MCPURL, Protocol: revision}
	id := c.NewID()
	resp, err := lc.Do(ctx, Exchange{Creds: creds, Message: &Message{ID: id, Method: "initialize", Params: lc.InitializeParams()}})
	if err != nil {
		return "", err
	}
	if resp.Status != http.StatusOK {
		return "", nil
	}
	if sid := resp.Header.Get("Mcp-Session-Id"); sid != "" {
		_, _ = lc.Do(ctx, Exchange{Method: http.MethodDelete, Session: sid, Creds: creds})
	}
	raw, err := resp.RPCResult(id)
	if err != nil {
		return "", nil
	}
	var res struct {
		ProtocolVersion string `json:"protocolVersion"`
	}
	_ = json.Unmarshal(raw, &res)
	return res.ProtocolVersion, nil
}

// Resolve turns a protocol setting into the revisions to run: the setting
// itself when it names one, else what the target speaks (Speaks), all of
// them when all is set, else the newest.
func (c *Client) Resolve(ctx context.Context, creds Credentials, protocol string, all bool) ([]string, error) {
	p, err := ParseProtocol(protocol)
	if err != nil {
		return nil, err
	}
	if p != ProtocolAuto {
		return []string{p}, nil
	}
	speaks, err := c.Speaks(ctx, creds)
	if err != nil {
		return nil, err
	}
	if !all {
		speaks = speaks[:1]
	}
	return speaks, nil
}
