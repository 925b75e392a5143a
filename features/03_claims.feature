Feature: 3. Claims
  A correctly signed token is accepted only when its claims are valid: it has
  not expired, is already valid, was issued by the core app for this MCP
  server, and names a user and an organization. Refusals get 401. Tokens the
  specification allows (an audience array, a small clock skew, the at+jwt
  type, absent optional claims, unknown claims) are accepted: a false refusal
  locks real users out.

  > RFC 7519 §4.1.4: "The "exp" (expiration time) claim identifies the
  > expiration time on or after which the JWT MUST NOT be accepted for
  > processing. [...] Implementers MAY provide for some small leeway, usually
  > no more than a few minutes, to account for clock skew. Its value MUST be a
  > number containing a NumericDate value."
  > RFC 7519 §4.1.5: "The "nbf" (not before) claim identifies the time before
  > which the JWT MUST NOT be accepted for processing."
  > RFC 7519 §4.1.3: "If the principal processing the claim does not identify
  > itself with a value in the "aud" claim when this claim is present, then
  > the JWT MUST be rejected." "In the general case, the "aud" value is an
  > array of case-sensitive strings".
  > RFC 7519 §4: "all claims that are not understood by implementations MUST
  > be ignored unless otherwise required by the application"; "JWT parsers
  > MUST either reject JWTs with duplicate Claim Names or use a JSON parser
  > that returns only the lexically last duplicate member name".
  > MCP 2025-06-18 authorization, Token Handling: "MCP servers MUST validate
  > that access tokens were issued specifically for them as the intended
  > audience [...] Invalid or expired tokens MUST receive a HTTP 401 response."
  > MCP 2025-06-18 Security Best Practices, Token Passthrough: "MCP servers
  > MUST NOT accept any tokens that were not explicitly issued for the MCP
  > server."
  > Target contract §3 (the core app's token policy): iss equals JWT_ISSUER;
  > aud (string or array) contains JWT_AUDIENCE; sub and org_id name the user
  > and organization; exp is required; iat and nbf are optional and
  > "honoured when present".

  # Requirement: RFC 7519 §4.1.4: an expired token "MUST NOT be accepted"; exp is required (target contract §3) and "MUST be a number containing a NumericDate value"; such tokens get 401 (MCP 2025-06-18).
  @must @auth-3.1 @rfc7519 @mcp-2025-06-18 @core-app
  Scenario Outline: A token with a bad expiry is refused with 401: <name>
    Given the hostile token "<name>"
    When the client sends "initialize"
    Then the response status is 401

    Examples:
      | name                   |
      | exp in the past        |
      | exp missing            |
      | exp zero               |
      | exp null               |
      | exp string             |
      | exp expired, EXP valid |

  # Requirement: RFC 7519 §4.1.4 allows "some small leeway, usually no more than a few minutes"; a token expired 6 minutes ago, beyond any such leeway, should be refused with 401.
  @should @auth-3.2 @rfc7519 @core-app
  Scenario: A token expired just beyond the leeway is refused with 401
    Given the hostile token "exp just outside leeway"
    When the client sends "initialize"
    Then the response status is 401

  # Requirement: Suite policy beyond RFC 7519 §4 (which lets a parser keep the lexically last duplicate and ignore an unknown EXP): a duplicate or case-variant expiry claim should be refused, so that no two parsers read a different expiry.
  @should @auth-3.3 @rfc7519 @core-app
  Scenario Outline: A token with an ambiguous expiry is refused with 401: <name>
    Given the hostile token "<name>"
    When the client sends "initialize"
    Then the response status is 401

    Examples:
      | name                  |
      | exp duplicated as EXP |
      | duplicate exp keys    |

  # Requirement: RFC 7519 §4.1.5: a token before its "nbf" time "MUST NOT be accepted for processing".
  @must @auth-3.4 @rfc7519 @mcp-2025-06-18
  @needs-signing-key
  Scenario: A token that is not valid yet is refused with 401
    Given the hostile token "nbf in the future"
    When the client sends "initialize"
    Then the response status is 401

  # Requirement: Target contract §3: iat is "honoured when present"; a token issued in the future is not a token the core app issued, and gets 401.
  @must @auth-3.5 @rfc7519 @core-app
  @needs-signing-key
  Scenario: A token issued in the future is refused with 401
    Given the hostile token "iat in the future"
    When the client sends "initialize"
    Then the response status is 401

  # Requirement: Target contract §3: iss equals JWT_ISSUER, the only accepted issuer; any other, absent or non-string issuer gets 401 (MCP 2025-06-18 Token Handling).
  @must @auth-3.6 @rfc7519 @mcp-2025-06-18 @core-app
  Scenario Outline: A token from another issuer is refused with 401: <name>
    Given the hostile token "<name>"
    When the client sends "initialize"
    Then the response status is 401

    Examples:
      | name        |
      | iss wrong   |
      | iss missing |
      | iss number  |

  # Requirement: Issuers are compared as exact, case-sensitive strings (RFC 7519 §2 StringOrURI; target contract §3), so an issuer differing only in case gets 401.
  @must @auth-3.7 @rfc7519 @core-app
  Scenario: A token whose issuer differs only in letter case is refused with 401
    Given a token for "alice" with claim "iss" set to "\"Core-App\""
    When the client sends "initialize"
    Then the response status is 401

  # Requirement: RFC 7519 §4.1.3: a JWT whose "aud" does not name the processor "MUST be rejected"; MCP 2025-06-18: servers "MUST validate that access tokens were issued specifically for them as the intended audience".
  @must @auth-3.8 @rfc7519 @mcp-2025-06-18 @mcp-2025-11-25
  Scenario Outline: A token for another audience is refused with 401: <name>
    Given the hostile token "<name>"
    When the client sends "initialize"
    Then the response status is 401

    Examples:
      | name            |
      | aud missing     |
      | aud other       |
      | aud wrong case  |
      | aud empty array |
      | aud number      |

  # Requirement: MCP 2025-06-18 Security Best Practices: "MCP servers MUST NOT accept any tokens that were not explicitly issued for the MCP server" — a token for the backend API (aud core-api) is one of them.
  @must @auth-3.9 @mcp-2025-06-18 @mcp-2025-11-25 @rfc7519
  @needs-other-audience
  Scenario: A token issued for the backend API, audience as a string, is refused with 401
    Given a token for "alice" with claim "aud" set to "\"core-api\""
    When the client sends "initialize"
    Then the response status is 401

  # Requirement: MCP 2025-06-18 Security Best Practices: "MCP servers MUST NOT accept any tokens that were not explicitly issued for the MCP server" — a token for the backend API (aud ["core-api"]) is one of them.
  @must @auth-3.10 @mcp-2025-06-18 @mcp-2025-11-25 @rfc7519
  @needs-other-audience
  Scenario: A token issued for the backend API, audience as an array, is refused with 401
    Given a token for "alice" with claim "aud" set to "[\"core-api\"]"
    When the client sends "initialize"
    Then the response status is 401

  # Requirement: Target contract §3: sub names the user and org_id the organization; a token without them cannot be served and gets 401.
  @must @auth-3.11 @core-app @rfc7519
  Scenario Outline: A token without a user or an organization is refused with 401: <name>
    Given the hostile token "<name>"
    When the client sends "initialize"
    Then the response status is 401

    Examples:
      | name           |
      | sub missing    |
      | org_id missing |

  # Requirement: Target contract §3: sub is a user id; an empty subject names nobody and gets 401.
  @must @auth-3.12 @core-app @rfc7519
  Scenario: A token with an empty subject is refused with 401
    Given a token for "alice" with claim "sub" set to "\"\""
    When the client sends "initialize"
    Then the response status is 401

  # Requirement: Target contract §3: org_id is an organization id; an empty organization must never match "every organization" and gets 401.
  @must @auth-3.13 @core-app
  Scenario: A token with an empty organization is refused with 401
    Given a token for "alice" with claim "org_id" set to "\"\""
    When the client sends "initialize"
    Then the response status is 401

  # Requirement: Target contract §3: org_id is an organization id; a null organization gets 401.
  @must @auth-3.14 @core-app
  Scenario: A token with a null organization is refused with 401
    Given a token for "alice" with claim "org_id" set to "null"
    When the client sends "initialize"
    Then the response status is 401

  # Requirement: Target contract §3: org_id is one organization id; a list of organizations is not one and gets 401.
  @must @auth-3.15 @core-app
  Scenario: A token naming two organizations is refused with 401
    Given a token for "alice" with claim "org_id" set to "[\"org-acme\", \"org-globex\"]"
    When the client sends "initialize"
    Then the response status is 401

  # Requirement: Valid tokens the specifications allow are accepted: RFC 7519 §4.1.3 aud arrays, RFC 7519 §4.1.4/§4.1.5 leeway for clock skew, RFC 9068 typ at+jwt (core-app policy: a false refusal locks users out).
  @must @auth-3.16 @rfc7519 @core-app
  @needs-signing-key
  Scenario Outline: An acceptable token is accepted: <name>
    Given the acceptable token "<name>"
    When the client calls "whoami"
    Then the tool succeeds
    And the result field "user_id" is "user-alice"

    Examples:
      | name                      |
      | aud array containing ours |
      | exp just inside leeway    |
      | nbf just inside leeway    |
      | typ at+jwt                |

  # Requirement: Target contract §3: iat and nbf are optional, and email and name are optional user details; a token without them is accepted.
  @must @auth-3.17 @core-app @rfc7519
  @needs-signing-key
  Scenario Outline: A token without an optional claim is accepted: <claim>
    Given a token for "alice" without claim "<claim>"
    When the client calls "whoami"
    Then the tool succeeds

    Examples:
      | claim |
      | iat   |
      | nbf   |
      | email |
      | name  |

  # Requirement: RFC 7519 §4: "all claims that are not understood by implementations MUST be ignored unless otherwise required by the application".
  @must @auth-3.18 @rfc7519
  @needs-signing-key
  Scenario: A token with an unknown claim is accepted
    Given a token for "alice" with claim "x_trace" set to "\"a1b2c3\""
    When the client calls "whoami"
    Then the tool succeeds

  # Requirement: RFC 7519 §4.1.7: "jti" is an optional registered claim; a token carrying one is accepted.
  @must @auth-3.19 @rfc7519
  @needs-signing-key
  Scenario: A token with a JWT ID is accepted
    Given a token for "alice" with claim "jti" set to "\"0f8e4c1a-jti\""
    When the client calls "whoami"
    Then the tool succeeds
