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
  > Target contract v2, §0: "`BACKEND_TIMEOUT` (optional, a duration such
  > as `1s`): the longest a target waits for one backend or token-exchange
  > call. A target that does not read it must still bound every backend
  > call (at most 30 s) and answer a tool error when the bound is hit."
  > MCP 2025-11-25 server/tools, Error Handling: "Tool Execution Errors:
  > Reported in tool results with `isError: true`: API failures [...]".
  > RFC 6750 §5.3: "Client implementations MUST ensure that bearer tokens
  > are not leaked to unintended parties" (towards the backend, the target
  > is the client, and its backend token is not the MCP client's to see).

  # Requirement: The backend is called with an exchanged token of the caller's user and organization, never the client's own (MCP 2025-11-25 authorization, Access Token Privilege Restriction: "The MCP server MUST NOT pass through the token it received from the MCP client"; target contract §4, RFC 8693).
  # Why must: every tool of the table but whoami calls the backend (contract §4), and the only token the sources allow there is one obtained for the caller (exchange keeps sub and org_id, contract §5; pass-through is a MUST NOT); a target that calls with such a token passes, only one that forwards the client's token, mints its own, or uses another user's fails.
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

  # Requirement: MCP 2025-11-25 authorization, Access Token Privilege Restriction: "The MCP server MUST NOT pass through the token it received from the MCP client", not even as a fallback when the exchange or the backend refuses.
  # Why must: with the exchange or the backend refusing, every allowed answer is a failed call (a tool error, a JSON-RPC error or an HTTP error), and the MUST NOT has no exception for a fallback; only a target that succeeds or sends the client's token to the backend fails.
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

  # Requirement: Target contract v2, §0: a target "must still bound every backend call (at most 30 s) and answer a tool error when the bound is hit"; MCP 2025-11-25 server/tools, Error Handling: "Tool Execution Errors: Reported in tool results with `isError: true`: API failures". A backend fault ends in a tool error with a message (under the slow fault, a target whose own timeout is longer than the delay may answer correctly instead), never in an HTTP 5xx or a hang, and the target stays healthy and recovers when the backend does.
  @should @auth-11.3 @needs-backend @mcp-2025-11-25 @core-app
  @needs-signing-key
  Scenario Outline: The target survives the backend fault "<fault>" and recovers
    Given a valid token for "alice"
    And the backend fails with "<fault>" for that token
    When the client calls "list_tickets"
    Then the call ends as the backend fault "<fault>" allows
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

  # Requirement: RFC 6750 §5.3: "Client implementations MUST ensure that bearer tokens are not leaked to unintended parties"; the answer to a call under a backend fault holds no token (neither the backend token the target obtained nor the client's own) and no secret. Under the slow fault the call may also succeed.
  @should @auth-11.4 @needs-backend @rfc6750 @mcp-2025-11-25
  @needs-signing-key
  Scenario Outline: The error for the backend fault "<fault>" does not contain the token
    Given a valid token for "alice"
    And the backend fails with "<fault>" for that token
    When the client calls "list_tickets"
    Then the tool fails, unless the fault "<fault>" only delays the backend
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
  # Why must: the backend token of the read-only call must come from an exchange of that token, whose grant cannot exceed "read" (contract §5, RFC 8693 §2.1 issues for the subject_token presented); a target that exchanges per token, or caches by token, passes; only one that reuses the backend token of alice's fuller token fails.
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

  # Requirement: Suite advice, no source requires it (BACKEND_TIMEOUT is optional in contract v2): a target started with BACKEND_TIMEOUT gives up on a slow backend within it, and answers a tool error before the slow backend (2 s) would have answered.
  @may @hardening @auth-11.6 @needs-backend @core-app
  @needs-signing-key
  Scenario: A slow backend becomes a tool error within the target's backend timeout
    Given a valid token for "alice"
    And the backend fails with "slow" for that token
    When the client calls "list_tickets"
    Then the tool fails with a clear error within the backend timeout
    When the fault clears
    And the client calls "list_tickets"
    Then the tool succeeds
