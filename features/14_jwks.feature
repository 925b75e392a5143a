Feature: 14. Asymmetric keys through JWKS
  Most production issuers sign with asymmetric keys and publish them as a
  JSON Web Key Set. With JWT_JWKS_URL set, the target verifies RS256 and
  ES256 tokens against that set instead of the shared secret: it caches the
  keys, fetches the set again when it meets an unknown kid (without letting
  invented kids hammer the issuer), keeps its cached keys through an outage
  of the endpoint, uses each key only with the algorithm the key allows, and
  takes keys from nowhere else. The structure and claim rules of features 2
  and 3 apply unchanged.

  Every scenario here is tagged @jwks and runs only against a target in JWKS
  mode (`mcpauthspec --keys jwks`): the suite then plays an issuer with RSA
  2048 and P-256 keys generated at run time, served on loopback, and the
  target is started with JWT_JWKS_URL pointing there. The hostile token names
  are the cases of `harness.JWKSHostile` (harness/jwks.go).

  > Target contract §2: JWT_JWKS_URL: "verify RS256/ES256 tokens against this
  > JWKS instead of the secret".
  > RFC 8725 §3.1: "Libraries MUST enable the caller to specify a supported
  > set of algorithms and MUST NOT use any other algorithms when performing
  > cryptographic operations. The library MUST ensure that the "alg" or "enc"
  > header specifies the same algorithm that is used for the cryptographic
  > operation. Moreover, each key MUST be used with exactly one algorithm".
  > RFC 8725 §3.10: "blindly following a "jku" (JWK set URL) or "x5u" (X.509
  > URL) header, which may contain an arbitrary URL, could result in
  > server-side request forgery (SSRF) attacks."
  > RFC 7517 §4.4: "alg" "identifies the algorithm intended for use with the
  > key".
  > RFC 7518 §3.4: the ECDSA signature is "the concatenation of two octet
  > sequences" R and S, 64 octets for ES256; FIPS 186-4 §6.4.2 requires
  > 0 < r, s < n (CVE-2022-21449 accepted r = s = 0).
  > OpenID Connect Core 1.0 §10.1.1: "The verifier knows to go back to the
  > jwks_uri location to re-retrieve the keys when it sees an unfamiliar kid
  > value."

  # Requirement: Contract §2, §3: with JWT_JWKS_URL set, a token signed by a key of that set, in the key's algorithm (RS256 or ES256), is valid; MCP 2025-06-18 Token Handling: the server validates it and serves the caller it names.
  @must @auth-14.1 @jwks @core-app @rfc7517 @mcp-2025-06-18
  @needs-narrow-token
  Scenario Outline: A token signed with the issuer's <alg> key is accepted: <alg>
    Given a valid "<alg>" token for "bob"
    When the client calls "whoami"
    Then the tool succeeds
    And the result field "user_id" is "user-bob"
    And the result field "org_id" is "org-acme"

    Examples:
      | alg   |
      | RS256 |
      | ES256 |

  # Requirement: RFC 7517 §4.4: "alg" is OPTIONAL in a JWK; an RSA key published without it still verifies RS256, the contract's RSA algorithm.
  @must @auth-14.2 @jwks @rfc7517 @core-app
  @needs-signing-key
  Scenario: An RSA key published without "alg" verifies RS256 tokens
    Given a valid "RS256" token for "carol" from the "bare" key
    When the client calls "whoami"
    Then the tool succeeds
    And the result field "user_id" is "user-carol"

  # Requirement: Contract §2: the JWKS is used "instead of the secret"; RFC 8725 §3.1: an algorithm outside the configured set MUST NOT be used, so an HS256 token, even one signed with the shared secret, is refused with 401.
  @must @auth-14.3 @jwks @core-app @rfc8725 @mcp-2025-06-18
  @needs-signing-key
  Scenario: An HS256 token signed with the shared secret is refused in JWKS mode
    Given a valid token for "alice"
    When the client sends "initialize"
    Then the response status is 401
    And the challenge error is "invalid_token"

  # Requirement: The claim rules of feature 3 hold for RS256 tokens too (RFC 7519 §4.1, RFC 8707): a correctly signed token with a wrong claim MUST be rejected with 401 (MCP 2025-06-18 Token Handling).
  @must @auth-14.4 @jwks @rfc7519 @mcp-2025-06-18
  Scenario Outline: A correctly signed RS256 token with a bad claim is refused: <claim> <value>
    Given a "RS256" token for "alice" with claim "<claim>" set to "<value>"
    When the client sends "initialize"
    Then the response status is 401
    And the challenge error is "invalid_token"

    Examples:
      | claim  | value                    |
      | exp    | 1                        |
      | nbf    | 32503680000              |
      | aud    | \"other-api\"            |
      | iss    | \"https://evil.example\" |
      | org_id | null                     |
      | sub    | 42                       |

  # Requirement: The structure rules of feature 2 hold for RS256 tokens too: unique header and claim names (RFC 7515 §4, RFC 7519 §4) and no unknown crit extension (RFC 7515 §4.1.11), else 401.
  @must @auth-14.5 @jwks @rfc7515 @rfc7519 @mcp-2025-06-18
  Scenario Outline: A correctly signed RS256 token of bad structure is refused: <name>
    Given the hostile JWKS token "<name>"
    When the client sends "initialize"
    Then the response status is 401

    Examples:
      | name                            |
      | crit header (RS256)             |
      | duplicate exp keys (RS256)      |
      | duplicate alg keys, RS256 first |

  # Requirement: RFC 8725 §3.1: "each key MUST be used with exactly one algorithm"; an HS256 token whose HMAC secret is the issuer's public key (RS256 to HS256 confusion, CVE-2016-10555) is refused with 401, whatever encoding of the key it uses.
  @must @auth-14.6 @jwks @rfc8725 @rfc7518
  Scenario Outline: RS256-to-HS256 key confusion is refused: <name>
    Given the hostile JWKS token "<name>"
    When the client sends "initialize"
    Then the response status is 401

    Examples:
      | name                                                      |
      | key confusion: RSA public key as PEM                      |
      | key confusion: RSA public key as PEM without final newline |
      | key confusion: RSA public key as PKCS#1 PEM               |
      | key confusion: RSA public key as DER                      |
      | key confusion: RSA public key as JWK JSON                 |
      | key confusion: EC public key as PEM                       |

  # Requirement: RFC 7518 §3.4 and FIPS 186-4 §6.4.2: an ES256 signature whose r or s is not in [1, n-1] is invalid (CVE-2022-21449, the "psychic signature") and the token MUST be rejected with 401.
  @must @auth-14.7 @jwks @rfc7518 @rfc8725
  Scenario Outline: An ECDSA signature out of range is refused: <name>
    Given the hostile JWKS token "<name>"
    When the client sends "initialize"
    Then the response status is 401

    Examples:
      | name                    |
      | psychic signature r=s=0 |
      | ES256 signature r=s=n   |

  # Requirement: RFC 8725 §3.1 ("each key MUST be used with exactly one algorithm") and RFC 7517 §4.4: a token correctly signed in an algorithm its key does not allow, or naming a key of another type, is refused with 401.
  @must @auth-14.8 @jwks @rfc8725 @rfc7517
  Scenario Outline: An algorithm the key does not allow is refused: <name>
    Given the hostile JWKS token "<name>"
    When the client sends "initialize"
    Then the response status is 401

    Examples:
      | name                                                 |
      | RS384 signed with the RS256 key                      |
      | RS512 signed with the RS256 key                      |
      | PS256 signed with the RS256 key                      |
      | PS256 signed with the RSA key published without alg |
      | ES256 signed by the EC key, kid of the RSA key       |
      | RS256 signed by the RSA key, kid of the EC key       |
      | alg none, kid of the RSA key                         |

  # Requirement: RFC 8725 §3.10: keys come from the configured JWKS only; a token signed with the attacker's key that it carries (jwk, x5c) or points at (jku, x5u) does not verify and MUST be rejected with 401.
  @must @auth-14.9 @jwks @attacker @rfc8725 @rfc7515
  Scenario Outline: Key material or a key URL in the token is ignored: <name>
    Given the hostile JWKS token "<name>"
    When the client sends "initialize"
    Then the response status is 401

    Examples:
      | name                 |
      | embedded jwk (RS256) |
      | jku header (RS256)   |
      | x5u header (RS256)   |
      | embedded x5c (RS256) |

  # Requirement: RFC 8725 §3.10: blindly following "jku" or "x5u" "could result in server-side request forgery (SSRF) attacks. Applications SHOULD protect against such attacks": a JWKS target fetches only its configured URL.
  @should @auth-14.10 @jwks @attacker @rfc8725
  Scenario Outline: The target never fetches a key URL from a token: <name>
    Given the hostile JWKS token "<name>"
    When the client sends "initialize"
    Then the attacker key server received no request

    Examples:
      | name               |
      | jku header (RS256) |
      | x5u header (RS256) |

  # Requirement: RFC 8725 §3.10 asks that "kid" lookups not create injection vulnerabilities: a kid is an opaque name looked up in the fetched set, so a hostile one is refused with 401, promptly (paraphrase).
  @should @auth-14.11 @jwks @rfc8725
  Scenario Outline: A hostile kid is refused promptly: <name>
    Given the hostile JWKS token "<name>"
    When the client sends "initialize"
    Then the response status is 401
    And the response arrived within 500 ms

    Examples:
      | name                           |
      | kid path traversal (RS256)     |
      | kid sql injection (RS256)      |
      | kid command injection (RS256)  |
      | kid of 2000 characters (RS256) |

  # Requirement: OpenID Connect Core 1.0 §10.1.1: on "an unfamiliar kid value" the verifier goes "back to the jwks_uri location to re-retrieve the keys", so a token signed with a key the issuer has just published is accepted within seconds.
  @should @auth-14.12 @jwks @serial @rfc7517 @core-app
  @needs-signing-key
  Scenario: A token signed with a newly published key is accepted after the target refetches the set
    Given the issuer publishes a new "ES256" key
    And a valid "ES256" token for "dave" from the "new" key
    When the client sends "initialize" until it is accepted, for at most 10 s
    Then the request is accepted
    And the JWKS endpoint was fetched since the scenario began
    When the client calls "whoami"
    Then the result field "user_id" is "user-dave"

  # Requirement: RFC 7515 §4.1.4, RFC 7519 §7.2: a token whose kid names no key of the issuer's set, even after a fresh fetch, cannot be verified and MUST be rejected with 401.
  @must @auth-14.13 @jwks @rfc7515 @rfc7519 @mcp-2025-06-18
  @needs-signing-key
  Scenario: A token signed with a key the issuer never published is refused
    Given a valid "RS256" token for "alice" from the "unpublished" key
    When the client sends "initialize"
    Then the response status is 401
    And the challenge error is "invalid_token"

  # Requirement: RFC 7517 §5: the JWK Set is the issuer's set of keys; once the target has fetched a set without a key (here after a rotation), a token signed with that key MUST be rejected with 401. Skipped with the reason when the target never picks up the new set.
  @must @auth-14.14 @jwks @serial @rfc7517 @rfc8725
  @needs-signing-key
  Scenario: A key rotated out of the set is refused once the target has the new set
    Given the issuer rotates its "RS256" key
    And the target has fetched the current key set
    And a valid "RS256" token for "alice" from the "old" key
    When the client sends "initialize"
    Then the response status is 401

  # Requirement: An outage of the JWKS endpoint must not take authentication down: keys the target already fetched keep verifying tokens while fetches fail, and the outage is no error-level event of the target (contract §2, OIDC Core 1.0 §10.1.1; paraphrase).
  @should @auth-14.15 @jwks @serial @needs-logs @core-app @rfc7517
  @needs-signing-key
  Scenario: Keys the target already holds keep working while the JWKS endpoint is down
    Given the JWKS endpoint is down
    And the target has tried to fetch the key set during the outage
    And a valid "RS256" token for "alice"
    When the client calls "whoami"
    Then the tool succeeds
    And the result field "user_id" is "user-alice"
    And the target's logs contain no error-level line

  # Requirement: RFC 7519 §7.2: a token whose key the target cannot obtain cannot be verified and MUST be rejected with 401, promptly, while the JWKS endpoint is down (MCP 2025-11-25 Security Best Practices: bound resource usage with timeouts).
  @must @auth-14.16 @jwks @serial @rfc7519 @mcp-2025-06-18 @mcp-2025-11-25
  @needs-signing-key
  Scenario: While the JWKS endpoint is down, a token signed with a key the target never fetched is refused
    Given the issuer publishes a new "RS256" key
    And the JWKS endpoint is down
    And a valid "RS256" token for "alice" from the "new" key
    When the client sends "initialize"
    Then the response status is 401
    And the response arrived within 2000 ms

  # Requirement: Refetching the set on unknown kids is rate-limited: a burst of tokens with invented kids must not make the target hammer its issuer (suite policy: 40 tokens in about a second cause at most 3 fetches; MCP 2025-11-25 Security Best Practices, bound resource usage).
  @should @auth-14.17 @jwks @serial @mcp-2025-11-25 @rfc8725
  @needs-signing-key
  Scenario: Many unknown kids do not make the target hammer the JWKS endpoint
    When 40 tokens with unknown kids are sent
    Then every one of them was refused with 401
    And the JWKS endpoint was fetched at most 3 times since the scenario began

  # Requirement: Target contract §2: a bearer token appearing in the logs is a failure, in JWKS mode too (MCP 2025-06-18 Token Theft).
  @must @auth-14.18 @jwks @needs-logs @core-app @mcp-2025-06-18
  @needs-signing-key @needs-narrow-token
  Scenario: After RS256 and ES256 requests the logs hold no token
    Given a valid "RS256" token for "alice"
    When the client calls "whoami"
    Given the hostile JWKS token "key confusion: RSA public key as PEM"
    When the client sends "initialize"
    Given the hostile JWKS token "jku header (RS256)"
    When the client sends "initialize"
    Given a valid "ES256" token for "bob"
    When the client calls "whoami"
    Then the target's logs contain no minted token or secret
