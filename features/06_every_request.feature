Feature: 6. Every request authenticated
  The token is checked on every HTTP request of the Streamable HTTP
  transport: initialize and every later message, notifications included,
  the GET stream and the DELETE that ends a session. A session opened with a
  valid token does not make a later request without one acceptable. In this
  file every message but initialize is sent on a session alice opened with a
  valid token, with the credentials of the scenario.

  > MCP 2025-06-18 authorization, Token Requirements: "Note that authorization
  > MUST be included in every HTTP request from client to server, even if
  > they are part of the same logical session."
  > MCP 2025-06-18 authorization, Token Handling: "Invalid or expired tokens
  > MUST receive a HTTP 401 response."
  > MCP 2025-06-18 Security Best Practices, Session Hijacking: "MCP servers
  > that implement authorization MUST verify all inbound requests. MCP
  > Servers MUST NOT use sessions for authentication."
  > Target contract §2: "`POST|GET|DELETE /mcp` [...] Every request needs a
  > valid bearer token, `initialize` included."
  > MCP 2025-06-18 Streamable HTTP: "The server MUST either return
  > `Content-Type: text/event-stream` in response to this HTTP GET, or else
  > return HTTP 405 Method Not Allowed"; for DELETE "The server MAY respond
  > to this request with HTTP 405 Method Not Allowed". MCP 2026-07-28 says a
  > server of that revision SHOULD answer GET and DELETE with 405. A GET or
  > DELETE refused by 401 or by 405 is therefore not served; only 2xx is.

  # Requirement: MCP 2025-06-18 Security Best Practices, Session Hijacking: "MCP servers that implement authorization MUST verify all inbound requests."; MCP 2025-06-18 authorization, Error Handling: 401 for "Authorization required or token invalid".
  # Why must: a POST without credentials lacks authorization whatever session it names, and the table's status for that is 401; serving it is the violation.
  @must @auth-6.1 @mcp-2025-06-18 @mcp-2025-11-25 @core-app
  Scenario Outline: "<method>" without credentials is refused with 401
    Given no credentials
    When the client sends "<method>"
    Then the response status is 401

    Examples:
      | method                    |
      | initialize                |
      | notifications/initialized |
      | tools/list                |
      | tools/call                |
      | ping                      |

  # Requirement: MCP 2025-06-18 Security Best Practices, Session Hijacking: "MCP servers that implement authorization MUST verify all inbound requests."; the transport lets a server answer a GET it does not offer with "HTTP 405 Method Not Allowed".
  # Why must: a server either verifies the GET and refuses it (401) or does not offer the stream (405); both pass, and only a stream opened without credentials (2xx) fails.
  @must @auth-6.2 @mcp-2025-06-18 @core-app
  Scenario: The GET stream without credentials is refused with 401 or 405
    Given no credentials
    When the client opens the GET stream
    Then the response status is 401 or 405

  # Requirement: MCP 2025-06-18 Security Best Practices, Session Hijacking: "MCP servers that implement authorization MUST verify all inbound requests."; the transport lets a server answer a DELETE "with HTTP 405 Method Not Allowed".
  # Why must: a server either verifies the DELETE and refuses it (401) or does not let clients end sessions (405); both pass, and only a session ended without credentials (2xx) fails.
  @must @auth-6.3 @mcp-2025-06-18 @core-app
  Scenario: DELETE of a session without credentials is refused with 401 or 405
    Given no credentials
    When the client deletes the session
    Then the response status is 401 or 405

  # Requirement: MCP 2025-06-18 authorization, Token Handling: "Invalid or expired tokens MUST receive a HTTP 401 response."; Security Best Practices: "MCP servers that implement authorization MUST verify all inbound requests."
  # Why must: the token is forged, so on any POST, inside a session or not, the only answer MCP allows is 401.
  @must @auth-6.4 @mcp-2025-06-18 @mcp-2025-11-25
  Scenario Outline: "<method>" with a forged token is refused with 401
    Given the Authorization header "Bearer {forged}"
    When the client sends "<method>"
    Then the response status is 401

    Examples:
      | method                    |
      | initialize                |
      | notifications/initialized |
      | tools/list                |
      | tools/call                |
      | ping                      |

  # Requirement: MCP 2025-06-18 authorization, Token Handling: "Invalid or expired tokens MUST receive a HTTP 401 response."; the transport lets a server answer a GET it does not offer with "HTTP 405 Method Not Allowed".
  # Why must: a server that offers the stream verifies the token and answers 401; one that does not answers 405; both pass, and only a stream opened on a forged token (2xx) fails.
  @must @auth-6.5 @mcp-2025-06-18
  Scenario: The GET stream with a forged token is refused with 401 or 405
    Given the Authorization header "Bearer {forged}"
    When the client opens the GET stream
    Then the response status is 401 or 405

  # Requirement: MCP 2025-06-18 authorization, Token Handling: "Invalid or expired tokens MUST receive a HTTP 401 response."; the transport lets a server answer a DELETE "with HTTP 405 Method Not Allowed".
  # Why must: a server that ends sessions verifies the token and answers 401; one that does not answers 405; both pass, and only a session ended on a forged token (2xx) fails.
  @must @auth-6.6 @mcp-2025-06-18
  Scenario: DELETE of a session with a forged token is refused with 401 or 405
    Given the Authorization header "Bearer {forged}"
    When the client deletes the session
    Then the response status is 401 or 405

  # Requirement: MCP 2025-06-18 authorization, Token Handling: "Invalid or expired tokens MUST receive a HTTP 401 response."; RFC 7519 §4.1.4: after exp the JWT "MUST NOT be accepted for processing".
  # Why must: the token expired an hour ago, beyond any leeway; on any POST of the session MCP allows only 401.
  @must @auth-6.7 @mcp-2025-06-18 @rfc7519
  Scenario Outline: "<method>" with an expired token is refused with 401
    Given the hostile token "exp in the past"
    When the client sends "<method>"
    Then the response status is 401

    Examples:
      | method                    |
      | initialize                |
      | notifications/initialized |
      | tools/list                |
      | tools/call                |
      | ping                      |

  # Requirement: MCP 2025-06-18 Security Best Practices, Session Hijacking: "MCP servers that implement authorization MUST verify all inbound requests. MCP Servers MUST NOT use sessions for authentication."
  # Why must: the DELETE carries a forged token, so it is refused (401, or 405 where sessions cannot be ended); a session ended by it was ended on the session ID alone, the one outcome that fails.
  @must @auth-6.8 @needs-sessions @mcp-2025-06-18
  Scenario: A refused DELETE leaves the session alive
    Given "alice" has opened a session
    And the Authorization header "Bearer {forged}"
    When the client deletes the session
    Then the response status is 401 or 405
    Given a valid token for "alice"
    When the client calls "whoami" on the session of "alice"
    Then the tool succeeds

  # Requirement: Target contract §2: "`POST|GET|DELETE /mcp` [...] Every request needs a valid bearer token, `initialize` included."; MCP 2025-06-18 Token Requirements: "authorization MUST be included in every HTTP request from client to server, even if they are part of the same logical session."
  # Why must: the token is valid and sent in every request as required; refusing any of these messages refuses a conforming client.
  @must @auth-6.9 @mcp-2025-06-18 @core-app
  Scenario Outline: "<method>" with a valid token is accepted
    Given a valid token for "alice"
    When the client sends "<method>"
    Then the request is accepted

    Examples:
      | method                    |
      | initialize                |
      | notifications/initialized |
      | tools/list                |
      | tools/call                |
      | ping                      |
