Feature: 4. Challenges
  Every refusal tells the client what to do next: a WWW-Authenticate Bearer
  challenge that names the protected resource metadata, an error code when a
  token was sent and failed, and the scope to ask for. The suite also
  advises (@hardening) a small JSON body and never repeating the credential.

  > RFC 6750 §3: "If the protected resource request does not include
  > authentication credentials or does not contain an access token that
  > enables access to the protected resource, the resource server MUST
  > include the HTTP "WWW-Authenticate" response header field".
  > RFC 6750 §3: "If the protected resource request included an access token
  > and failed authentication, the resource server SHOULD include the "error"
  > attribute to provide the client with the reason why the access request
  > was declined."
  > RFC 6750 §3.1: "If the request lacks any authentication information
  > (e.g., the client was unaware that authentication is necessary or
  > attempted using an unsupported authentication method), the resource
  > server SHOULD NOT include an error code or other error information."
  > RFC 6750 §3.1, invalid_token: "The access token provided is expired,
  > revoked, malformed, or invalid for other reasons. The resource SHOULD
  > respond with the HTTP 401 (Unauthorized) status code."
  > MCP 2025-06-18 authorization, Authorization Server Location: "MCP servers
  > MUST use the HTTP header WWW-Authenticate when returning a 401
  > Unauthorized to indicate the location of the resource server metadata
  > URL as described in RFC9728 Section 5.1".
  > MCP 2025-11-25 (and 2026-07-28) authorization: "MCP servers SHOULD include
  > a scope parameter in the WWW-Authenticate header as defined in RFC 6750
  > Section 3 to indicate the scopes required for accessing the resource."
  > MCP 2025-11-25 "Runtime Insufficient Scope Errors": "When a client makes a
  > request with an access token with insufficient scope during runtime
  > operations, the server SHOULD respond with: HTTP 403 Forbidden [...]
  > error="insufficient_scope" [...] scope="required_scope1 required_scope2"
  > [...] resource_metadata - the URI of the Protected Resource Metadata
  > document (for consistency with 401 responses)".
  > No source asks for a body in a refusal, nor forbids echoing the refused
  > token in it: those checks are the suite's own advice (@hardening).

  # Requirement: MCP 2025-06-18 authorization, Authorization Server Location: "MCP servers MUST use the HTTP header `WWW-Authenticate` when returning a _401 Unauthorized_ to indicate the location of the resource server metadata URL as described in RFC9728 Section 5.1".
  # Why must: the step finds the Bearer challenge among any challenges of the field (RFC 9110 §11.6.1), reads resource_metadata wherever the parameter stands, at either well-known location, and asks of the document only what RFC 9728 §3.3 makes a client check ("resource" is the URL the client used, or the profile's resource); only a 401 without the URL, or a URL whose metadata a client must discard, fails.
  @must @auth-4.1 @mcp-2025-06-18 @rfc9728 @rfc6750
  Scenario: A request without credentials gets a challenge that names the resource metadata
    Given no credentials
    When the client sends "initialize"
    Then the response status is 401
    And the challenge names the resource metadata

  # Requirement: MCP 2025-06-18 authorization, Authorization Server Location: "MCP servers MUST use the HTTP header `WWW-Authenticate` when returning a _401 Unauthorized_ to indicate the location of the resource server metadata URL as described in RFC9728 Section 5.1".
  # Why must: each token is invalid, so a 401 is the only answer (MCP 2025-06-18 Token Handling), and every 401 must carry the URL; the step accepts any challenge list and either well-known location, and fails only metadata a client must discard under RFC 9728 §3.3.
  @must @auth-4.2 @mcp-2025-06-18 @rfc9728 @rfc6750
  Scenario Outline: A refused token gets a challenge that names the resource metadata: <name>
    Given the hostile token "<name>"
    When the client sends "initialize"
    Then the response status is 401
    And the challenge names the resource metadata

    Examples:
      | name                   |
      | wrong secret           |
      | exp in the past        |
      | alg none, no signature |

  # Requirement: RFC 6750 §3.1: "If the request lacks any authentication information [...] the resource server SHOULD NOT include an error code or other error information."
  @should @auth-4.3 @rfc6750
  Scenario: A request without credentials gets a challenge without an error code
    Given no credentials
    When the client sends "initialize"
    Then the response status is 401
    And the challenge has no error code

  # Requirement: RFC 6750 §3.1: a client that "attempted using an unsupported authentication method" lacks authentication information; the challenge SHOULD NOT include an error code.
  @should @auth-4.4 @rfc6750
  Scenario: A request with Basic credentials gets a challenge without an error code
    Given the Authorization header "Basic YWxpY2U6cGFzc3dvcmQ="
    When the client sends "initialize"
    Then the response status is 401
    And the challenge has no error code

  # Requirement: RFC 6750 §3: "If the protected resource request included an access token and failed authentication, the resource server SHOULD include the "error" attribute"; §3.1 invalid_token: "The access token provided is expired, revoked, malformed, or invalid for other reasons."
  @should @auth-4.5 @rfc6750 @mcp-2025-06-18
  Scenario Outline: A refused token gets the error code invalid_token: <name>
    Given the hostile token "<name>"
    When the client sends "initialize"
    Then the response status is 401
    And the challenge error is "invalid_token"

    Examples:
      | name                   |
      | two segments           |
      | payload not json       |
      | alg none, no signature |
      | alg HS384              |
      | wrong secret           |
      | crit header            |
      | exp in the past        |
      | nbf in the future      |
      | iss wrong              |
      | aud other              |
      | org_id missing         |

  # Requirement: MCP 2025-11-25 authorization: "MCP servers **SHOULD** include a `scope` parameter in the `WWW-Authenticate` header as defined in RFC 6750 Section 3 to indicate the scopes required for accessing the resource."
  @should @auth-4.6 @mcp-2025-11-25 @mcp-2026-07-28 @rfc6750
  Scenario: A request without credentials gets a challenge with a scope
    Given no credentials
    When the client sends "initialize"
    Then the response status is 401
    And the challenge has a scope

  # Requirement: MCP 2025-11-25 authorization: "MCP servers **SHOULD** include a `scope` parameter in the `WWW-Authenticate` header as defined in RFC 6750 Section 3 to indicate the scopes required for accessing the resource.", also when refusing an expired token the client must replace.
  @should @auth-4.7 @mcp-2025-11-25 @mcp-2026-07-28 @rfc6750
  Scenario: A refused token gets a challenge with a scope
    Given the hostile token "exp in the past"
    When the client sends "initialize"
    Then the response status is 401
    And the challenge has a scope

  # Requirement: MCP 2025-11-25 authorization, Runtime Insufficient Scope Errors: "When a client makes a request with an access token with insufficient scope during runtime operations, the server **SHOULD** respond with:" `HTTP 403 Forbidden`, `error="insufficient_scope"`, and `scope="required_scope1 required_scope2"` "specifying the minimum scopes needed for the operation".
  @should @auth-4.8 @mcp-2025-11-25 @rfc6750
  @needs-narrow-token
  Scenario Outline: A tool call beyond the token's scope gets 403 insufficient_scope naming "<scope>": <tool>
    Given a valid token for "bob"
    When the client calls "<tool>" with <args>
    Then the response status is 403
    And the challenge error is "insufficient_scope"
    And the challenge scope is "<scope>"

    Examples:
      | tool          | scope | args                            |
      | create_ticket | write | {"title": "bob tries to write"} |
      | delete_ticket | admin | {"ticket_id": "{acme_ticket}"}  |

  # Requirement: MCP 2025-11-25 authorization, Runtime Insufficient Scope Errors: the server "**SHOULD** respond with" a Bearer challenge carrying "`resource_metadata` - the URI of the Protected Resource Metadata document (for consistency with 401 responses)".
  @should @auth-4.9 @mcp-2025-11-25 @rfc9728
  @needs-narrow-token
  Scenario: A 403 insufficient_scope challenge names the resource metadata
    Given a valid token for "bob"
    When the client calls "create_ticket" with {"title": "bob tries to write"}
    Then the response status is 403
    And the challenge names the resource metadata

  # Requirement: Suite advice (no source asks for a body; RFC 6750 §3 defines only the header): a refusal carries a small JSON body, as the core app's own errors do.
  @may @hardening @auth-4.10 @core-app @rfc6750
  Scenario: A 401 for missing credentials has a JSON body
    Given no credentials
    When the client sends "initialize"
    Then the response status is 401
    And the response body is JSON

  # Requirement: Suite advice (no source asks for a body): a 401 for a refused token carries a small JSON body.
  @may @hardening @auth-4.11 @core-app @rfc6750
  Scenario: A 401 for a refused token has a JSON body
    Given the hostile token "wrong secret"
    When the client sends "initialize"
    Then the response status is 401
    And the response body is JSON

  # Requirement: Suite advice (no source asks for a body): a 403 insufficient_scope carries a small JSON body.
  @may @hardening @auth-4.12 @core-app @mcp-2025-11-25
  @needs-narrow-token
  Scenario: A 403 insufficient_scope has a JSON body
    Given a valid token for "bob"
    When the client calls "create_ticket" with {"title": "bob tries to write"}
    Then the response status is 403, or the scenario is skipped
    And the response body is JSON

  # Requirement: Suite advice (no source asks for a body): a 400 for a malformed authorization request carries a small JSON body.
  @may @hardening @auth-4.13 @core-app @rfc6750
  Scenario: A 400 for two Authorization headers has a JSON body
    Given the Authorization headers "Bearer {token}" and "Bearer {forged}"
    When the client sends "initialize"
    Then the response status is 400, or the scenario is skipped
    And the response body is JSON

  # Requirement: Suite advice (no published source forbids it): a refusal never repeats the token it refuses, which would carry the credential into every log and proxy that keeps error answers.
  @may @hardening @auth-4.14 @rfc6750 @core-app
  Scenario Outline: A refusal does not echo the refused token: <name>
    Given the hostile token "<name>"
    When the client sends "initialize"
    Then the request is refused
    And the response does not contain the token

    Examples:
      | name                   |
      | wrong secret           |
      | tampered payload       |
      | alg none, no signature |
      | kid sql injection      |
      | payload not json       |
      | exp in the past        |

  # Requirement: Suite advice (no published source forbids it): the answer to a call beyond the token's scope (a 403, or whatever the target answers) does not echo the caller's valid token.
  @may @hardening @auth-4.15 @core-app
  @needs-narrow-token
  Scenario: The answer to a call beyond the token's scope does not echo the token
    Given a valid token for "bob"
    When the client calls "create_ticket" with {"title": "bob tries to write"}
    Then the response does not contain the token

  # Requirement: Suite advice (no published source forbids it): the answer to two credentials (a 400, or whatever the target answers) does not echo either of them.
  @may @hardening @auth-4.16 @rfc6750 @core-app
  Scenario: The answer to two Authorization headers does not echo the token
    Given the Authorization headers "Bearer {token}" and "Bearer {forged}"
    When the client sends "initialize"
    Then the response does not contain the token
