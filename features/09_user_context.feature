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
  > MCP 2025-11-25 server/tools, Security Considerations: "Servers **MUST**:
  > [...] Implement proper access controls".
  > MCP 2025-06-18 Security Best Practices, Session Hijacking, Mitigation:
  > "the user ID is derived from the user token and not provided by the
  > client".

  # Requirement: Target contract §4: whoami returns the token's sub as user_id and org_id as org_id.
  # Why must: contract §4 defines whoami's answer from the verified claims ("user_id": sub, "org_id": org_id), so every conforming whoami names the token's user and organization; only one that answers for someone else, or not at all, fails.
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
  # Why must: contract §4 defines "scopes" as the token's scopes, a list, and the token grants the scope named; only a whoami that drops or replaces the token's scopes fails.
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
  # Why must: the backend records the sub of the token it receives as created_by (contract §5), and the only token the contract lets a target use is one of the caller (exchanged, same sub); only a target that creates with another identity fails.
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
  # Why must: each call carries its own token, and contract §4 answers whoami from that token's claims and lists from the backend for that token's org_id; a call the target refuses (a rate limit) is no violation, so only an answer with another call's identity or rows fails (and a target that serves no call of a user).
  @must @auth-9.4 @core-app @mcp-2025-11-25
  @needs-signing-key @needs-user-b @needs-same-org-user
  Scenario: 100 concurrent calls of four users in two organizations each see only their own identity
    When 100 concurrent calls run as "alice", "bob", "carol", "dave"
    Then every concurrent call saw only its own identity and organization

  # Requirement: Under concurrent load every call is served as its own user and organization, also when two organizations alternate call by call (core-app isolation policy).
  # Why must: as auth-9.4: refusals pass, only an answer with another call's identity or rows fails.
  @must @auth-9.5 @core-app @mcp-2025-11-25
  @needs-signing-key @needs-user-b @needs-same-org-user
  Scenario: 60 concurrent calls alternating between two organizations each see only their own identity
    When 60 concurrent calls run as "carol", "alice", "henry", "bob"
    Then every concurrent call saw only its own identity and organization
