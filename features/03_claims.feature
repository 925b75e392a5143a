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

  # Requirement: RFC 7519 §4.1.4: "The "exp" (expiration time) claim identifies the expiration time on or after which the JWT MUST NOT be accepted for processing. [...] Its value MUST be a number containing a NumericDate value."; target contract §3: exp "required"; MCP 2025-06-18 Token Handling: "Invalid or expired tokens MUST receive a HTTP 401 response."
  # Why must: each exp is an hour or more past (beyond any "small leeway"), or absent though required, or null; the string row is an hour past too, so a parser that refuses a non-number and one that reads the string as a date both refuse it; EXP is another claim (names are case-sensitive), so no reading the sources allow finds a valid exp, and MCP allows only 401.
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
      | exp string in the past |
      | exp expired, EXP valid |

  # Requirement: RFC 7519 §4.1.4: "Implementers MAY provide for some small leeway, usually no more than a few minutes, to account for clock skew."; a token expired 6 minutes ago is beyond the usual leeway and should be refused with 401.
  @should @auth-3.2 @rfc7519 @core-app
  Scenario: A token expired just beyond the leeway is refused with 401
    Given the hostile token "exp just outside leeway"
    When the client sends "initialize"
    Then the response status is 401

  # Requirement: RFC 7519 §4: "JWT parsers MUST either reject JWTs with duplicate Claim Names or use a JSON parser that returns only the lexically last duplicate member name"; RFC 7519 §4.1.4: on or after exp the JWT "MUST NOT be accepted for processing"; MCP 2025-06-18 Token Handling: expired tokens "MUST receive a HTTP 401 response".
  # Why must: the token repeats exp, valid first and an hour past last; a parser that rejects duplicates refuses it, one that keeps the last reads an expired token and refuses it; only a first-wins or mixed parser serves it.
  @must @auth-3.3 @rfc7519 @core-app
  @needs-signing-key
  Scenario: A token whose last expiry is past is refused with 401
    Given the hostile token "duplicate exp keys, expired last"
    When the client sends "initialize"
    Then the response status is 401

  # Requirement: RFC 7519 §4.1.5: "The "nbf" (not before) claim identifies the time before which the JWT MUST NOT be accepted for processing."; MCP 2025-06-18 Token Handling: invalid tokens "MUST receive a HTTP 401 response".
  # Why must: nbf is an hour ahead, beyond any "small leeway" (§4.1.4's "usually no more than a few minutes"), so the token may not be processed yet, and MCP allows only 401.
  @must @auth-3.4 @rfc7519 @mcp-2025-06-18
  @needs-signing-key
  Scenario: A token that is not valid yet is refused with 401
    Given the hostile token "nbf in the future"
    When the client sends "initialize"
    Then the response status is 401

  # Requirement: Suite advice (RFC 7519 §4.1.6 only says that "iat" "can be used to determine the age of the JWT"; target contract §3: iat "optional; honoured when present", with no rule for a future one): a token issued an hour in the future is refused.
  @may @hardening @auth-3.5 @rfc7519 @core-app
  @needs-signing-key
  Scenario: A token issued in the future is refused with 401
    Given the hostile token "iat in the future"
    When the client sends "initialize"
    Then the response status is 401

  # Requirement: Target contract §3: `iss` "equals `JWT_ISSUER`"; MCP 2025-06-18 Token Handling: "Invalid or expired tokens MUST receive a HTTP 401 response."
  # Why must: a wrong, missing or numeric iss cannot equal JWT_ISSUER, so the token is invalid under the contract, and MCP allows only 401.
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

  # Requirement: RFC 7519 §4.1.1: "The "iss" value is a case-sensitive string containing a StringOrURI value."; target contract §3: `iss` "equals `JWT_ISSUER`"; MCP 2025-06-18: invalid tokens "MUST receive a HTTP 401 response".
  # Why must: compared case-sensitively, as §4.1.1 requires, "Core-App" is not the issuer; the token is invalid and MCP allows only 401.
  @must @auth-3.7 @rfc7519 @core-app
  Scenario: A token whose issuer differs only in letter case is refused with 401
    Given a token for "alice" with claim "iss" set to "\"Core-App\""
    When the client sends "initialize"
    Then the response status is 401

  # Requirement: RFC 7519 §4.1.3: "If the principal processing the claim does not identify itself with a value in the "aud" claim when this claim is present, then the JWT MUST be rejected."; MCP 2025-06-18 Token Handling: "MCP servers MUST validate that access tokens were issued specifically for them as the intended audience"; target contract §3: aud "contains `JWT_AUDIENCE`".
  # Why must: none of these audiences contains JWT_AUDIENCE (compared case-sensitively; a missing aud names no one), so the token was not issued for this server, and MCP allows only 401.
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

  # Requirement: MCP 2025-06-18 authorization, Token Handling: "MCP servers MUST NOT accept or transit any other tokens." and "MCP servers MUST validate that access tokens were issued specifically for them as the intended audience"; a token for the backend API (aud "core-api") is another token.
  # Why must: the token's audience is the backend API, not JWT_AUDIENCE; it was not issued for this server, so accepting it is the violation and every refusal by 401 passes.
  @must @auth-3.9 @mcp-2025-06-18 @mcp-2025-11-25 @rfc7519
  @needs-other-audience
  Scenario: A token issued for the backend API, audience as a string, is refused with 401
    Given a token for "alice" with claim "aud" set to "\"core-api\""
    When the client sends "initialize"
    Then the response status is 401

  # Requirement: MCP 2025-06-18 authorization, Token Handling: "MCP servers MUST NOT accept or transit any other tokens." and "MCP servers MUST validate that access tokens were issued specifically for them as the intended audience"; a token for the backend API (aud ["core-api"]) is another token.
  # Why must: the token's audience is the backend API, not JWT_AUDIENCE; it was not issued for this server, so accepting it is the violation and every refusal by 401 passes.
  @must @auth-3.10 @mcp-2025-06-18 @mcp-2025-11-25 @rfc7519
  @needs-other-audience
  Scenario: A token issued for the backend API, audience as an array, is refused with 401
    Given a token for "alice" with claim "aud" set to "[\"core-api\"]"
    When the client sends "initialize"
    Then the response status is 401

  # Requirement: Target contract §3: `sub` "user id", `org_id` "organization id"; §4: "the organization always comes from the token". The contract names no claim `sub` or `org_id` "required" (it does so for `exp`) and RFC 7519 §4.1.2 makes `sub` OPTIONAL, so no source puts a MUST on the server: refusing such a token with 401 is the contract's convention, held at @should.
  @should @auth-3.11 @core-app @rfc7519
  Scenario Outline: A token without a user or an organization is refused with 401: <name>
    Given the hostile token "<name>"
    When the client sends "initialize"
    Then the response status is 401

    Examples:
      | name           |
      | sub missing    |
      | org_id missing |

  # Requirement: Target contract §3: `sub` "user id, e.g. `user-alice`"; an empty string names no user. No source puts a MUST on the server for the claim (as auth-3.11): the contract's convention, held at @should.
  @should @auth-3.12 @core-app @rfc7519
  Scenario: A token with an empty subject is refused with 401
    Given a token for "alice" with claim "sub" set to "\"\""
    When the client sends "initialize"
    Then the response status is 401

  # Requirement: Target contract §3: `org_id` "organization id, e.g. `org-acme`"; an empty string names no organization. No source puts a MUST on the server for the claim (as auth-3.11): the contract's convention, held at @should.
  @should @auth-3.13 @core-app
  Scenario: A token with an empty organization is refused with 401
    Given a token for "alice" with claim "org_id" set to "\"\""
    When the client sends "initialize"
    Then the response status is 401

  # Requirement: Target contract §3: `org_id` "organization id, e.g. `org-acme`"; null names no organization. No source puts a MUST on the server for the claim (as auth-3.11): the contract's convention, held at @should.
  @should @auth-3.14 @core-app
  Scenario: A token with a null organization is refused with 401
    Given a token for "alice" with claim "org_id" set to "null"
    When the client sends "initialize"
    Then the response status is 401

  # Requirement: Target contract §3: `org_id` "organization id, e.g. `org-acme`"; a list is not one organization id, and choosing a member would guess. No source puts a MUST on the server for the claim (as auth-3.11): the contract's convention, held at @should.
  @should @auth-3.15 @core-app
  Scenario: A token naming two organizations is refused with 401
    Given a token for "alice" with claim "org_id" set to "[\"org-acme\", \"org-globex\"]"
    When the client sends "initialize"
    Then the response status is 401

  # Requirement: RFC 7519 §4.1.3: "In the general case, the "aud" value is an array of case-sensitive strings"; target contract §3: aud "string or array; contains `JWT_AUDIENCE`"; RFC 9068 §2.1 names "at+jwt" the typ of a JWT access token, and RFC 7515 §4.1.9 leaves typ to the application, which the contract gives no rule for.
  # Why must: each token is valid under the contract (an array containing JWT_AUDIENCE; a typ the contract does not restrict); refusing it refuses a token the contract says is accepted.
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
      | typ at+jwt                |

  # Requirement: Target contract §3: `iat`, `nbf` "optional; honoured when present"; `email`, `name` "optional user details" (RFC 7519 §4.1.5, §4.1.6: "Use of this claim is OPTIONAL.").
  # Why must: each token is valid without the optional claim; refusing it refuses a token the contract accepts.
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
  # Why must: the contract requires nothing of x_trace, so the claim must be ignored and the otherwise valid token served; only a refusal fails.
  @must @auth-3.18 @rfc7519
  @needs-signing-key
  Scenario: A token with an unknown claim is accepted
    Given a token for "alice" with claim "x_trace" set to "\"a1b2c3\""
    When the client calls "whoami"
    Then the tool succeeds

  # Requirement: RFC 7519 §4.1.7: the "jti" claim "provides a unique identifier for the JWT"; "Use of this claim is OPTIONAL."; target contract §3 sets no rule for it.
  # Why must: a fresh jti, never seen before, leaves the token valid under every rule the contract and RFC 7519 set (even one-time-use replay checks accept a first use); only a refusal fails.
  @must @auth-3.19 @rfc7519
  @needs-signing-key
  Scenario: A token with a JWT ID is accepted
    Given a token for "alice" with claim "jti" set to "\"0f8e4c1a-jti\""
    When the client calls "whoami"
    Then the tool succeeds

  # Requirement: RFC 7519 §4.1.4: "Implementers MAY provide for some small leeway, usually no more than a few minutes, to account for clock skew." (§4.1.5 the same for nbf); a target that allows 20 s is worth knowing, and one that allows none is conformant.
  @may @auth-3.20 @rfc7519 @core-app
  @needs-signing-key
  Scenario Outline: A token within a small clock-skew leeway is accepted: <name>
    Given the acceptable token "<name>"
    When the client calls "whoami"
    Then the tool succeeds

    Examples:
      | name                   |
      | exp just inside leeway |
      | nbf just inside leeway |

  # Requirement: Suite advice, beyond RFC 7519 §4 (which lets a parser keep "only the lexically last duplicate member name"; here the last exp is valid): refusing duplicate claims keeps every parser of the token reading the same expiry.
  @may @hardening @auth-3.21 @rfc7519 @core-app
  Scenario: A token that repeats "exp" is refused with 401
    Given the hostile token "duplicate exp keys"
    When the client sends "initialize"
    Then the response status is 401

  # Requirement: Suite advice, beyond RFC 7519 §4.1.4 ("Its value MUST be a number containing a NumericDate value" binds the issuer; the recipient's MUST is only not to accept a token on or after its exp): a quoted exp of a future time is no NumericDate, and refusing it keeps every reader of the token agreeing on its expiry.
  @may @hardening @auth-3.22 @rfc7519 @core-app
  Scenario: A token whose exp is a string of a future time is refused with 401
    Given the hostile token "exp string"
    When the client sends "initialize"
    Then the response status is 401
