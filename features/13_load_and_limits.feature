Feature: 13. Load and limits
  Under many concurrent calls from several users of both organizations,
  with a share of bad tokens among them, the target refuses every bad token,
  serves every good one, and never hands one caller another's identity or
  data; afterwards it is back where it started. A request larger or slower
  than any client needs is cut off quickly, without the target holding it
  whole: an oversized header, an oversized body, a huge token of periods, a
  client that trickles its headers.

  > MCP 2025-06-18 authorization, Token Handling: "MCP servers MUST validate
  > access tokens" and "MUST only accept tokens specifically intended for
  > themselves".
  > MCP 2025-11-25 Security Best Practices, hardening checklist: "Enforce
  > maximum request body sizes" and "Apply timeouts to outbound requests".
  > RFC 6585 §5: "The 431 status code indicates that the server is unwilling
  > to process the request because its header fields are too large."
  > RFC 9110 §15.5.14: "The 413 (Content Too Large) status code indicates
  > that the server is refusing to process a request because the request
  > content is larger than the server is willing or able to process."
  > CVE-2025-30204 (golang-jwt, paraphrase): splitting a token on "." before
  > bounding its length lets a header of periods cost memory in proportion to
  > its size.
  >
  > The load runs --load-calls tool calls (2 000 in the default run; the
  > README's figures come from 20 000), bounded by a time limit of ten
  > minutes. Memory is measured when the target runs in the suite's process
  > (the embedded reference stack); for other targets the status and timing
  > checks stand alone.

  # Requirement: MCP 2025-06-18: servers "MUST validate access tokens" on every request, under any load: of 64 concurrent clients of 8 users in 2 organizations, 30 % sending expired, forged, wrong-audience or short-of-scope tokens, no bad call is served, no good one refused, no answer carries another caller's identity, organization or JSON-RPC id, and the target returns to its baseline (in process: goroutines and live heap).
  @must @auth-13.1 @load @serial @mcp-2025-06-18 @mcp-2025-11-25 @rfc6750 @core-app
  @needs-signing-key
  Scenario: Under load no bad token is served, no good one refused, and no caller sees another's data
    When 64 concurrent clients call tools as "alice", "bob", "erin", "gina", "carol", "dave", "frank" and "henry" with 30 % bad tokens
    Then no bad token was accepted
    And no call saw another caller's identity or data
    And no good token was refused and no call failed
    And at least 95 % of the good calls were served
    And the target is back to its baseline

  # Requirement: MCP 2025-11-25 hardening (paraphrase: bound what one request may make the server hold): a request far larger than any client needs is refused within a second, with memory that does not grow with its size, and the target stays healthy.
  @must @auth-13.2 @serial @mcp-2025-11-25 @rfc6585 @rfc9110 @rfc7519
  Scenario Outline: An oversized request is refused quickly in bounded memory: <request>
    Given a valid token for "alice"
    When the client sends <request>
    Then the request is refused
    And the response arrived within 1000 ms
    And the target allocated at most <KiB> KiB for the request
    And the server is healthy

    Examples:
      | request                             | KiB  |
      | an Authorization header of 8192 KiB | 1024 |
      | a request body of 16384 KiB         | 4096 |
      | a token of 60 KiB of periods        | 512  |

  # Requirement: Each limit is answered with its own status: RFC 6585 §5 431 for headers over the target's limit (the reference server documents 64 KiB), RFC 9110 §15.5.14 413 for a body over its limit (1 MiB), RFC 6750 §3.1 401 for a token no verifier should parse (over 8 KiB).
  @should @auth-13.3 @rfc6585 @rfc9110 @rfc6750
  Scenario Outline: An oversized request gets the status of its limit: <request>
    Given a valid token for "alice"
    When the client sends <request>
    Then the response status is <status>

    Examples:
      | request                            | status |
      | an Authorization header of 128 KiB | 431    |
      | a request body of 2048 KiB         | 413    |
      | a token of 16 KiB of periods       | 401    |

  # Requirement: MCP 2025-11-25 hardening (paraphrase: apply timeouts): a client that sends its request headers one byte at a time (slowloris) is cut off by a header timeout; the reference server's is 5 s (MCP_READ_HEADER_TIMEOUT, 1 s for targets the harness starts), so no conforming target holds the connection past 6 s.
  @must @auth-13.4 @mcp-2025-11-25 @core-app
  Scenario: A client that trickles its headers is cut off
    When a client sends its headers one byte every 100 ms
    Then the target closed the connection within 6000 ms
    And the server is healthy
