Feature: 1. Credentials and header syntax
  The target takes a bearer token from one place only: a single
  Authorization header using the Bearer scheme. Any other place, any other
  scheme, and any request that carries more than one credential is refused.

  > RFC 6750 §2.1: "Clients SHOULD make authenticated requests with a bearer
  > token using the "Authorization" request header field with the "Bearer"
  > HTTP authorization scheme. Resource servers MUST support this method."
  > RFC 6750 §2.1 (syntax): credentials = "Bearer" 1*SP b64token
  > RFC 6750 §2: "Clients MUST NOT use more than one method to transmit the
  > token in each request."
  > RFC 6750 §3.1, invalid_request: "The request is missing a required
  > parameter, includes an unsupported parameter or parameter value, repeats
  > the same parameter, uses more than one method for including an access
  > token, or is otherwise malformed. The resource server SHOULD respond with
  > the HTTP 400 (Bad Request) status code."
  > RFC 9110 §11.1 (paraphrase): the authentication scheme is a
  > case-insensitive token; §11.4: credentials = auth-scheme [ 1*SP ( token68 / #auth-param ) ].
  > MCP 2025-06-18 authorization, Token Requirements: "MCP client MUST use the
  > Authorization request header field [...] Authorization: Bearer <access-token>"
  > and "Access tokens MUST NOT be included in the URI query string".
  > MCP 2025-06-18 authorization, Error Handling: 401 "Authorization required
  > or token invalid"; 400 "Malformed authorization request".
  > Target contract §3: "Tokens arrive only as `Authorization: Bearer <token>`.
  > A token in the query string, a form body or a cookie is never accepted."

  # Requirement: MCP 2025-06-18 authorization, Error Handling: "Servers MUST return appropriate HTTP status codes for authorization errors", 401 for "Authorization required or token invalid"; RFC 6750 §3: without credentials "the resource server MUST include the HTTP "WWW-Authenticate" response header field".
  # Why must: the only status the table gives a request that lacks authorization is 401; any other answer serves an unauthenticated request or names another error.
  @must @auth-1.1 @mcp-2025-06-18 @rfc6750
  Scenario: A request without credentials is refused with 401
    Given no credentials
    When the client sends "initialize"
    Then the response status is 401

  # Requirement: RFC 6750 §2.1: "Clients SHOULD make authenticated requests with a bearer token using the "Authorization" request header field with the "Bearer" HTTP authorization scheme. Resource servers MUST support this method."
  # Why must: the token is valid and sent exactly as the method prescribes; refusing it refuses the one method a resource server must support.
  @must @auth-1.2 @rfc6750 @core-app
  Scenario: A valid token in the Authorization header is accepted
    Given a valid token for "alice"
    When the client sends "initialize"
    Then the request is accepted

  # Requirement: Target contract §3: "Tokens arrive only as `Authorization: Bearer <token>`."; RFC 6750 §3.1: a request that "attempted using an unsupported authentication method" lacks authentication information, and MCP 2025-06-18 Error Handling gives 401 to "Authorization required".
  # Why must: another scheme carries no bearer credential, so the request lacks authorization and the table leaves only 401; serving it reads a token the contract says never arrives that way.
  @must @auth-1.3 @rfc6750 @core-app
  Scenario Outline: A token under another scheme, or under none, is refused: <case>
    Given the Authorization header "<value>"
    When the client sends "initialize"
    Then the response status is 401

    Examples:
      | case                        | value                      |
      | Basic credentials           | Basic YWxpY2U6cGFzc3dvcmQ= |
      | the valid token under Basic | Basic {token}              |
      | the valid token under Token | Token {token}              |
      | the valid token under JWT   | JWT {token}                |
      | the bare valid token        | {token}                    |

  # Requirement: RFC 6750 §2.1: credentials = "Bearer" 1*SP b64token; "Bearer " carries no token. MCP 2025-06-18 Error Handling: "Servers MUST return appropriate HTTP status codes for authorization errors": 401 "Authorization required or token invalid", 400 "Malformed authorization request".
  # Why must: with no b64token there is nothing to accept; the request lacks authorization (401) or is malformed (400, RFC 6750 §3.1 invalid_request), and both pass; only serving it fails.
  @must @auth-1.4 @rfc6750 @mcp-2025-06-18
  Scenario: The Bearer scheme followed by a space and nothing else is refused with 401 or 400
    Given the Authorization header "Bearer "
    When the client sends "initialize"
    Then the response status is 401 or 400

  # Requirement: RFC 6750 §2.1: credentials = "Bearer" 1*SP b64token; "Bearer" alone carries no token. MCP 2025-06-18 Error Handling: "Servers MUST return appropriate HTTP status codes for authorization errors": 401 "Authorization required or token invalid", 400 "Malformed authorization request".
  # Why must: with no b64token there is nothing to accept; the request lacks authorization (401) or is malformed (400, RFC 6750 §3.1 invalid_request), and both pass; only serving it fails.
  @must @auth-1.5 @rfc6750 @mcp-2025-06-18
  Scenario: The Bearer scheme alone is refused with 401 or 400
    Given the Authorization header "Bearer"
    When the client sends "initialize"
    Then the response status is 401 or 400

  # Requirement: RFC 9110 §11.1: "It uses a case-insensitive token to identify the authentication scheme"; RFC 6750 §2.1: credentials = "Bearer" 1*SP b64token, and "Resource servers MUST support this method."
  # Why must: each header matches the grammar (any case of the scheme, one or more spaces) with a valid token; refusing it refuses the method a resource server must support.
  @must @auth-1.6 @rfc6750 @core-app
  Scenario Outline: A syntactically valid Bearer header is accepted: <case>
    Given the Authorization header "<value>"
    When the client sends "initialize"
    Then the request is accepted

    Examples:
      | case                    | value           |
      | lower-case scheme       | bearer {token}  |
      | upper-case scheme       | BEARER {token}  |
      | mixed-case scheme       | bEaReR {token}  |
      | two spaces before token | Bearer  {token} |

  # Requirement: RFC 6750 §2.1: credentials = "Bearer" 1*SP b64token; a header that does not match carries no bearer token. RFC 6750 §3.1 invalid_request, for a request that "is otherwise malformed": "The resource server SHOULD respond with the HTTP 400 (Bad Request) status code."; 401 treats it as no credentials.
  @should @auth-1.7 @rfc6750 @core-app
  Scenario Outline: A malformed Bearer header is refused with 401 or 400: <case>
    Given the Authorization header "<value>"
    When the client sends "initialize"
    Then the response status is 401 or 400

    Examples:
      | case                        | value                   |
      | a tab instead of a space    | Bearer{tab}{token}      |
      | no separator at all         | Bearer{token}           |
      | a hyphen instead of a space | Bearer-{token}          |
      | text after the token        | Bearer {token} trailing |

  # Requirement: RFC 6750 §3.1, invalid_request: "The request is missing a required parameter, includes an unsupported parameter or parameter value, repeats the same parameter, uses more than one method for including an access token, or is otherwise malformed. The resource server SHOULD respond with the HTTP 400 (Bad Request) status code." (RFC 9110 §5.3's MUST NOT on repeated fields binds the sender.)
  @should @auth-1.8 @rfc6750 @core-app
  Scenario Outline: Two Authorization headers are refused: <case>
    Given the Authorization headers "<first>" and "<second>"
    When the client sends "initialize"
    Then the request is refused

    Examples:
      | case               | first           | second                     |
      | valid, then forged | Bearer {token}  | Bearer {forged}            |
      | forged, then valid | Bearer {forged} | Bearer {token}             |
      | valid, twice       | Bearer {token}  | Bearer {token}             |
      | valid, then Basic  | Bearer {token}  | Basic YWxpY2U6cGFzc3dvcmQ= |

  # Requirement: RFC 6750 §3.1 invalid_request ("repeats the same parameter [...] or is otherwise malformed") "The resource server SHOULD respond with the HTTP 400 (Bad Request) status code."
  @should @auth-1.9 @rfc6750 @mcp-2025-06-18
  Scenario Outline: Two Authorization headers get 400 invalid_request: <case>
    Given the Authorization headers "<first>" and "<second>"
    When the client sends "initialize"
    Then the response status is 400
    And the challenge error is "invalid_request"

    Examples:
      | case               | first           | second                     |
      | valid, then forged | Bearer {token}  | Bearer {forged}            |
      | forged, then valid | Bearer {forged} | Bearer {token}             |
      | valid, twice       | Bearer {token}  | Bearer {token}             |
      | valid, then Basic  | Bearer {token}  | Basic YWxpY2U6cGFzc3dvcmQ= |

  # Requirement: Target contract §3: "A token in the query string, a form body or a cookie is never accepted." (MCP 2025-06-18 Token Requirements: "Access tokens MUST NOT be included in the URI query string"); MCP 2025-06-18 Error Handling: 401 for "Authorization required".
  # Why must: the request has no Authorization header, so it lacks authorization and the table leaves only 401; serving it accepts the token the contract never accepts.
  @must @auth-1.10 @mcp-2025-06-18 @rfc6750 @core-app
  Scenario: A token only in the query string is refused with 401
    Given the token is only in the query string
    When the client sends "initialize"
    Then the response status is 401

  # Requirement: Target contract §3: "A token in the query string, a form body or a cookie is never accepted."; MCP 2025-06-18 Error Handling: 401 for "Authorization required".
  # Why must: the request has no Authorization header, so it lacks authorization and the table leaves only 401; serving it accepts the token the contract never accepts.
  @must @auth-1.11 @rfc6750 @core-app
  Scenario: A token only in a form body is refused with 401
    Given the token is only in a form body
    When the client sends "initialize"
    Then the response status is 401

  # Requirement: Target contract §3: "A token in the query string, a form body or a cookie is never accepted."; MCP 2025-06-18 Error Handling: 401 for "Authorization required".
  # Why must: the request has no Authorization header, so it lacks authorization and the table leaves only 401; serving it accepts the token the contract never accepts.
  @must @auth-1.12 @mcp-2025-06-18 @core-app
  Scenario: A token only in a cookie is refused with 401
    Given the token is only in a cookie
    When the client sends "initialize"
    Then the response status is 401

  # Requirement: RFC 6750 §3.1, invalid_request: a request that "uses more than one method for including an access token": "The resource server SHOULD respond with the HTTP 400 (Bad Request) status code." (RFC 6750 §2's "Clients MUST NOT use more than one method" binds the client.)
  @should @auth-1.13 @rfc6750 @core-app
  Scenario: A token in both the header and the query string is refused
    Given a valid token for "alice"
    And the token is also in the query string
    When the client sends "initialize"
    Then the request is refused

  # Requirement: RFC 6750 §3.1 invalid_request covers a request that "uses more than one method for including an access token"; "The resource server SHOULD respond with the HTTP 400 (Bad Request) status code."
  @should @auth-1.14 @rfc6750 @mcp-2025-06-18
  Scenario: A token in both the header and the query string gets 400 invalid_request
    Given a valid token for "alice"
    And the token is also in the query string
    When the client sends "initialize"
    Then the response status is 400
    And the challenge error is "invalid_request"
