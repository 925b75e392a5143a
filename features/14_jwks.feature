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
  # Why must: the token is signed by a key of the configured set in that key's algorithm and its claims satisfy contract §3, so every conforming verifier accepts it and whoami answers from its claims (contract §4); only a target that refuses a valid token or answers for someone else fails.
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
  # Why must: "alg" is OPTIONAL in a JWK (RFC 7517 §4.4) and the token is otherwise valid (contract §3), so a target verifying against the set must accept it; only one that refuses keys without "alg" fails.
  @must @auth-14.2 @jwks @rfc7517 @core-app
  @needs-signing-key
  Scenario: An RSA key published without "alg" verifies RS256 tokens
    Given a valid "RS256" token for "carol" from the "bare" key
    When the client calls "whoami"
    Then the tool succeeds
    And the result field "user_id" is "user-carol"

  # Requirement: Contract §2: the JWKS is used "instead of the secret"; RFC 8725 §3.1: an algorithm outside the configured set MUST NOT be used, so an HS256 token, even one signed with the shared secret, is refused with 401.
  # Why must: in JWKS mode the contract verifies against the set "instead of the secret", so an HS256 token verifies against no key the target may use and is invalid; 401 is the status MCP 2025-06-18 names for an invalid token. The error attribute of the challenge is a SHOULD (RFC 6750 §3) and is not checked here.
  @must @auth-14.3 @jwks @core-app @rfc8725 @mcp-2025-06-18
  @needs-signing-key
  Scenario: An HS256 token signed with the shared secret is refused in JWKS mode
    Given a valid token for "alice"
    When the client sends "initialize"
    Then the response status is 401

  # Requirement: The claim rules of feature 3 hold for RS256 tokens too (RFC 7519 §4.1, RFC 8707): a correctly signed token with a wrong claim MUST be rejected with 401 (MCP 2025-06-18 Token Handling).
  # Why must: each row breaks a MUST of RFC 7519 §4.1 (exp long past, nbf far ahead, aud without the target, another iss), so the token is invalid under every reading; 401 is the status MCP names. The challenge's error attribute (a SHOULD) is not checked; a bad sub or org_id, on which no source puts a MUST, is auth-14.20.
  @must @auth-14.4 @jwks @rfc7519 @mcp-2025-06-18
  Scenario Outline: A correctly signed RS256 token with a bad claim is refused: <claim> <value>
    Given a "RS256" token for "alice" with claim "<claim>" set to "<value>"
    When the client sends "initialize"
    Then the response status is 401

    Examples:
      | claim  | value                    |
      | exp    | 1                        |
      | nbf    | 32503680000              |
      | aud    | \"other-api\"            |
      | iss    | \"https://evil.example\" |

  # Requirement: The user and organization rules of feature 3 hold for RS256 tokens too: target contract §3: `sub` "user id", `org_id` "organization id"; no source puts a MUST on the server for either claim (RFC 7519 §4.1.2 makes `sub` OPTIONAL), so refusing such a token with 401 is the contract's convention, held at @should as auth-3.11 and auth-3.14 are.
  @should @auth-14.20 @jwks @core-app @rfc7519
  Scenario Outline: A correctly signed RS256 token without a valid user or organization is refused: <claim> <value>
    Given a "RS256" token for "alice" with claim "<claim>" set to "<value>"
    When the client sends "initialize"
    Then the response status is 401

    Examples:
      | claim  | value |
      | org_id | null  |
      | sub    | 42    |

  # Requirement: The structure rules of feature 2 hold for RS256 tokens too: RFC 7515 §4 and RFC 7519 §4: names "MUST be unique; JWS parsers MUST either reject JWSs with duplicate Header Parameter names or use a JSON parser that returns only the lexically last duplicate member name"; RFC 7515 §4.1.11: a crit extension the recipient does not understand makes the JWS invalid; refused with 401 (MCP 2025-06-18 authorization, Token Handling: "Invalid or expired tokens MUST receive a HTTP 401 response").
  # Why must: each token is invalid whichever way the sources let a parser read it: the crit extension is unknown; the duplicate exp is expired in its last member (a rejecting parser and a last-wins parser both refuse; only a first-wins one serves it); the duplicate alg is RS256 then HS256 (rejected, or HS256, which JWKS mode refuses); 401 is the status the MCP source names.
  @must @auth-14.5 @jwks @rfc7515 @rfc7519 @mcp-2025-06-18
  Scenario Outline: A correctly signed RS256 token of bad structure is refused: <name>
    Given the hostile JWKS token "<name>"
    When the client sends "initialize"
    Then the response status is 401

    Examples:
      | name                                     |
      | crit header (RS256)                      |
      | duplicate exp keys, expired last (RS256) |
      | duplicate alg keys, RS256 first          |

  # Requirement: RFC 8725 §3.1: "each key MUST be used with exactly one algorithm"; an HS256 token whose HMAC secret is the issuer's public key (RS256 to HS256 confusion, CVE-2016-10555) is refused with 401, whatever encoding of the key it uses.
  # Why must: the issuer's keys are RS256 and ES256 keys; an HS256 signature made with their public form verifies against no key in its algorithm, so the token is invalid for every conforming verifier; 401 is the status MCP names.
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
  # Why must: a signature with r or s outside [1, n-1] is invalid by definition (FIPS 186-4 §6.4.2), so no conforming verifier accepts it; 401 is the status MCP names.
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
  # Why must: every row is signed in an algorithm the named key does not allow (RS384, RS512 or PS256 with an RS256 key, a kid of the other key type, none), so the token does not verify with the key it names in that key's one algorithm; 401 is the status MCP names.
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
  # Why must: the signing key is the attacker's, in no set the target was configured with (contract §2), so the token does not verify against the issuer's keys; 401 is the status MCP names. Whether the target fetched the URL is auth-14.10's question.
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

  # Requirement: Target contract §2: with JWT_JWKS_URL, "verify RS256/ES256 tokens against this JWKS", which now holds a new key; OpenID Connect Core 1.0 §10.1.1: "The verifier knows to go back to the jwks_uri location to re-retrieve the keys when it sees an unfamiliar kid value." That sentence has no SHOULD or MUST, and no source says how soon: a target may rate-limit its refetches (auth-14.17; keyfunc allows one refetch for an unknown kid per 5 minutes), so this is behaviour worth knowing, not a requirement; 35 s covers jose's 30 s cooldown.
  @may @auth-14.12 @jwks @serial @rfc7517 @core-app
  @needs-signing-key
  Scenario: A token signed with a newly published key is accepted after the target refetches the set
    Given the issuer publishes a new "ES256" key
    And a valid "ES256" token for "dave" from the "new" key
    When the client sends "initialize" until it is accepted, for at most 35 s
    Then the request is accepted
    And the JWKS endpoint was fetched since the scenario began
    When the client calls "whoami"
    Then the result field "user_id" is "user-dave"

  # Requirement: RFC 7515 §4.1.4, RFC 7519 §7.2: a token whose kid names no key of the issuer's set, even after a fresh fetch, cannot be verified and MUST be rejected with 401.
  # Why must: the key is in no set the issuer ever published, so no fetch can verify the token; 401 is the status MCP names (the challenge's error attribute, a SHOULD, is not checked).
  @must @auth-14.13 @jwks @rfc7515 @rfc7519 @mcp-2025-06-18
  @needs-signing-key
  Scenario: A token signed with a key the issuer never published is refused
    Given a valid "RS256" token for "alice" from the "unpublished" key
    When the client sends "initialize"
    Then the response status is 401

  # Requirement: Target contract §2: with JWT_JWKS_URL, "verify RS256/ES256 tokens against this JWKS"; RFC 7517 §5: "A JWK Set is a JSON object that represents a set of JWKs". Once the target has fetched a set without a key (here after a rotation), a token signed with that key verifies against no key of the JWKS and is refused with 401 (RFC 7519 §7.2: "If any of the listed steps fail, then the JWT MUST be rejected"). Skipped with the reason when the target never picks up the new set.
  # Why must: the scenario first waits until the target accepts a token of the new key (it holds the new set, without the old key), and skips if it never does; a token of a key no longer in the set then verifies against nothing, so only a target that keeps old keys after fetching a set without them fails.
  @must @auth-14.14 @jwks @serial @rfc7517 @rfc8725
  @needs-signing-key
  Scenario: A key rotated out of the set is refused once the target has the new set
    Given the issuer rotates its "RS256" key
    And the target has fetched the current key set
    And a valid "RS256" token for "alice" from the "old" key
    When the client sends "initialize"
    Then the response status is 401

  # Requirement: Suite advice, no source requires it: an outage of the JWKS endpoint does not take authentication down: keys the target already fetched keep verifying tokens while fetches fail, and the outage is no error-level event of the target (contract §2, OIDC Core 1.0 §10.1.1; paraphrase). Skipped with the reason when the target never held the current key (after a rotation its refetch cooldown may not have allowed it).
  @may @hardening @auth-14.15 @jwks @serial @needs-logs @core-app @rfc7517
  @needs-signing-key
  Scenario: Keys the target already holds keep working while the JWKS endpoint is down
    Given the target holds the issuer's current "RS256" key
    And the JWKS endpoint is down
    And the target has tried to fetch the key set during the outage
    And a valid "RS256" token for "alice"
    When the client calls "whoami"
    Then the tool succeeds
    And the result field "user_id" is "user-alice"
    And the target's logs contain no error-level line

  # Requirement: RFC 7519 §7.2: "If any of the listed steps fail, then the JWT MUST be rejected -- that is, treated by the application as an invalid input"; a token whose key the target cannot obtain while the JWKS endpoint is down cannot be verified and is refused with 401 (MCP 2025-06-18 authorization, Token Handling).
  # Why must: the key is in no set the target ever fetched and the endpoint answers nothing, so the signature cannot be validated and the token must be rejected as invalid input, which MCP 2025-06-18 answers with 401 ("Invalid or expired tokens MUST receive a HTTP 401 response"); how long the failed fetch takes is the target's choice (auth-14.19, hardening).
  @must @auth-14.16 @jwks @serial @rfc7519 @mcp-2025-06-18
  @needs-signing-key
  Scenario: While the JWKS endpoint is down, a token signed with a key the target never fetched is refused
    Given the issuer publishes a new "RS256" key
    And the JWKS endpoint is down
    And a valid "RS256" token for "alice" from the "new" key
    When the client sends "initialize"
    Then the response status is 401

  # Requirement: Suite advice, no source requires it: refetching the set on unknown kids is rate-limited, so that a burst of tokens with invented kids does not make the target hammer its issuer (40 tokens in about a second cause at most 3 fetches).
  @may @hardening @auth-14.17 @jwks @serial @rfc8725
  @needs-signing-key
  Scenario: Many unknown kids do not make the target hammer the JWKS endpoint
    When 40 tokens with unknown kids are sent
    Then every one of them was refused with 401
    And the JWKS endpoint was fetched at most 3 times since the scenario began

  # Requirement: Target contract §2: a bearer token appearing in the logs is a failure, in JWKS mode too (MCP 2025-06-18 Token Theft).
  # Why must: as auth-12.1: the contract names any token in the logs a failure, and nothing a target must log needs one.
  @must @auth-14.18 @jwks @needs-logs @core-app @mcp-2025-06-18
  @needs-same-org-user
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

  # Requirement: Suite advice, no source requires it: while the JWKS endpoint is down, a token of a key the target never fetched is refused promptly (within 2 s), not after a long fetch timeout.
  @may @hardening @auth-14.19 @jwks @serial @rfc7519
  @needs-signing-key
  Scenario: While the JWKS endpoint is down, a token of an unknown key is refused promptly
    Given the issuer publishes a new "RS256" key
    And the JWKS endpoint is down
    And a valid "RS256" token for "bob" from the "new" key
    When the client sends "initialize"
    Then the request is refused
    And the response arrived within 2000 ms
