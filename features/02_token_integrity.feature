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
  > MCP 2025-11-25 Security Best Practices, Bound Resource Usage (paraphrase):
  > enforce maximum sizes and timeouts.

  # Requirement: A token that is not a well-formed JWS compact serialization fails RFC 7519 §7.2 validation and MUST be rejected; invalid tokens MUST receive 401 (MCP 2025-06-18 Token Handling).
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

  # Requirement: RFC 8725 §3.1: verifiers "MUST NOT use any other algorithms" than the supported set (here HS256, a case-sensitive value that MUST be present per RFC 7515 §4.1.1); such tokens get 401.
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

  # Requirement: RFC 7515 §4 lets a parser either reject duplicate header names or keep the lexically last one; the target should reject them, so that no two parsers can read a different "alg" from the same token.
  @should @auth-2.3 @rfc7515 @rfc8725
  Scenario: A token whose header repeats "alg" is refused with 401
    Given the hostile token "duplicate alg keys"
    When the client sends "initialize"
    Then the response status is 401

  # Requirement: A token whose signature does not verify under the configured key fails RFC 7515 §5.2 / RFC 7519 §7.2 and MUST be rejected with 401 (MCP 2025-06-18 Token Handling).
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

  # Requirement: RFC 7515 §4.1.11: a JWS whose "crit" lists a parameter the recipient does not support "is invalid"; a key named or embedded in the header never replaces the configured key (RFC 7519 §7.2: the token MUST be rejected).
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

  # Requirement: A token signed with an attacker's key published at a jku/x5u URL does not verify under the configured key and MUST be rejected with 401 (RFC 7519 §7.2; MCP 2025-06-18 Token Handling).
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

  # Requirement: RFC 8725 §3.10 asks that "kid" values not drive injection; a hostile kid should be refused promptly, with no lookup that takes time (paraphrase).
  @should @auth-2.8 @rfc8725
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

  # Requirement: A header part followed by 1 MiB of periods is no JWS and MUST be rejected (RFC 7519 §7.2); the target may answer 401, 413 or 431, but always a client error (CVE-2025-30204).
  @must @auth-2.9 @rfc7519 @rfc7515 @mcp-2025-06-18
  Scenario: A huge token is refused
    Given the hostile token "huge token"
    When the client sends "initialize"
    Then the request is refused

  # Requirement: Suite policy (no RFC sets a limit; MCP 2025-11-25 hardening: "Enforce maximum request body sizes"): a target bounds the token length it parses, so a correctly signed token with a 16 KiB claim should be refused.
  @should @auth-2.10 @mcp-2025-11-25
  Scenario: An oversized but correctly signed token is refused
    Given the hostile token "oversized valid-looking token"
    When the client sends "initialize"
    Then the request is refused

  # Requirement: MCP 2025-11-25 Security Best Practices, Bound Resource Usage (paraphrase): an oversized token should be refused quickly, without costly parsing.
  @should @auth-2.11 @mcp-2025-11-25
  Scenario Outline: An oversized token is refused promptly: <name>
    Given the hostile token "<name>"
    When the client sends "initialize"
    Then the request is refused
    And the response arrived within 1000 ms

    Examples:
      | name                          |
      | huge token                    |
      | oversized valid-looking token |

  # Requirement: RFC 7515 §5.2: a JWS is valid only if its signature validates, for every token received; an acceptance is remembered, if at all, only for the exact token that earned it (a cache of verified tokens keyed by the claims, the payload or the user would accept these).
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
