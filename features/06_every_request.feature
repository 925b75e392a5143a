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

  # Requirement: MCP 2025-06-18: "authorization MUST be included in every HTTP request from client to server, even if they are part of the same logical session"; a request without it gets 401.
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

  # Requirement: MCP 2025-06-18 Security Best Practices: servers "MUST verify all inbound requests"; the GET stream of a session without credentials gets 401.
  @must @auth-6.2 @mcp-2025-06-18 @core-app
  Scenario: The GET stream without credentials is refused with 401
    Given no credentials
    When the client opens the GET stream
    Then the response status is 401

  # Requirement: MCP 2025-06-18 Security Best Practices: servers "MUST verify all inbound requests"; a DELETE of a session without credentials gets 401.
  @must @auth-6.3 @mcp-2025-06-18 @core-app
  Scenario: DELETE of a session without credentials is refused with 401
    Given no credentials
    When the client deletes the session
    Then the response status is 401

  # Requirement: MCP 2025-06-18: "Invalid or expired tokens MUST receive a HTTP 401 response", on every request of a session.
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

  # Requirement: MCP 2025-06-18: "Invalid or expired tokens MUST receive a HTTP 401 response"; the GET stream is no exception.
  @must @auth-6.5 @mcp-2025-06-18
  Scenario: The GET stream with a forged token is refused with 401
    Given the Authorization header "Bearer {forged}"
    When the client opens the GET stream
    Then the response status is 401

  # Requirement: MCP 2025-06-18: "Invalid or expired tokens MUST receive a HTTP 401 response"; a DELETE of a session is no exception.
  @must @auth-6.6 @mcp-2025-06-18
  Scenario: DELETE of a session with a forged token is refused with 401
    Given the Authorization header "Bearer {forged}"
    When the client deletes the session
    Then the response status is 401

  # Requirement: MCP 2025-06-18: "Invalid or expired tokens MUST receive a HTTP 401 response"; a token that expired after the session was opened is refused on every later request.
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

  # Requirement: MCP 2025-06-18 Security Best Practices: "MCP Servers MUST NOT use sessions for authentication"; a DELETE with a forged token does not end the session.
  @must @auth-6.8 @needs-sessions @mcp-2025-06-18
  Scenario: A refused DELETE leaves the session alive
    Given "alice" has opened a session
    And the Authorization header "Bearer {forged}"
    When the client deletes the session
    Then the response status is 401
    Given a valid token for "alice"
    When the client calls "whoami" on the session of "alice"
    Then the tool succeeds

  # Requirement: A valid token is accepted on every request of the transport (target contract §2; MCP 2025-06-18 Token Requirements).
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
