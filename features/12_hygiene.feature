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

  # Requirement: Target contract §2: "a bearer token or the secret appearing in [the logs] is a failure" (MCP 2025-06-18 Token Theft), after valid calls and refusals alike.
  # Why must: the contract names any token or the secret in the logs a failure, and nothing a target must log needs either (a fingerprint or a subject identifies a caller); whatever the target answers to these requests, only a log holding a token the suite sent, its signature, or the secret fails.
  @must @auth-12.1 @needs-logs @core-app @mcp-2025-06-18 @mcp-2025-11-25
  @needs-same-org-user
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

  # Requirement: Target contract §2: "a bearer token or the secret appearing in [the logs] is a failure", also on the error paths of a failing backend and token exchange (MCP 2025-06-18 authorization, Token Theft: "tokens cached or logged on the server" can be used by attackers).
  # Why must: as auth-12.1: the contract makes no exception for error paths, and an error can be logged without the token; only a log holding a token, its signature, or the secret fails.
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

  # Requirement: Suite advice, no source requires it: a valid flow logs nothing at error level, so that real errors stand out.
  @may @hardening @auth-12.3 @needs-logs @serial @core-app
  Scenario: A valid flow logs no error-level line
    Given a valid token for "alice"
    When the client sends "initialize"
    And the client sends "tools/list"
    And the client calls "whoami"
    And the client calls "list_tickets"
    And the client calls "get_ticket" with {"ticket_id": "{acme_ticket}"}
    And the client calls "create_ticket" with {"title": "hygiene check"}
    Then the target's logs contain no error-level line
