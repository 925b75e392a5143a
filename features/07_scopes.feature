Feature: 7. Scopes
  Every tool needs one scope of the token: whoami any valid token;
  list_tickets, get_ticket and list_integrations read; create_ticket,
  update_ticket and sync_integration write; delete_ticket and system_status
  admin. No scope implies another, scope values are compared exactly, and the
  scopes come from the token, never from who the user is. A call without the
  scope is refused before the tool runs: the backend sees nothing.

  > Target contract §3: scope is "space-delimited, from `read`, `write`,
  > `admin`; no scope implies another"; §4 gives the tool table above.
  > RFC 6750 §3: "The "scope" attribute is a space-delimited list of
  > case-sensitive scope values indicating the required scope of the access
  > token for accessing the requested resource."
  > MCP 2025-06-18 authorization, Error Handling: 403 "Invalid scopes or
  > insufficient permissions".
  > MCP 2025-11-25 "Runtime Insufficient Scope Errors": "When a client makes a
  > request with an access token with insufficient scope during runtime
  > operations, the server SHOULD respond with: HTTP 403 Forbidden status code
  > (per RFC 6750 Section 3.1)" and a challenge with
  > error="insufficient_scope" and scope="[...]" "specifying the minimum
  > scopes needed for the operation".
  > MCP 2025-11-25 Security Best Practices, Scope Minimization, Common
  > Mistakes: "Treating claimed scopes in token as sufficient without
  > server-side authorization logic".
  > A refusal may come as a 403, a tool error or a JSON-RPC error (a tool
  > hidden from a caller without its scope); each is a failed call. The
  > backend check counts only calls to its API (`/api/`): a token exchange
  > at `/oauth/token` is not a tool running.

  # Requirement: Target contract §4, the tool table: each tool's scope (whoami "any valid token"; read, write or admin), and §3: scope "space-delimited, from `read`, `write`, `admin`; no scope implies another".
  # Why must: the token holds exactly the scope the table names for the tool, so the call is authorized; refusing it is a false refusal, and any successful result passes.
  @must @auth-7.1 @core-app
  Scenario Outline: <user> holding exactly "<scope>" may call <tool>
    Given a valid token for "<user>"
    When the client calls "<tool>" with <args>
    Then the tool succeeds

    Examples:
      | tool              | user  | scope  | args                                               |
      | whoami            | gina  | (none) | {}                                                 |
      | list_tickets      | bob   | read   | {}                                                 |
      | get_ticket        | bob   | read   | {"ticket_id": "{acme_ticket}"}                     |
      | list_integrations | dave  | read   | {}                                                 |
      | create_ticket     | erin  | write  | {"title": "scope check by erin"}                   |
      | update_ticket     | erin  | write  | {"ticket_id": "{acme_ticket}", "priority": "high"} |
      | sync_integration  | erin  | write  | {"integration_id": "{acme_integration}"}           |
      | system_status     | frank | admin  | {}                                                 |

  # Requirement: Target contract §4: `delete_ticket` needs scope `admin` and calls `DELETE /api/tickets/{id}`; the call reaches the backend on frank's behalf, here for a ticket that exists nowhere, so that no seed data is lost.
  # Why must: frank's token holds admin, so the contract has the tool call the backend with a token for frank; the step accepts whatever the backend answers and fails only when no call for frank arrived.
  @must @auth-7.2 @needs-backend @serial @core-app
  @needs-user-b
  Scenario: frank holding exactly "admin" may call delete_ticket
    Given the backend recording is cleared
    And a valid token for "frank"
    When the client calls "delete_ticket" with {"ticket_id": "{missing_ticket}"}
    Then the backend received a token for "frank"

  # Requirement: Target contract §3: scope "space-delimited, from `read`, `write`, `admin`; no scope implies another", and §4 the tool table; MCP 2025-06-18 authorization, Error Handling: 403 for "Invalid scopes or insufficient permissions".
  # Why must: the token lacks the tool's scope, so the tool may not run; every refusal passes (403, a tool error, a JSON-RPC error), and only a successful result or a call to the backend API fails.
  @must @auth-7.3 @needs-backend @serial @core-app @mcp-2025-06-18
  Scenario Outline: <user> without "<scope>" cannot call <tool>
    Given the backend recording is cleared
    And a valid token for "<user>"
    When the client calls "<tool>" with <args>
    Then the tool fails
    And the backend recorded no call

    Examples:
      | tool              | scope | user  | args                                                 |
      | list_tickets      | read  | erin  | {}                                                   |
      | list_tickets      | read  | frank | {}                                                   |
      | list_tickets      | read  | gina  | {}                                                   |
      | get_ticket        | read  | erin  | {"ticket_id": "{acme_ticket}"}                       |
      | get_ticket        | read  | frank | {"ticket_id": "{globex_ticket}"}                     |
      | get_ticket        | read  | gina  | {"ticket_id": "{acme_ticket}"}                       |
      | list_integrations | read  | erin  | {}                                                   |
      | list_integrations | read  | frank | {}                                                   |
      | list_integrations | read  | gina  | {}                                                   |
      | create_ticket     | write | bob   | {"title": "scope check"}                             |
      | create_ticket     | write | dave  | {"title": "scope check"}                             |
      | create_ticket     | write | frank | {"title": "scope check"}                             |
      | create_ticket     | write | gina  | {"title": "scope check"}                             |
      | update_ticket     | write | bob   | {"ticket_id": "{acme_ticket}", "status": "closed"}   |
      | update_ticket     | write | dave  | {"ticket_id": "{globex_ticket}", "status": "closed"} |
      | update_ticket     | write | frank | {"ticket_id": "{globex_ticket}", "status": "closed"} |
      | update_ticket     | write | gina  | {"ticket_id": "{acme_ticket}", "status": "closed"}   |
      | sync_integration  | write | bob   | {"integration_id": "{acme_integration}"}             |
      | sync_integration  | write | dave  | {"integration_id": "{globex_integration}"}           |
      | sync_integration  | write | frank | {"integration_id": "{globex_integration}"}           |
      | sync_integration  | write | gina  | {"integration_id": "{acme_integration}"}             |
      | delete_ticket     | admin | bob   | {"ticket_id": "{acme_ticket}"}                       |
      | delete_ticket     | admin | dave  | {"ticket_id": "{globex_ticket}"}                     |
      | delete_ticket     | admin | erin  | {"ticket_id": "{acme_ticket}"}                       |
      | delete_ticket     | admin | henry | {"ticket_id": "{globex_ticket}"}                     |
      | delete_ticket     | admin | gina  | {"ticket_id": "{acme_ticket}"}                       |
      | system_status     | admin | bob   | {}                                                   |
      | system_status     | admin | dave  | {}                                                   |
      | system_status     | admin | erin  | {}                                                   |
      | system_status     | admin | henry | {}                                                   |
      | system_status     | admin | gina  | {}                                                   |

  # Requirement: Target contract §3: scope "space-delimited, from `read`, `write`, `admin`; no scope implies another": the scopes are the token's, not the user's; MCP 2025-11-25 Security Best Practices lists as a mistake "Treating claimed scopes in token as sufficient without server-side authorization logic".
  # Why must: alice may hold every scope, but this token lacks the tool's; every refusal passes (403, a tool error, a JSON-RPC error), and only a successful result or a call to the backend API fails.
  @must @auth-7.4 @needs-backend @serial @core-app @mcp-2025-11-25
  @needs-narrow-token
  Scenario Outline: A token of alice with scope "<scope>" cannot call <tool>
    Given the backend recording is cleared
    And a token for "alice" with scope "<scope>"
    When the client calls "<tool>" with <args>
    Then the tool fails
    And the backend recorded no call

    Examples:
      | tool          | scope       | args                           |
      | list_tickets  | admin       | {}                             |
      | list_tickets  | write       | {}                             |
      | get_ticket    | admin write | {"ticket_id": "{acme_ticket}"} |
      | create_ticket | read        | {"title": "scope check"}       |
      | delete_ticket | read        | {"ticket_id": "{acme_ticket}"} |
      | system_status | read write  | {}                             |
      | list_tickets  |             | {}                             |

  # Requirement: RFC 6750 §3: "The "scope" attribute is a space-delimited list of case-sensitive scope values"; target contract §3: scope "space-delimited, from `read`, `write`, `admin`".
  # Why must: split on spaces and compared case-sensitively, none of these values is read, so list_tickets may not run; every refusal passes, and only a successful result or a call to the backend API fails.
  @must @auth-7.5 @needs-backend @serial @rfc6750 @core-app
  @needs-narrow-token
  Scenario Outline: A look-alike scope is not "read": <scope>
    Given the backend recording is cleared
    And a token for "alice" with scope "<scope>"
    When the client calls "list_tickets"
    Then the tool fails
    And the backend recorded no call

    Examples:
      | scope      |
      | readonly   |
      | read:all   |
      | READ       |
      | reads      |
      | read,write |
      | *          |

  # Requirement: MCP 2025-11-25 authorization, Runtime Insufficient Scope Errors: "When a client makes a request with an access token with insufficient scope during runtime operations, the server **SHOULD** respond with:" `HTTP 403 Forbidden`, `error="insufficient_scope"`, and `scope="required_scope1 required_scope2"` "specifying the minimum scopes needed for the operation".
  @should @auth-7.6 @mcp-2025-11-25 @rfc6750
  Scenario Outline: <user> calling <tool> gets 403 insufficient_scope naming "<scope>"
    Given a valid token for "<user>"
    When the client calls "<tool>" with <args>
    Then the response status is 403
    And the challenge error is "insufficient_scope"
    And the challenge scope is "<scope>"

    Examples:
      | tool              | scope | user  | args                                               |
      | list_tickets      | read  | frank | {}                                                 |
      | get_ticket        | read  | gina  | {"ticket_id": "{acme_ticket}"}                     |
      | list_integrations | read  | erin  | {}                                                 |
      | create_ticket     | write | dave  | {"title": "scope check"}                           |
      | update_ticket     | write | gina  | {"ticket_id": "{acme_ticket}", "status": "closed"} |
      | sync_integration  | write | frank | {"integration_id": "{globex_integration}"}         |
      | delete_ticket     | admin | henry | {"ticket_id": "{globex_ticket}"}                   |
      | system_status     | admin | erin  | {}                                                 |
