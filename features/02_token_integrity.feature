Feature: 2. Token integrity
  Every token is a JWS in compact serialization, signed with HS256 and the
  shared secret (or verified against the configured JWKS). The target checks
  the structure, the algorithm, the signature and the header before it reads
  a single claim, and refuses everything else with 401. The token names of
  this file are the hostile cases of `harness/hostile.go`.

  > MCP 2025-06-18 authorization, Token Handling: "MCP servers, acting in
  > their role as an OAuth 2.1 resource server, MUST validate access tokens as
  > described in OAuth 2.1 Section 5.2. [...] Invalid or expired tokens MUST
  > receive a HTTP 401 response."
  > RFC 7519 §7.2 (validating a JWT): "If any of the listed steps fail, then
  > the JWT MUST be rejected -- that is, treated by the application as an
  > invalid input."
  > RFC 7515 §2 (Base64url Encoding): "with all trailing '=' characters
  > omitted [...] and without the inclusion of any line breaks, whitespace,
  > or other additional characters".
  > RFC 7515 §4.1.1: the "alg" value "is a case-sensitive ASCII string";
  > "This Header Parameter MUST be present and MUST be understood and
  > processed by implementations."
  > RFC 8725 §3.1 (Perform Algorithm Verification): "Libraries MUST enable
  > the caller to specify a supported set of algorithms and MUST NOT use any
  > other algorithms when performing cryptographic operations."
  > RFC 7515 §4.1.11 (crit): "If any of the listed extension Header
  > Parameters are not understood and supported by the recipient, then the
  > JWS is invalid."
  > RFC 7515 §4: "The Header Parameter names within the JOSE Header MUST be
  > unique; JWS parsers MUST either reject JWSs with duplicate Header
  > Parameter names or use a JSON parser that returns only the lexically last
  > duplicate member name".
  > RFC 8725 §3.10 (Do Not Trust Received Claims): "blindly following a "jku"
  > (JWK set URL) or "x5u" (X.509 URL) header, which may contain an arbitrary
  > URL, could result in server-side request forgery (SSRF) attacks.
  > Applications SHOULD protect against such attacks". The same section asks
  > that "kid" lookups not create injection vulnerabilities.
  > Target contract §3: "Signed by the issuer, HS256 with `JWT_SECRET_KEY`
  > unless `JWT_JWKS_URL` is set." No source bounds the length of a token:
  > the size checks below are the suite's own advice (@hardening).

  # Requirement: RFC 7519 §7.2: "If any of the listed steps fail, then the JWT MUST be rejected -- that is, treated by the application as an invalid input."; MCP 2025-06-18 Token Handling: "Invalid or expired tokens MUST receive a HTTP 401 response."
  # Why must: none of these is a JWS compact serialization that §7.2's steps can validate, so each is an invalid token, and the only answer MCP allows an invalid token is 401.
  @must @auth-2.1 @rfc7515 @rfc7519 @mcp-2025-06-18
  Scenario Outline: A token of broken structure is refused with 401: <name>
    Given the hostile token "<name>"
    When the client sends "initialize"
    Then the response status is 401

    Examples:
      | name                     |
      | two segments             |
      | four segments            |
      | padded base64            |
      | standard base64 alphabet |
      | header not json          |
      | payload not json         |
      | payload json array       |
      | jwe compact              |
      | json serialization       |
      | empty token segments     |

  # Requirement: Target contract §3: "Signed by the issuer, HS256 with `JWT_SECRET_KEY`"; RFC 7515 §4.1.1: the "alg" value "is a case-sensitive ASCII string" and "This Header Parameter MUST be present"; RFC 7515 §4: a parser MUST "either reject JWSs with duplicate Header Parameter names or use a JSON parser that returns only the lexically last duplicate member name"; MCP 2025-06-18 Token Handling: "Invalid or expired tokens MUST receive a HTTP 401 response."
  # Why must: each header names no alg, or one that is not HS256 read case-sensitively (for the duplicate, both allowed parsers read the last, "none", or reject), so no token the issuer signs looks like it; it is invalid, and MCP allows only 401.
  @must @auth-2.2 @rfc8725 @rfc7515 @mcp-2025-06-18
  Scenario Outline: A token with an algorithm other than HS256 is refused with 401: <name>
    Given the hostile token "<name>"
    When the client sends "initialize"
    Then the response status is 401

    Examples:
      | name                            |
      | alg none, no signature          |
      | alg none, with signature        |
      | alg None                        |
      | alg NONE                        |
      | alg nOnE                        |
      | alg missing                     |
      | alg lowercase hs256             |
      | alg HS384                       |
      | alg HS512                       |
      | duplicate alg keys, HS256 first |

  # Requirement: Suite advice, beyond RFC 7515 §4 (which lets a parser "either reject JWSs with duplicate Header Parameter names or use a JSON parser that returns only the lexically last duplicate member name"; here the last is HS256, correctly signed): refusing duplicates keeps every parser of the token reading the same "alg".
  @may @hardening @auth-2.3 @rfc7515 @rfc8725
  Scenario: A token whose header repeats "alg" is refused with 401
    Given the hostile token "duplicate alg keys"
    When the client sends "initialize"
    Then the response status is 401

  # Requirement: RFC 7519 §7.2: "If any of the listed steps fail, then the JWT MUST be rejected"; one of them is validating the JWS (RFC 7515 §5.2), whose signature must verify under the configured key; MCP 2025-06-18 Token Handling: "Invalid or expired tokens MUST receive a HTTP 401 response."
  # Why must: no signature here verifies under the configured secret, so validation fails, the token is invalid, and MCP allows only 401.
  @must @auth-2.4 @rfc7515 @rfc7519 @rfc8725 @mcp-2025-06-18
  Scenario Outline: A token with a bad signature is refused with 401: <name>
    Given the hostile token "<name>"
    When the client sends "initialize"
    Then the response status is 401

    Examples:
      | name                            |
      | tampered payload                |
      | truncated signature             |
      | empty signature                 |
      | null signature bytes            |
      | wrong secret                    |
      | weak secret secret              |
      | weak secret password            |
      | weak secret empty               |
      | weak secret changeme            |
      | weak secret your-256-bit-secret |

  # Requirement: RFC 7515 §4.1.11: "If any of the listed extension Header Parameters are not understood and supported by the recipient, then the JWS is invalid."; a key named or embedded in the header is not the configured key, and RFC 7519 §7.2: the JWT "MUST be rejected"; MCP 2025-06-18 Token Handling: invalid tokens "MUST receive a HTTP 401 response".
  # Why must: the crit token lists "exp", no registered extension a recipient can support; the others are signed with a key that is not the configured one (or name a key file that holds none), so each is invalid and MCP allows only 401.
  @must @auth-2.5 @rfc7515 @rfc8725 @mcp-2025-06-18
  Scenario Outline: A token with a hostile header is refused with 401: <name>
    Given the hostile token "<name>"
    When the client sends "initialize"
    Then the response status is 401

    Examples:
      | name                  |
      | crit header           |
      | embedded jwk          |
      | kid path traversal    |
      | kid sql injection     |
      | kid command injection |

  # Requirement: RFC 7519 §7.2: "If any of the listed steps fail, then the JWT MUST be rejected"; a token signed with an attacker's key published at a jku/x5u URL does not verify under the configured key; MCP 2025-06-18 Token Handling: invalid tokens "MUST receive a HTTP 401 response".
  # Why must: the signature verifies only under the attacker's key, never the configured one, so the token is invalid and MCP allows only 401.
  @must @auth-2.6 @attacker @rfc7515 @rfc8725 @mcp-2025-06-18
  Scenario Outline: A token that points at an attacker's key is refused with 401: <name>
    Given the hostile token "<name>"
    When the client sends "initialize"
    Then the response status is 401

    Examples:
      | name       |
      | jku header |
      | x5u header |

  # Requirement: RFC 8725 §3.10: blindly following "jku" or "x5u" "could result in server-side request forgery (SSRF) attacks. Applications SHOULD protect against such attacks"; the target never fetches them.
  @should @auth-2.7 @attacker @rfc8725
  Scenario Outline: The target never fetches the URL in a token header: <name>
    Given the hostile token "<name>"
    When the client sends "initialize"
    Then the attacker listener received no request

    Examples:
      | name       |
      | jku header |
      | x5u header |

  # Requirement: Suite advice (RFC 8725 §3.10 asks, in lower case, that "kid" lookups not create injection vulnerabilities; no source sets a time): a hostile kid is refused within 500 ms, with no lookup that takes time.
  @may @hardening @auth-2.8 @rfc8725
  Scenario Outline: A token with an injection in its kid is refused promptly: <name>
    Given the hostile token "<name>"
    When the client sends "initialize"
    Then the response status is 401
    And the response arrived within 500 ms

    Examples:
      | name                  |
      | kid path traversal    |
      | kid sql injection     |
      | kid command injection |

  # Requirement: RFC 7519 §7.2: "If any of the listed steps fail, then the JWT MUST be rejected -- that is, treated by the application as an invalid input." A header part followed by 1 MiB of periods is no JWS (CVE-2025-30204).
  # Why must: the token is invalid whatever the limits; every refusal passes (401, 400, 413, 431 as RFC 6585 §5 has it, or closing the connection before an answer), and only serving it fails.
  @must @auth-2.9 @rfc7519 @rfc7515 @mcp-2025-06-18
  Scenario: A huge token is refused
    Given the hostile token "huge token"
    When the client sends "initialize"
    Then the request is refused

  # Requirement: Suite advice (no source bounds a token's length; the target contract leaves size limits open): a target bounds the token length it parses, so a correctly signed token with a 16 KiB claim is refused, by any 4xx or a closed connection.
  @may @hardening @auth-2.10 @core-app
  Scenario: An oversized but correctly signed token is refused
    Given the hostile token "oversized valid-looking token"
    When the client sends "initialize"
    Then the request is refused

  # Requirement: Suite advice (no source sets a size or a time): an oversized token is refused within a second, without costly parsing, by any 4xx or a closed connection.
  @may @hardening @auth-2.11 @core-app
  Scenario Outline: An oversized token is refused promptly: <name>
    Given the hostile token "<name>"
    When the client sends "initialize"
    Then the request is refused
    And the response arrived within 1000 ms

    Examples:
      | name                          |
      | huge token                    |
      | oversized valid-looking token |

  # Requirement: RFC 7519 §7.2: "If any of the listed steps fail, then the JWT MUST be rejected", for every token received (RFC 7515 §5.2: the JWS signature must validate); MCP 2025-06-18 Token Handling: invalid tokens "MUST receive a HTTP 401 response".
  # Why must: the re-sent token is a different string whose signature is forged or gone; it is invalid however the first one was judged, and MCP allows only 401.
  @must @auth-2.12 @rfc7515 @rfc8725 @mcp-2025-06-18
  Scenario Outline: A token accepted once is refused when re-sent with its signature <change>
    Given a valid token for "alice"
    When the client calls "whoami"
    Then the tool succeeds
    When the token's signature is <change>
    And the client calls "whoami"
    Then the response status is 401

    Examples:
      | change                  |
      | forged                  |
      | removed                 |
      | removed with alg "none" |
