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
  > MCP 2025-11-25 server/tools, Security Considerations: "Servers **MUST**:
  > [...] Rate limit tool invocations" (so a refused call under load is no
  > violation; only a served bad token or cross-talk is).
  > RFC 6585 §5: "The 431 status code indicates that the server is unwilling
  > to process the request because its header fields are too large."
  > RFC 9110 §15.5.14: "The 413 (Content Too Large) status code indicates
  > that the server is refusing to process a request because the request
  > content is larger than the server is willing or able to process. The
  > server MAY terminate the request, if the protocol version in use allows
  > it; otherwise, the server MAY close the connection."
  >
  > No source sets a size limit or a header timeout. The limits the
  > scenarios name (64 KiB of headers, 1 MiB of body, 8 KiB of token, a 5 s
  > header timeout) are the reference server's; Node's HTTP server refuses
  > 16 KiB of headers with 431, and go-sdk reads bodies up to 4 MiB. So
  > sizes, memory and timeouts are hardening advice (`@may @hardening`); a
  > refusal is a 4xx of any kind or a connection closed before an answer.
  > CVE-2025-30204 (golang-jwt, paraphrase): splitting a token on "." before
  > bounding its length lets a header of periods cost memory in proportion to
  > its size.
  >
  > The load runs --load-calls tool calls (2 000 in the default run; the
  > README's figures come from 20 000), bounded by a time limit of ten
  > minutes. Memory is measured when the target runs in the suite's process
  > (the embedded reference stack); for other targets the status and timing
  > checks stand alone.

  # Requirement: MCP 2025-06-18 authorization, Token Handling: "MCP servers, acting in their role as an OAuth 2.1 resource server, MUST validate access tokens"; "Invalid or expired tokens MUST receive a HTTP 401 response", under any load: of 64 concurrent clients of 8 users in 2 organizations, 30 % sending expired, forged, wrong-audience or short-of-scope tokens, no bad call is served, no good token is refused as invalid (401 or 403), and no answer carries another caller's identity, organization or JSON-RPC id.
  # Why must: a served call with an expired, forged or wrong-audience token, a good token refused as invalid, or an answer for another caller is a violation whatever the load; a call refused for its load (429, a tool error of a busy backend) or a short-of-scope call refused in any way (403, a tool error, a JSON-RPC error: 403 is a SHOULD of MCP 2025-11-25) passes.
  @must @auth-13.1 @load @serial @mcp-2025-06-18 @mcp-2025-11-25 @rfc6750 @core-app
  @needs-signing-key
  Scenario: Under load no bad token is served, no good one refused, and no caller sees another's data
    When 64 concurrent clients call tools as "alice", "bob", "erin", "gina", "carol", "dave", "frank" and "henry" with 30 % bad tokens
    Then no call saw another caller's identity or data
    And no bad token was accepted
    And no good token was refused

  # Requirement: Suite advice, no source requires it: under the load of auth-13.1 every call is answered as its token deserves (a bad token with exactly 401, or 403 for a missing scope), at least 95 % of the good calls are served, and the target returns to its baseline (in process: goroutines and live heap).
  @may @hardening @auth-13.5 @load @serial @core-app
  @needs-signing-key
  Scenario: Under load every call gets its exact status, good calls are served, and the target returns to its baseline
    When 64 concurrent clients call tools as "alice", "bob", "erin", "gina", "carol", "dave", "frank" and "henry" with 30 % bad tokens
    Then no good token was refused and no call failed
    And at least 95 % of the good calls were served
    And the target is back to its baseline

  # Requirement: Suite advice, no source requires it (RFC 9110 §15.5.14 and RFC 6585 §5 name the statuses, not a limit): a request far larger than any client needs is refused (a 4xx, or the connection closed before an answer) within a second, with memory that does not grow with its size, and the target stays healthy.
  @may @hardening @auth-13.2 @serial @rfc6585 @rfc9110 @rfc7519
  Scenario Outline: An oversized request is refused quickly in bounded memory: <request>
    Given a valid token for "alice"
    When the client sends <request>
    Then the oversized request is refused
    And the response arrived within 1000 ms
    And the target allocated at most <KiB> KiB for the request
    And the server is healthy

    Examples:
      | request                             | KiB  |
      | an Authorization header of 8192 KiB | 1024 |
      | a request body of 16384 KiB         | 4096 |
      | a token of 60 KiB of periods        | 512  |

  # Requirement: RFC 6585 §5: "The 431 status code indicates that the server is unwilling to process the request because its header fields are too large"; RFC 9110 §15.5.14: "The 413 (Content Too Large) status code indicates that the server is refusing to process a request because the request content is larger than the server is willing or able to process"; RFC 6750 §3.1: invalid_token, "The resource SHOULD respond with the HTTP 401 (Unauthorized) status code". Sizes past the reference server's limits (64 KiB of headers, 1 MiB of body, 8 KiB of token). No source sets a limit: a target whose limit is higher reads the request and answers what it is (401 for the garbage token, a served body), and passes.
  @may @auth-13.3 @rfc6585 @rfc9110 @rfc6750
  Scenario Outline: An oversized request gets the status of its kind: <request>
    Given a valid token for "alice"
    When the client sends <request>
    Then the oversized request got the status <status>

    Examples:
      | request                            | status            |
      | an Authorization header of 128 KiB | 431 or 401        |
      | a request body of 2048 KiB         | 413 or 2xx        |
      | a token of 16 KiB of periods       | 401 or 431        |

  # Requirement: Suite advice, no source requires it (MCP 2025-11-25 basic/lifecycle, Timeouts: "Implementations SHOULD establish timeouts for all sent requests, to prevent hung connections and resource exhaustion" is about requests a party sends, not those it receives): a client that sends its request headers one byte at a time (slowloris) is cut off by a header timeout; the reference server's is 5 s (MCP_READ_HEADER_TIMEOUT, 1 s for targets the harness starts).
  @may @hardening @auth-13.4 @mcp-2025-11-25 @core-app
  Scenario: A client that trickles its headers is cut off
    When a client sends its headers one byte every 100 ms
    Then the target closed the connection within 6000 ms
    And the server is healthy
