Feature: 12. Hygiene
  The target's logs never hold a bearer token or the signing secret, on any
  path: success, refusal or backend failure. A valid flow logs nothing at
  error level. The suite scans everything the target logged during the run
  for every token it sent.

  > Target contract §2: "The target logs to stdout/stderr. The harness
  > captures those logs; a bearer token or the secret appearing in them is a
  > failure."
  > MCP 2025-06-18 authorization, Token Theft: "Attackers who obtain tokens
  > stored by the client, or tokens cached or logged on the server can access
  > protected resources with requests that appear legitimate to resource
  > servers." "Clients and servers MUST implement secure token storage and
  > follow OAuth best practices".
  > MCP 2025-11-25 Security Best Practices, hardening checklist: "Redact
  > secrets in logs and error messages (for example: Authorization headers,
  > cookies, session tokens, and API keys)."

  # Requirement: Target contract §2: "a bearer token or the secret appearing in [the logs] is a failure" (MCP 2025-06-18 Token Theft), after valid calls and refusals alike.
  @must @auth-12.1 @needs-logs @core-app @mcp-2025-06-18 @mcp-2025-11-25
  @needs-signing-key @needs-narrow-token
  Scenario: After valid and hostile requests the logs hold no token and no secret
    Given a valid token for "alice"
    When the client calls "list_tickets"
    Given the hostile token "wrong secret"
    When the client sends "initialize"
    Given the hostile token "alg none, no signature"
    When the client sends "initialize"
    Given the hostile token "exp in the past"
    When the client sends "initialize"
    Given the Authorization headers "Bearer {token}" and "Bearer {forged}"
    When the client sends "initialize"
    Given a valid token for "bob"
    When the client calls "create_ticket" with {"title": "bob tries to write"}
    Then the target's logs contain no minted token or secret

  # Requirement: Target contract §2: no token or secret in the logs, also on the error paths of a failing backend and token exchange (MCP 2025-11-25: "Redact secrets in logs and error messages").
  @must @auth-12.2 @needs-logs @needs-backend @serial @core-app @mcp-2025-11-25
  @needs-signing-key
  Scenario: After backend and exchange failures the logs hold no token and no secret
    Given the backend fails with "500"
    And a valid token for "alice"
    When the client calls "list_tickets"
    Given the backend fails with "exchange-401"
    When the client calls "get_ticket" with {"ticket_id": "{acme_ticket}"}
    Given the backend fails with "401"
    When the client calls "list_integrations"
    When the fault clears
    Then the target's logs contain no minted token or secret

  # Requirement: A valid flow should log nothing at error level, so that real errors stand out (operational hygiene of the core app; paraphrase).
  @should @auth-12.3 @needs-logs @serial @core-app
  Scenario: A valid flow logs no error-level line
    Given a valid token for "alice"
    When the client sends "initialize"
    And the client sends "tools/list"
    And the client calls "whoami"
    And the client calls "list_tickets"
    And the client calls "get_ticket" with {"ticket_id": "{acme_ticket}"}
    And the client calls "create_ticket" with {"title": "hygiene check"}
    Then the target's logs contain no error-level line
