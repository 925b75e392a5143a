@modern-only
Feature: 15. Stateless requests (MCP 2026-07-28)
  MCP 2026-07-28 has no initialize and no session: every request stands
  alone, carries its protocol version and client capabilities in _meta, and
  mirrors its method and name into the MCP-Protocol-Version, Mcp-Method and
  Mcp-Name headers, which the server must check against the body. Every
  request is authenticated on its own; the headers never decide what is
  authorized; a 403 names the scopes of the operation; results that depend
  on the caller are not marked for shared caches. This file runs on the
  2026-07-28 wire only.

  > MCP 2026-07-28 authorization, Token Handling: "Invalid or expired tokens
  > MUST receive a HTTP 401 response."
  > MCP 2026-07-28 authorization, Error Handling: "Servers MUST return
  > appropriate HTTP status codes for authorization errors" (401
  > "Authorization required or token invalid", 403 "Invalid scopes or
  > insufficient permissions").
  > MCP 2026-07-28 Security Best Practices, State Handle Hijacking: "MCP
  > servers that implement authorization MUST verify all inbound requests."
  > MCP 2026-07-28 Streamable HTTP, Server Validation: "Servers that process
  > the request body MUST reject requests where the values specified in the
  > headers do not match the corresponding values in the request body. This
  > prevents potential security vulnerabilities when different components in
  > the network rely on different sources of truth (e.g., a load balancer
  > routing on the header value while the MCP server executes based on the
  > body value)." "When rejecting a request due to header validation
  > failure, servers MUST return HTTP status 400 Bad Request and MUST include
  > a JSON-RPC error response using the following error code: -32020"
  > RFC 6750 §3: "If the protected resource request does not include
  > authentication credentials or does not contain an access token that
  > enables access to the protected resource, the resource server MUST
  > include the HTTP "WWW-Authenticate" response header field"

  # Requirement: MCP 2026-07-28 authorization, Error Handling: "Servers MUST return appropriate HTTP status codes for authorization errors" (401: "Authorization required or token invalid"); Security Best Practices: "MCP servers that implement authorization MUST verify all inbound requests"; RFC 6750 §3: the resource server "MUST include the HTTP "WWW-Authenticate" response header field".
  # Why must: a request without credentials is "authorization required", for which the table gives 401 alone, and RFC 6750 §3 puts a challenge on it; server/discover and subscriptions/listen are requests like any other, so no allowed answer serves them or answers otherwise.
  @must @auth-15.1 @mcp-2026-07-28 @rfc6750
  Scenario Outline: "<method>" without credentials is refused with 401 and a challenge
    Given no credentials
    When the client sends "<method>"
    Then the response status is 401
    And the response has a Bearer challenge

    Examples:
      | method               |
      | server/discover      |
      | tools/list           |
      | tools/call           |
      | subscriptions/listen |

  # Requirement: MCP 2026-07-28 authorization, Token Handling: "Invalid or expired tokens MUST receive a HTTP 401 response"; RFC 6750 §3: a request whose token does not enable access carries "WWW-Authenticate".
  # Why must: a forged signature makes the token invalid, and the text gives invalid tokens 401 with no alternative, on every request of the wire.
  @must @auth-15.2 @mcp-2026-07-28 @rfc6750
  Scenario Outline: "<method>" with a forged token is refused with 401 and a challenge
    Given the Authorization header "Bearer {forged}"
    When the client sends "<method>"
    Then the response status is 401
    And the response has a Bearer challenge

    Examples:
      | method               |
      | server/discover      |
      | tools/list           |
      | tools/call           |
      | subscriptions/listen |

  # Requirement: MCP 2026-07-28 authorization, Token Handling: "Invalid or expired tokens MUST receive a HTTP 401 response"; RFC 6750 §3: a request whose token does not enable access carries "WWW-Authenticate".
  # Why must: the token expired longer ago than any leeway the target contract allows, and the text gives expired tokens 401 with no alternative.
  @must @auth-15.3 @mcp-2026-07-28 @rfc6750 @rfc7519
  Scenario Outline: "<method>" with an expired token is refused with 401 and a challenge
    Given the hostile token "exp in the past"
    When the client sends "<method>"
    Then the response status is 401
    And the response has a Bearer challenge

    Examples:
      | method               |
      | server/discover      |
      | tools/list           |
      | tools/call           |
      | subscriptions/listen |

  # Requirement: MCP 2026-07-28 Security Best Practices: "MCP servers that implement authorization MUST verify all inbound requests"; Streamable HTTP, Backward Compatibility: "HTTP GET or DELETE to the MCP endpoint: respond with `405 Method Not Allowed`."
  # Why must: without credentials the answers the texts allow are 401 (the request is verified and has no token) or 405 (the revision has no GET or DELETE), both refusals; serving a stream or ending anything is allowed by neither.
  @must @auth-15.4 @mcp-2026-07-28
  Scenario Outline: <verb> on the MCP endpoint without credentials is not served
    Given no credentials
    When the client sends "<verb>" to the MCP endpoint
    Then the request is refused

    Examples:
      | verb   |
      | GET    |
      | DELETE |

  # Requirement: MCP 2026-07-28 Streamable HTTP, Backward Compatibility: a server that supports only this revision "SHOULD respond as follows: HTTP GET or DELETE to the MCP endpoint: respond with `405 Method Not Allowed`." The suite's advice for any server, as a request announcing 2026-07-28 has neither verb.
  @may @hardening @auth-15.5 @mcp-2026-07-28
  Scenario Outline: <verb> with a valid token and MCP-Protocol-Version 2026-07-28 is answered 405
    Given a valid token for "alice"
    When the client sends "<verb>" to the MCP endpoint
    Then the response status is 405

    Examples:
      | verb   |
      | GET    |
      | DELETE |

  # Requirement: MCP 2026-07-28 Streamable HTTP, Server Validation: "Servers that process the request body MUST reject requests where the values specified in the headers do not match the corresponding values in the request body." "servers MUST return HTTP status 400 Bad Request and MUST include a JSON-RPC error response using the following error code: -32020"; Case Sensitivity: "Header _values_ (such as method names) are case-sensitive."
  # Why must: alice's token holds every scope, so no authorization refusal applies; the header disagrees with the body, for which the text leaves one answer, 400 with -32020, and the tool must not run.
  @must @auth-15.6 @needs-backend @serial @mcp-2026-07-28
  Scenario Outline: A request whose <header> disagrees with its body is refused before any tool runs: <value>
    Given the backend recording is cleared
    And a valid token for "alice"
    When the client calls "list_tickets" with the header "<header>" set to "<value>"
    Then the response status is 400
    And the JSON-RPC error code is -32020
    And the backend recorded no call

    Examples:
      | header               | value        |
      | Mcp-Name             | whoami       |
      | Mcp-Name             | LIST_TICKETS |
      | Mcp-Method           | tools/list   |
      | MCP-Protocol-Version | 2025-11-25   |

  # Requirement: MCP 2026-07-28 Streamable HTTP, Server Validation: "Validation failure conditions include: A required standard header (`MCP-Protocol-Version`, `Mcp-Method`, `Mcp-Name`) is missing." "servers MUST return HTTP status 400 Bad Request and MUST include a JSON-RPC error response using the following error code: -32020"
  # Why must: the token allows the call, and a missing Mcp-Method or Mcp-Name is a validation failure for which the text gives 400 with -32020 alone (only a missing MCP-Protocol-Version may be read as an old revision, so it is not among the rows).
  @must @auth-15.7 @needs-backend @serial @mcp-2026-07-28
  Scenario Outline: A tools/call without <header> is refused before any tool runs
    Given the backend recording is cleared
    And a valid token for "alice"
    When the client calls "list_tickets" without the header "<header>"
    Then the response status is 400
    And the JSON-RPC error code is -32020
    And the backend recorded no call

    Examples:
      | header     |
      | Mcp-Method |
      | Mcp-Name   |

  # Requirement: MCP 2026-07-28 Streamable HTTP, Server Validation: mismatched headers "MUST" be rejected, which "prevents potential security vulnerabilities when different components in the network rely on different sources of truth"; authorization, Error Handling: 403 for "Invalid scopes or insufficient permissions".
  # Why must: the body's tool needs a scope the token lacks and the header disagrees with the body: the texts allow a refusal for either reason (403, or 400 with -32020), a tool error at most, never the call.
  @must @auth-15.8 @needs-backend @serial @mcp-2026-07-28
  @needs-narrow-token
  Scenario Outline: A header naming a harmless tool does not authorize <tool> in the body
    Given the backend recording is cleared
    And a token for "alice" with scope "read"
    When the client calls "<tool>" with <args> and the header "Mcp-Name" set to "whoami"
    Then the tool fails
    And the backend recorded no call

    Examples:
      | tool          | args                             |
      | delete_ticket | {"ticket_id": "{missing_ticket}"} |
      | create_ticket | {"title": "header bypass"}       |
      | system_status | {}                               |

  # Requirement: MCP 2026-07-28 Streamable HTTP, Server Validation: "Servers that process the request body MUST reject requests where the values specified in the headers do not match the corresponding values in the request body." "servers MUST return HTTP status 400 Bad Request"
  # Why must: the body's list_tickets is within the token's read scope, so no authorization refusal applies; only the header names system_status, which the token may not call; the one answer the text allows is 400 with -32020, and a 403 shows that the header was authorized.
  @must @auth-15.9 @mcp-2026-07-28
  @needs-narrow-token
  Scenario: The scope check never follows Mcp-Name when the body names another tool
    Given a token for "alice" with scope "read"
    When the client calls "list_tickets" with the header "Mcp-Name" set to "system_status"
    Then the response status is 400
    And the JSON-RPC error code is -32020

  # Requirement: MCP 2026-07-28 authorization, Runtime Insufficient Scope Errors: "servers SHOULD include the scopes needed to satisfy the current operation in the `scope` parameter"; the parameter is "`scope="required_scope1 required_scope2"` - specifying the minimum scopes needed for the operation", and "servers are not required to include the client's previously granted scopes".
  @should @auth-15.10 @mcp-2026-07-28 @rfc6750
  @needs-narrow-token
  Scenario Outline: A 403 for <tool> names its scope, not every scope the server knows
    Given a token for "alice" with scope "read"
    When the client calls "<tool>" with <args>
    Then the response status is 403
    And the challenge error is "insufficient_scope"
    And the challenge scope names "<scope>" and otherwise only scopes the token holds

    Examples:
      | tool          | scope | args                             |
      | delete_ticket | admin | {"ticket_id": "{missing_ticket}"} |
      | create_ticket | write | {"title": "scope challenge"}     |
      | system_status | admin | {}                               |

  # Requirement: MCP 2026-07-28 authorization, Refresh Tokens: "MCP Servers (Protected Resources) SHOULD NOT include `offline_access` in `WWW-Authenticate` scope or Protected Resource Metadata `scopes_supported`, as refresh tokens are not a resource requirement."
  @should @auth-15.11 @mcp-2026-07-28
  @needs-narrow-token
  Scenario: No challenge asks for offline_access
    Given no credentials
    When the client calls "system_status"
    Then the challenge scope does not list "offline_access"
    Given a token for "alice" with scope "read"
    When the client calls "system_status"
    Then the challenge scope does not list "offline_access"

  # Requirement: MCP 2026-07-28 authorization, Refresh Tokens: "MCP Servers (Protected Resources) SHOULD NOT include `offline_access` in `WWW-Authenticate` scope or Protected Resource Metadata `scopes_supported`".
  @should @auth-15.12 @mcp-2026-07-28 @rfc9728
  Scenario: The protected resource metadata does not list offline_access
    When the client fetches "/.well-known/oauth-protected-resource/mcp"
    Then the response status is 200
    And the metadata "scopes_supported" does not contain "offline_access"

  # Requirement: MCP 2026-07-28 Caching, Cache Scope Field: "`"public"`: The response does not contain user-specific data. Any client, shared gateway, or caching proxy MAY store and serve the cached response to any user."; "`"private"` is appropriate for ... filtered list results that vary per user"; Security Considerations: server implementors "should ensure that the `cacheScope` correctly reflects the intended visibility of the primitive".
  @should @auth-15.13 @mcp-2026-07-28
  @needs-same-org-user
  Scenario: A tools/list that depends on the caller is not marked for shared caches
    When "alice" and "gina" list the tools
    Then a tools/list that differs between them is not marked cacheScope "public"

  # Requirement: The suite's advice: a subscriptions/listen stream is authorized by the token that opened it, so it should not outlive that token's exp (MCP 2026-07-28 Security Best Practices: "MCP servers that implement authorization MUST verify all inbound requests"; no text says when a long-lived stream must end).
  @may @hardening @auth-15.14 @mcp-2026-07-28
  @needs-signing-key
  Scenario: A subscriptions/listen stream is not served past its token's exp
    Given a valid token for "alice" that expires in 2 s
    When the client listens for tool list changes
    Then the stream ended within 5 s of the token's expiry
