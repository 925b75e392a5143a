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
  > MCP 2025-11-25 Security Best Practices, hardening checklist: "Tool
  > execution SHOULD be authorized per user identity and scope/role where
  > applicable." Scope Minimization, Common Mistakes: "Treating claimed
  > scopes in token as sufficient without server-side authorization logic".

  # Requirement: A token holding exactly the tool's scope may call the tool (target contract §4 tool table; no false refusals).
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

  # Requirement: A token holding exactly admin may call delete_ticket (target contract §4): the call reaches the backend, here for a ticket that exists nowhere, so that no seed data is lost.
  @must @auth-7.2 @needs-backend @serial @core-app
  @needs-user-b
  Scenario: frank holding exactly "admin" may call delete_ticket
    Given the backend recording is cleared
    And a valid token for "frank"
    When the client calls "delete_ticket" with {"ticket_id": "{missing_ticket}"}
    Then the backend received a token for "frank"

  # Requirement: A tool call without the tool's scope is refused before the tool runs, with no backend call (target contract §3-§4: "no scope implies another"; MCP 2025-06-18 Error Handling: 403 for insufficient permissions).
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

  # Requirement: Scopes come from the token, not from the user (target contract §3; MCP 2025-11-25: authorize "per user identity and scope"): alice, who may hold every scope, is refused what her token lacks, with no backend call.
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

  # Requirement: RFC 6750 §3: scope is "a space-delimited list of case-sensitive scope values"; a value that merely resembles read is not read, and the call is refused with no backend call.
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

  # Requirement: MCP 2025-11-25 "Runtime Insufficient Scope Errors": the server SHOULD answer 403 with error="insufficient_scope" and scope naming "the minimum scopes needed for the operation".
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
