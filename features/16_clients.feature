Feature: 16. Real clients
  What the MCP clients of the official SDKs need around the token: discovery
  they can follow from a 401 to the authorization server, an Origin check
  that keeps browsers of other sites out, refusals they survive, no second
  door beside the MCP endpoint, and logs that hold no credential of any kind.

  > RFC 9728 §2: authorization_servers: "JSON array containing a list of
  > OAuth authorization server issuer identifiers, as defined in [RFC8414],
  > for authorization servers that can be used with this protected resource."
  > RFC 8414 §2: issuer: "The authorization server's issuer identifier, which
  > is a URL that uses the "https" scheme and has no query or fragment
  > components."
  > RFC 8414 §3.3: "The "issuer" value returned MUST be identical to the
  > authorization server's issuer identifier value into which the well-known
  > URI string was inserted to create the URL used to retrieve the metadata."
  > MCP 2025-11-25 authorization: "MCP authorization servers MUST provide at
  > least one of the following discovery mechanisms: OAuth 2.0 Authorization
  > Server Metadata (RFC8414) / OpenID Connect Discovery 1.0".
  > MCP 2025-11-25 transports, Security Warning: "Servers MUST validate the
  > Origin header on all incoming connections to prevent DNS rebinding
  > attacks" and "If the Origin header is present and invalid, servers MUST
  > respond with HTTP 403 Forbidden."
  > MCP 2025-11-25 authorization, Token Handling: "MCP servers, acting in
  > their role as an OAuth 2.1 resource server, MUST validate access tokens".
  > Target contract §0: JWT_ISSUER is the core app's issuer identifier, an
  > absolute URL, with RFC 8414 metadata under it; targets list exactly
  > [JWT_ISSUER] in authorization_servers; a present Origin that is neither
  > listed in MCP_ALLOWED_ORIGINS nor the origin of MCP_RESOURCE_URL gets 403
  > before anything else happens.

  # Requirement: MCP 2025-06-18 and 2025-11-25 authorization: the metadata "MUST include the authorization_servers field containing at least one authorization server"; RFC 9728 §2: its entries are "OAuth authorization server issuer identifiers, as defined in [RFC8414]"; RFC 8414 §2: "a URL that uses the "https" scheme and has no query or fragment components".
  # Why must: every entry the sources allow is an https URL without query or fragment, which passes; the scenario also accepts http on a loopback host, for test deployments.
  @must @auth-16.1 @rfc9728 @rfc8414 @mcp-2025-06-18 @mcp-2025-11-25
  Scenario Outline: The authorization servers at <path> are issuer URLs
    When the client fetches "<path>"
    Then every authorization server is an issuer URL

    Examples:
      | path                                      |
      | /.well-known/oauth-protected-resource/mcp |
      | /.well-known/oauth-protected-resource     |

  # Requirement: MCP 2025-11-25 authorization: "MCP authorization servers MUST provide at least one of the following discovery mechanisms" (RFC 8414 metadata, OpenID Connect Discovery 1.0); RFC 8414 §3.3: "The "issuer" value returned MUST be identical to the authorization server's issuer identifier value into which the well-known URI string was inserted".
  # Why must: the scenario tries every location MCP 2025-11-25 has clients try, in its order, and accepts the first document found; an authorization server that provides either mechanism with its own issuer passes.
  @must @auth-16.2 @rfc8414 @mcp-2025-11-25 @core-app
  Scenario: The listed authorization server publishes its metadata under its own issuer
    When the client fetches "/.well-known/oauth-protected-resource/mcp"
    Then every authorization server publishes its metadata with the same issuer

  # Requirement: MCP 2025-06-18 authorization: "MCP servers MUST use the HTTP header WWW-Authenticate when returning a 401 Unauthorized to indicate the location of the resource server metadata URL"; RFC 9728 §3.2: "A successful response MUST use the 200 OK HTTP status code"; followed to the authorization server as 16.1 and 16.2 require.
  # Why must: each link is a MUST of its source (4.1, 5.1, 16.1, 16.2); the scenario only follows them in the order a client does, from a cold 401.
  @must @auth-16.3 @rfc9728 @rfc8414 @mcp-2025-06-18 @mcp-2025-11-25
  Scenario: From a cold 401 a client reaches the authorization server's metadata
    Given no credentials
    When the client sends "initialize"
    Then the response status is 401
    When the client follows the challenge to the resource metadata
    Then the response status is 200
    And every authorization server is an issuer URL
    And every authorization server publishes its metadata with the same issuer

  # Requirement: MCP 2025-11-25 transports: "If the Origin header is present and invalid, servers MUST respond with HTTP 403 Forbidden."; target contract §0: an Origin neither listed nor the origin of MCP_RESOURCE_URL is invalid and gets 403 before anything else happens.
  # Why must: the contract makes these origins invalid for every target, and the transport then leaves one answer, 403, with no session opened.
  @must @auth-16.4 @mcp-2025-11-25 @core-app
  Scenario Outline: initialize from the foreign origin <origin> gets 403 and opens no session
    Given a valid token for "alice"
    And the request carries the Origin "<origin>"
    When the client sends "initialize"
    Then the response status is 403
    And no session was opened

    Examples:
      | origin                    |
      | http://evil.example       |
      | null                      |
      | http://127.0.0.1.evil.example |

  # Requirement: MCP 2025-11-25 transports: "If the Origin header is present and invalid, servers MUST respond with HTTP 403 Forbidden."; target contract §0: "before anything else happens": a valid token on an open session changes nothing, and no tool runs.
  # Why must: a 403 answered before anything else happens runs no tool, so the backend sees no call; any other answer is not the 403 the transport requires.
  @must @auth-16.5 @mcp-2025-11-25 @core-app @needs-backend @serial
  Scenario: A tool call from a foreign origin on an open session gets 403 and has no effect
    Given "alice" has opened a session
    And the backend recording is cleared
    And a valid token for "alice"
    And the request carries the Origin "http://evil.example"
    When the client calls "create_ticket" with {"title": "from another site"} on the session of "alice"
    Then the response status is 403
    And the backend recorded no call

  # Requirement: Target contract §0: the origin of MCP_RESOURCE_URL is allowed; a request from it is judged by its token (MCP 2025-11-25 transports: only an invalid Origin gets 403).
  # Why must: the contract allows this origin for every target, so the only answer left is the token's, and the token is valid.
  @must @auth-16.6 @mcp-2025-11-25 @core-app
  Scenario: A call from the resource's own origin is served
    Given a valid token for "alice"
    And the request carries the Origin "{own_origin}"
    When the client calls "whoami"
    Then the tool succeeds

  # Requirement: Target contract §0: MCP_ALLOWED_ORIGINS lists origins "allowed in the Origin header"; the variable is optional, so a target that does not read it is not wrong, only less useful to browser-based clients.
  @should @auth-16.7 @core-app
  Scenario: A call from an origin listed in MCP_ALLOWED_ORIGINS is served
    Given a valid token for "alice"
    And the request carries the Origin "{allowed_origin}"
    When the client calls "whoami"
    Then the tool succeeds

  # Requirement: Suite advice (no MCP revision requires it): a client refreshes its access token and goes on with the session it has; MCP 2025-06-18 authorization: "authorization MUST be included in every HTTP request from client to server, even if they are part of the same logical session", so each request is judged by its own token, not by the one that opened the session.
  @may @hardening @auth-16.8 @needs-sessions @mcp-2025-06-18
  @needs-signing-key
  Scenario: A fresh token of the same user goes on with the same session
    Given "alice" has opened a session
    And a fresh token for "alice"
    When the client calls "whoami" on the session of "alice"
    Then the tool succeeds
    And the result field "user_id" is "user-alice"

  # Requirement: Suite advice (no MCP revision requires it): a GET stream is not served past the expiry of the token that opened it; the client reopens it with a fresh token, which is checked like any request (MCP 2025-11-25: "Invalid or expired tokens MUST receive a HTTP 401 response").
  @may @hardening @auth-16.9 @needs-sessions @mcp-2025-11-25
  @needs-signing-key
  Scenario: A GET stream ends when its token expires
    Given a valid token for "alice" that expires in 2 s
    When the client opens the GET stream for 6 s
    Then the stream ended within 2 s of the token's expiry

  # Requirement: MCP 2025-11-25 authorization, Token Handling: "MCP servers, acting in their role as an OAuth 2.1 resource server, MUST validate access tokens"; "Invalid or expired tokens MUST receive a HTTP 401 response": no endpoint beside /mcp (the legacy HTTP+SSE transport's /sse and /messages, the same under the MCP path, a trailing slash) serves a request without a valid token.
  # Why must: an endpoint that does not exist, redirects, or refuses passes; only serving the request (2xx) without a token fails, which no source allows.
  @must @auth-16.10 @mcp-2025-11-25 @needs-backend @serial
  Scenario Outline: <method> <path> without a token is not served
    Given "alice" has opened a session
    And the backend recording is cleared
    And no credentials
    When the client sends "<method>" to the side door "<path>"
    Then the side door did not serve the request
    And the backend recorded no call

    Examples:
      | method | path          |
      | GET    | /sse          |
      | POST   | /messages     |
      | GET    | /mcp/sse      |
      | POST   | /mcp/messages |
      | POST   | /mcp/         |
      | GET    | /mcp/         |

  # Requirement: Suite advice: an endpoint beside /mcp either does not exist (404, 405, or a redirect to the MCP endpoint) or authenticates every request exactly as /mcp does (401 with the challenge for a request without a token, MCP 2025-06-18).
  @may @hardening @auth-16.11 @mcp-2025-06-18
  Scenario Outline: <method> <path> without a token is absent or refused as /mcp refuses it
    Given no credentials
    When the client sends "<method>" to the side door "<path>"
    Then the side door is absent or answers as the MCP endpoint does

    Examples:
      | method | path          |
      | GET    | /sse          |
      | POST   | /messages     |
      | GET    | /mcp/sse      |
      | POST   | /mcp/messages |
      | POST   | /mcp/         |

  # Requirement: Target contract §2: "a bearer token or the secret appearing in [the logs] is a failure"; the backend tokens the target obtained by exchange are bearer tokens too (MCP 2025-06-18 Token Theft: "tokens cached or logged on the server").
  # Why must: the contract makes any bearer token in the logs a failure; the scan matches only whole tokens the backend received, by their SHA-256, so nothing else can fail it.
  @must @auth-16.12 @needs-logs @needs-backend @core-app @mcp-2025-06-18
  Scenario: The logs hold no backend token the target obtained
    Given a valid token for "alice"
    When the client calls "list_tickets"
    And the client calls "get_ticket" with {"ticket_id": "{acme_ticket}"}
    Then the target's logs contain no token the backend received

  # Requirement: Suite advice after the MCP 2025-11-25 authorization tutorial: "Never log `Authorization` headers, tokens, codes, or secrets.": nothing shaped like a JWT, not the client secret (raw, base64, or inside a Basic header), not a session id.
  @may @hardening @auth-16.13 @needs-logs @mcp-2025-11-25
  Scenario: The logs hold no JWT, no client secret and no session id
    Given "alice" has opened a session
    And a valid token for "alice"
    When the client calls "list_tickets" on the session of "alice"
    Then the target's logs contain nothing shaped like a JWT
    And the target's logs do not contain the client secret
    And the target's logs do not contain the session ids of this scenario
