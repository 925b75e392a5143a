Feature: 9. User context
  The target acts as the user of the token and as nobody else: whoami answers
  from the verified claims, what a user creates is recorded as theirs, and
  under concurrent load from several users of two organizations no call ever
  sees another call's identity or organization.

  > Target contract §4: "`whoami` returns a JSON text content with at least
  > `{"user_id": sub, "org_id": org_id, "scopes": [...]}`"; whoami answers
  > "from the verified claims".
  > Target contract §1: the target "verifies tokens, never issues them, and
  > never stores users".
  > MCP 2025-11-25 Security Best Practices, hardening checklist: "Tool
  > execution SHOULD be authorized per user identity and scope/role where
  > applicable."
  > MCP 2025-11-25 Security Best Practices, Session Hijacking (paraphrase):
  > the user identity is "derived from the user token and not provided by
  > the client".

  # Requirement: Target contract §4: whoami returns the token's sub as user_id and org_id as org_id.
  @must @auth-9.1 @core-app
  Scenario Outline: whoami as <user> answers with <user>'s identity and organization
    Given a valid token for "<user>"
    When the client calls "whoami"
    Then the tool succeeds
    And the result field "user_id" is "<sub>"
    And the result field "org_id" is "<org>"

    Examples:
      | user  | sub        | org        |
      | alice | user-alice | org-acme   |
      | bob   | user-bob   | org-acme   |
      | carol | user-carol | org-globex |
      | dave  | user-dave  | org-globex |
      | gina  | user-gina  | org-acme   |

  # Requirement: Target contract §4: whoami returns the token's scopes as a list.
  @must @auth-9.2 @core-app
  Scenario Outline: whoami as <user> lists the scope "<scope>"
    Given a valid token for "<user>"
    When the client calls "whoami"
    Then the tool succeeds
    And the result field "scopes" lists "<scope>"

    Examples:
      | user  | scope |
      | alice | read  |
      | alice | write |
      | alice | admin |
      | bob   | read  |
      | erin  | write |
      | frank | admin |
      | henry | write |

  # Requirement: A ticket is created on behalf of the caller: created_by is the token's subject (target contract §4-§5).
  @must @auth-9.3 @core-app
  Scenario Outline: A ticket created by <user> is recorded as created by <sub>
    Given a valid token for "<user>"
    When the client calls "create_ticket" with {"title": "authored by <user>"}
    Then the tool succeeds
    And the result field "created_by" is "<sub>"

    Examples:
      | user  | sub        |
      | alice | user-alice |
      | carol | user-carol |
      | erin  | user-erin  |

  # Requirement: Under concurrent load every call is served as its own user and organization, never with another call's identity (target contract §1, §4; core-app isolation policy).
  @must @auth-9.4 @core-app @mcp-2025-11-25
  @needs-signing-key @needs-user-b @needs-narrow-token
  Scenario: 100 concurrent calls of four users in two organizations each see only their own identity
    When 100 concurrent calls run as "alice", "bob", "carol", "dave"
    Then every concurrent call saw only its own identity and organization

  # Requirement: Under concurrent load every call is served as its own user and organization, also when two organizations alternate call by call (core-app isolation policy).
  @must @auth-9.5 @core-app @mcp-2025-11-25
  @needs-signing-key @needs-user-b @needs-narrow-token
  Scenario: 60 concurrent calls alternating between two organizations each see only their own identity
    When 60 concurrent calls run as "carol", "alice", "henry", "bob"
    Then every concurrent call saw only its own identity and organization
