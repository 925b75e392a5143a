Feature: 8. Organizations
  The organization always comes from the verified token. A user of one
  organization can neither read, change, delete nor sync anything of another,
  cannot even learn that it exists (a foreign id answers exactly as an id that
  exists nowhere), sees only their own rows in every list, creates only in
  their own organization, and cannot choose another organization through a
  tool argument.

  > Target contract §4: "No tool takes an organization argument: the
  > organization always comes from the token."
  > Target contract §5: the backend "scopes every read and write to the
  > token's `org_id`"; a ticket answers "404 when absent or in another
  > organization".
  > MCP 2025-11-25 authorization, Access Token Privilege Restriction: "MCP
  > servers MUST validate access tokens before processing the request,
  > ensuring the access token is issued specifically for the MCP server, and
  > take all necessary steps to ensure no data is returned to unauthorized
  > parties."
  > MCP 2025-11-25 server/tools, Security Considerations: "Servers **MUST**:
  > Validate all tool inputs; Implement proper access controls" (a list in
  > the source). A tool may therefore refuse an argument it does not take
  > (a tool error or JSON-RPC -32602) or ignore it; both are allowed here.

  # Requirement: A resource of another organization is out of reach and indistinguishable from one that does not exist (target contract §4-§5; MCP 2025-11-25 authorization, Access Token Privilege Restriction: MCP servers "MUST [...] take all necessary steps to ensure no data is returned to unauthorized parties").
  # Why must: the backend scopes every read and write to the org_id of the token it receives and answers 404 both for an absent id and for one of another organization (contract §5); a target calling it with a token of the caller (the only one the contract allows) gets the same 404 for both ids, so the tool fails and the two answers match (ids, UUIDs and timestamps are masked); only a target that reaches the other organization, or looks the id up elsewhere and says so, fails.
  @must @auth-8.1 @core-app @mcp-2025-11-25
  Scenario Outline: <user> cannot reach another organization's resource with <tool>
    Given a valid token for "<user>"
    When the client calls "<tool>" with <foreign>
    Then the tool fails
    And the result is the same as for "<tool>" with <missing>

    Examples:
      | user  | tool             | foreign                                              | missing                                               |
      | alice | get_ticket       | {"ticket_id": "{globex_ticket}"}                     | {"ticket_id": "{missing_ticket}"}                     |
      | alice | update_ticket    | {"ticket_id": "{globex_ticket}", "status": "closed"} | {"ticket_id": "{missing_ticket}", "status": "closed"} |
      | alice | delete_ticket    | {"ticket_id": "{globex_ticket}"}                     | {"ticket_id": "{missing_ticket}"}                     |
      | alice | sync_integration | {"integration_id": "{globex_integration}"}           | {"integration_id": "{missing_integration}"}           |
      | carol | get_ticket       | {"ticket_id": "{acme_ticket}"}                       | {"ticket_id": "{missing_ticket}"}                     |
      | carol | update_ticket    | {"ticket_id": "{acme_ticket}", "status": "closed"}   | {"ticket_id": "{missing_ticket}", "status": "closed"} |
      | carol | delete_ticket    | {"ticket_id": "{acme_ticket}"}                       | {"ticket_id": "{missing_ticket}"}                     |
      | carol | sync_integration | {"integration_id": "{acme_integration}"}             | {"integration_id": "{missing_integration}"}           |

  # Requirement: Every list is scoped to the token's organization (target contract §5: the backend "scopes every read and write to the token's org_id"; the target must call it on the caller's behalf).
  # Why must: a tool returns "the backend's JSON body as a text content" (contract §4), and the backend lists only the rows of the token's org_id (contract §5), seeded with rows of both organizations; every target that calls it with a token of the caller passes, only one that lists with another organization's authority fails.
  @must @auth-8.2 @core-app @mcp-2025-11-25
  Scenario Outline: <user> lists only rows of <org> with <tool> <args>
    Given a valid token for "<user>"
    When the client calls "<tool>" with <args>
    Then the tool succeeds
    And every row of "<field>" has "org_id" equal to "<org>"

    Examples:
      | user  | tool              | args               | field        | org        |
      | alice | list_tickets      | {"page_size": 100} | tickets      | org-acme   |
      | alice | list_integrations | {}                 | integrations | org-acme   |
      | bob   | list_tickets      | {"status": "open"} | tickets      | org-acme   |
      | carol | list_tickets      | {"page_size": 100} | tickets      | org-globex |
      | carol | list_integrations | {}                 | integrations | org-globex |
      | dave  | list_integrations | {}                 | integrations | org-globex |

  # Requirement: A created ticket belongs to the caller's organization, taken from the token (target contract §4-§5: "201 ticket in the caller's organization").
  # Why must: the backend files a ticket in the org_id of the token it receives and returns it (contract §5), so every target that creates with a token of the caller answers with the caller's organization; only one that creates with another authority fails.
  @must @auth-8.3 @core-app
  Scenario Outline: A ticket created by <user> lands in <org>
    Given a valid token for "<user>"
    When the client calls "create_ticket" with {"title": "created by <user>"}
    Then the tool succeeds
    And the result field "org_id" is "<org>"

    Examples:
      | user  | org        |
      | alice | org-acme   |
      | carol | org-globex |
      | erin  | org-acme   |

  # Requirement: Target contract §4: "No tool takes an organization argument: the organization always comes from the token"; an argument naming another organization never yields its rows (the tool may also refuse it).
  # Why must: a target may ignore the unknown argument (the caller's rows) or refuse it (a tool error, a JSON-RPC error such as -32602, or an HTTP refusal): all pass; only rows of the named organization fail.
  @must @auth-8.4 @core-app @mcp-2025-11-25
  Scenario Outline: An organization argument never lists another organization's rows: <user> calls <tool> with <args>
    Given a valid token for "<user>"
    When the client calls "<tool>" with <args>
    Then no row of "<field>" has "org_id" equal to "<other>"

    Examples:
      | user  | tool              | args                                       | field        | other      |
      | alice | list_tickets      | {"org_id": "org-globex"}                   | tickets      | org-globex |
      | alice | list_tickets      | {"org_id": "org-globex", "page_size": 100} | tickets      | org-globex |
      | alice | list_tickets      | {"organization": "org-globex"}             | tickets      | org-globex |
      | alice | list_integrations | {"org_id": "org-globex"}                   | integrations | org-globex |
      | carol | list_tickets      | {"org_id": "org-acme"}                     | tickets      | org-acme   |
      | carol | list_integrations | {"org_id": "org-acme"}                     | integrations | org-acme   |

  # Requirement: Target contract §4: the organization always comes from the token; a create with an organization argument is never filed in, or answered for, the other organization.
  # Why must: ignoring the argument (the ticket lands in the caller's organization) and refusing it (any failure) both pass; only an answer naming the other organization's user or org_id fails.
  @must @auth-8.5 @core-app
  Scenario Outline: An organization argument never creates in another organization: <user> naming <other_org>
    Given a valid token for "<user>"
    When the client calls "create_ticket" with {"title": "org override attempt", "org_id": "<other_org>"}
    Then the call is not served as "<other_user>"

    Examples:
      | user  | other_org  | other_user |
      | alice | org-globex | carol      |
      | carol | org-acme   | alice      |

  # Requirement: Target contract §4-§5: an organization argument does not open another organization's ticket; the call fails.
  # Why must: whether the target ignores the argument or refuses it, the backend answers 404 for another organization's ticket to a token of the caller (contract §5), so every allowed answer is a failed call (tool error, JSON-RPC error or HTTP refusal); only a target that opens the ticket with another authority succeeds.
  @must @auth-8.6 @core-app
  Scenario Outline: An organization argument never opens another organization's ticket: <user>
    Given a valid token for "<user>"
    When the client calls "get_ticket" with <args>
    Then the tool fails

    Examples:
      | user  | args                                                     |
      | alice | {"ticket_id": "{globex_ticket}", "org_id": "org-globex"} |
      | carol | {"ticket_id": "{acme_ticket}", "org_id": "org-acme"}     |
