Feature: 11. Backend delegation
  The target calls the core app's API on the caller's behalf with a token it
  obtained by RFC 8693 token exchange: a token of the same user and
  organization, for the backend's audience. It never forwards the client's
  own token, not even when the exchange or the backend fails. A failing
  backend makes the tool fail cleanly: the target stays healthy, recovers
  when the backend does, and never puts a token into an error message.

  > MCP 2025-06-18 Security Best Practices, Token Passthrough: "MCP servers
  > MUST NOT accept any tokens that were not explicitly issued for the MCP
  > server." Passthrough is "explicitly forbidden in the authorization
  > specification".
  > MCP 2025-11-25 authorization, Access Token Privilege Restriction: "If the
  > MCP server makes requests to upstream APIs, it may act as an OAuth client
  > to them. The access token used at the upstream API is a separate token,
  > issued by the upstream authorization server. The MCP server MUST NOT pass
  > through the token it received from the MCP client."
  > RFC 8693 §1 (paraphrase): token exchange lets a client, here the MCP
  > server, trade a subject token for a new token suited to another resource;
  > §2.1 names the grant type urn:ietf:params:oauth:grant-type:token-exchange.
  > Target contract §4: "A conforming target exchanges the caller's token at
  > `BACKEND_TOKEN_URL` (RFC 8693) for a backend token of the same user and
  > organization, and calls the backend with that."
  > MCP 2025-11-25 Security Best Practices, hardening checklist: "Apply
  > timeouts to outbound requests (HTTP, databases, upstream APIs)" and
  > "Redact secrets in logs and error messages".

  # Requirement: The backend is called with an exchanged token of the caller's user and organization, never the client's own (MCP 2025-11-25: "The MCP server MUST NOT pass through the token it received from the MCP client"; target contract §4, RFC 8693).
  @must @auth-11.1 @needs-backend @serial @mcp-2025-06-18 @mcp-2025-11-25 @rfc8693 @core-app
  Scenario Outline: <tool> as <user> reaches the backend with an exchanged token of <user>
    Given the backend recording is cleared
    And a valid token for "<user>"
    When the client calls "<tool>" with <args>
    Then the tool succeeds
    And the backend received a token for "<user>"
    And the backend never received a client token

    Examples:
      | user  | tool              | args                                              |
      | alice | list_tickets      | {}                                                |
      | alice | get_ticket        | {"ticket_id": "{acme_ticket}"}                    |
      | alice | list_integrations | {}                                                |
      | alice | create_ticket     | {"title": "delegation check"}                     |
      | alice | update_ticket     | {"ticket_id": "{acme_ticket}", "priority": "low"} |
      | alice | sync_integration  | {"integration_id": "{acme_integration}"}          |
      | alice | system_status     | {}                                                |
      | bob   | get_ticket        | {"ticket_id": "{acme_ticket}"}                    |
      | carol | list_tickets      | {}                                                |

  # Requirement: MCP 2025-11-25: "The MCP server MUST NOT pass through the token it received from the MCP client", not even as a fallback when the exchange or the backend refuses.
  @must @auth-11.2 @needs-backend @serial @mcp-2025-06-18 @mcp-2025-11-25 @rfc8693
  Scenario Outline: With the backend failing "<fault>", <tool> fails and never falls back to the client's token
    Given the backend recording is cleared
    And the backend fails with "<fault>"
    And a valid token for "alice"
    When the client calls "<tool>" with <args>
    Then the tool fails
    And the backend never received a client token

    Examples:
      | fault        | tool          | args                           |
      | exchange-401 | list_tickets  | {}                             |
      | exchange-401 | system_status | {}                             |
      | 401          | get_ticket    | {"ticket_id": "{acme_ticket}"} |
      | 500          | create_ticket | {"title": "fault check"}       |

  # Requirement: A backend fault makes the tool fail with a tool error (isError and a message), before the target's backend timeout has passed by more than a moment, without harming the target, which recovers when the backend does (MCP 2025-11-25 hardening: "Apply timeouts to outbound requests"; core-app robustness).
  @should @auth-11.3 @needs-backend @mcp-2025-11-25 @core-app
  @needs-signing-key
  Scenario Outline: The target survives the backend fault "<fault>" and recovers
    Given a valid token for "alice"
    And the backend fails with "<fault>" for that token
    When the client calls "list_tickets"
    Then the tool fails with a clear error within the backend timeout
    And the server is healthy
    When the fault clears
    And the client calls "list_tickets"
    Then the tool succeeds

    Examples:
      | fault        |
      | down         |
      | slow         |
      | 500          |
      | 401          |
      | exchange-401 |

  # Requirement: MCP 2025-11-25 hardening: "Redact secrets in logs and error messages (for example: Authorization headers [...])"; the tool error for a backend fault never contains the token.
  @should @auth-11.4 @needs-backend @mcp-2025-11-25
  @needs-signing-key
  Scenario Outline: The error for the backend fault "<fault>" does not contain the token
    Given a valid token for "alice"
    And the backend fails with "<fault>" for that token
    When the client calls "list_tickets"
    Then the tool fails
    And the response does not contain the token
    And the tool error contains no token

    Examples:
      | fault        |
      | down         |
      | slow         |
      | 500          |
      | 401          |
      | exchange-401 |

  # Requirement: Target contract §5: the exchanged token "keeps sub, org_id and the granted scope" of the subject token (RFC 8693 §2.1: the new token is issued for the subject_token presented); a backend token obtained for alice's full token never serves her read-only token.
  @must @auth-11.5 @needs-backend @serial @rfc8693 @core-app @mcp-2025-11-25
  @needs-narrow-token
  Scenario: A backend token obtained for one token of alice is not reused for her read-only token
    Given a valid token for "alice"
    When the client calls "list_tickets"
    Given the backend recording is cleared
    And a token for "alice" with scope "read"
    When the client calls "list_tickets"
    Then the tool succeeds
    And the backend received a token for "alice"
    And the backend never received a scope beyond "read"
