@legacy-only
Feature: 10. Sessions
  An MCP session (Mcp-Session-Id) is continuity, not identity. A session
  opened by alice does not serve anyone else as alice, does not serve a
  request without a valid token, and should refuse other users outright
  because it is bound to its user. A stateless target, which issues no
  Mcp-Session-Id, skips this file.

  > MCP 2025-06-18 Security Best Practices, Session Hijacking, Mitigation:
  > "MCP servers that implement authorization MUST verify all inbound
  > requests. MCP Servers MUST NOT use sessions for authentication."
  > "MCP servers SHOULD bind session IDs to user-specific information. When
  > storing or transmitting session-related data (e.g., in a queue), combine
  > the session ID with information unique to the authorized user, such as
  > their internal user ID. Use a key format like `<user_id>:<session_id>`.
  > This ensures that even if an attacker guesses a session ID, they cannot
  > impersonate another user as the user ID is derived from the user token
  > and not provided by the client."
  > MCP 2025-06-18 authorization: "authorization MUST be included in every
  > HTTP request from client to server, even if they are part of the same
  > logical session." "Invalid or expired tokens MUST receive a HTTP 401
  > response."

  # Requirement: A user with a valid token is served on their own session (positive check; MCP 2025-06-18 authorization, Token Handling: "MCP servers, acting in their role as an OAuth 2.1 resource server, MUST validate access tokens").
  # Why must: a valid token of the user who opened the session is accepted by every target that verifies tokens (MCP 2025-06-18 authorization, Token Handling) and whoami answers from its claims (contract §4); only a target that refuses a valid caller on her own session fails.
  @must @auth-10.1 @needs-sessions @mcp-2025-06-18
  Scenario: alice is served on her own session
    Given "alice" has opened a session
    And a valid token for "alice"
    When the client calls "whoami" on the session of "alice"
    Then the tool succeeds
    And the result field "user_id" is "user-alice"

  # Requirement: MCP 2025-06-18 Security Best Practices, Session Hijacking, Mitigation: "MCP Servers MUST NOT use sessions for authentication"; another user's token on alice's session is never served as alice.
  # Why must: refusing the other user (the SHOULD of auth-10.7) and serving them as themselves both pass; only an answer naming alice fails.
  @must @auth-10.2 @needs-sessions @mcp-2025-06-18 @mcp-2025-11-25
  Scenario Outline: <user>'s token on alice's session is never served as alice
    Given "alice" has opened a session
    And a valid token for "<user>"
    When the client calls "whoami" on the session of "alice"
    Then the call is not served as "alice"

    Examples:
      | user  |
      | bob   |
      | carol |
      | dave  |
      | frank |
      | gina  |

  # Requirement: MCP 2025-06-18 Security Best Practices, Session Hijacking, Mitigation: "MCP Servers MUST NOT use sessions for authentication"; a user of another organization on alice's session never sees alice's organization's rows.
  # Why must: refusing carol and serving carol her own organization's rows both pass; only a row of alice's organization fails.
  @must @auth-10.3 @needs-sessions @mcp-2025-06-18 @core-app
  @needs-user-b
  Scenario: carol's token on alice's session never lists alice's organization
    Given "alice" has opened a session
    And a valid token for "carol"
    When the client calls "list_tickets" on the session of "alice"
    Then no row of "tickets" has "org_id" equal to "org-acme"

  # Requirement: MCP 2025-06-18 Security Best Practices, Session Hijacking, Mitigation: "MCP servers that implement authorization MUST verify all inbound requests"; a request without credentials on an open session gets 401.
  # Why must: a request without credentials carries nothing to verify; 401 is the status RFC 6750 §3 and MCP 2025-06-18 authorization, Error Handling ("401 Unauthorized: Authorization required or token invalid") give it, whatever session it names; only serving it, or another status, fails.
  @must @auth-10.4 @needs-sessions @mcp-2025-06-18
  Scenario: A request without credentials on alice's session is refused with 401
    Given "alice" has opened a session
    And no credentials
    When the client calls "whoami" on the session of "alice"
    Then the response status is 401

  # Requirement: MCP 2025-06-18 authorization, Token Handling: "Invalid or expired tokens MUST receive a HTTP 401 response", also on the session the user opened while the token was good.
  # Why must: the source names the status exactly and makes no exception for a session; every token of the table is invalid (expired, forged, unsigned, wrong aud or iss), so only another status fails.
  @must @auth-10.5 @needs-sessions @mcp-2025-06-18 @rfc7519
  Scenario Outline: alice's bad token on her own session is refused with 401: <name>
    Given "alice" has opened a session
    And the hostile token "<name>" for "alice"
    When the client calls "whoami" on the session of "alice"
    Then the response status is 401

    Examples:
      | name                   |
      | exp in the past        |
      | wrong secret           |
      | tampered payload       |
      | alg none, no signature |
      | aud other              |
      | iss wrong              |

  # Requirement: MCP 2025-06-18 authorization, Token Handling: "Invalid or expired tokens MUST receive a HTTP 401 response"; a forged token on alice's session gets 401.
  # Why must: as auth-10.5: the status is named, a forged signature is invalid, the session changes nothing.
  @must @auth-10.6 @needs-sessions @mcp-2025-06-18
  Scenario: A forged token on alice's session is refused with 401
    Given "alice" has opened a session
    And the Authorization header "Bearer {forged}"
    When the client calls "whoami" on the session of "alice"
    Then the response status is 401

  # Requirement: MCP 2025-06-18 Security Best Practices, Session Hijacking, Mitigation: "MCP servers SHOULD bind session IDs to user-specific information"; a session bound to alice refuses another user's request.
  @should @auth-10.7 @needs-sessions @mcp-2025-06-18 @mcp-2025-11-25
  Scenario Outline: alice's session refuses <user>
    Given "alice" has opened a session
    And a valid token for "<user>"
    When the client calls "whoami" on the session of "alice"
    Then the request is refused

    Examples:
      | user  |
      | bob   |
      | carol |

  # Requirement: MCP 2025-06-18 Security Best Practices, Session Hijacking, Mitigation: "MCP servers SHOULD bind session IDs to user-specific information"; bob cannot end alice's session, which stays usable for alice.
  @should @auth-10.8 @needs-sessions @mcp-2025-06-18
  @needs-same-org-user
  Scenario: bob cannot delete alice's session
    Given "alice" has opened a session
    And a valid token for "bob"
    When the client deletes the session
    Then the request is refused
    Given a valid token for "alice"
    When the client calls "whoami" on the session of "alice"
    Then the tool succeeds

  # Requirement: MCP 2025-06-18 Security Best Practices, Session Hijacking, Mitigation: "MCP servers SHOULD bind session IDs to user-specific information"; bob cannot open the GET stream of alice's session.
  @should @auth-10.9 @needs-sessions @mcp-2025-06-18
  @needs-same-org-user
  Scenario: bob cannot open the GET stream of alice's session
    Given "alice" has opened a session
    And a valid token for "bob"
    When the client opens the GET stream
    Then the request is refused

  # Requirement: MCP 2025-06-18 Security Best Practices, Session Hijacking, Mitigation: "MCP Servers MUST NOT use sessions for authentication"; the scopes of a call are those of the token it carries, never those of the token that opened the session.
  # Why must: the token of the call grants only read; contract §4 gives each tool its scope (system_status: admin, create_ticket: write), so a target refuses the call before the tool runs, by a tool error, a JSON-RPC error or an HTTP refusal, and makes no backend API call (a token exchange does not count); only a target that runs the tool on the scopes of the token that opened the session fails, even when the backend then refuses it.
  @must @auth-10.10 @needs-sessions @needs-backend @serial @mcp-2025-06-18 @core-app
  @needs-narrow-token
  Scenario Outline: a narrower token on alice's own session cannot call <tool>
    Given "alice" has opened a session
    And the backend recording is cleared
    And a token for "alice" with scope "read"
    When the client calls "<tool>" on the session of "alice"
    Then the tool fails
    And the backend recorded no call

    Examples:
      | tool          |
      | system_status |
      | create_ticket |

  # Requirement: MCP 2025-06-18 Security Best Practices, Session Hijacking, Mitigation: "MCP Servers MUST NOT use sessions for authentication"; a narrower token of the session's owner is served with its own scopes, never those of the token that opened the session.
  # Why must: a target may refuse a second token on the session (a session bound to the token, not only the user) or serve it with its own claims (contract §4); both pass; only an answer listing the scopes of the token that opened the session fails.
  @must @auth-10.11 @needs-sessions @mcp-2025-06-18 @core-app
  @needs-narrow-token
  Scenario: a narrower token on alice's own session is served with its own scopes
    Given "alice" has opened a session
    And a token for "alice" with scope "read"
    When the client calls "whoami" on the session of "alice"
    Then unless the call was refused, the result field "scopes" lists "read"
    And unless the call was refused, the result field "scopes" does not list "admin"
