Feature: 5. Discovery
  The target publishes OAuth 2.0 Protected Resource Metadata, without
  authentication, at the path-suffixed well-known location of its MCP
  endpoint and at the root well-known location, so that a client that got a
  401 can find the authorization server and the scopes to ask for.

  > MCP 2025-06-18 authorization: "MCP servers MUST implement OAuth 2.0
  > Protected Resource Metadata (RFC9728)." "The Protected Resource Metadata
  > document returned by the MCP server MUST include the
  > authorization_servers field containing at least one authorization
  > server."
  > MCP 2025-11-25 authorization, Protected Resource Metadata Discovery
  > Requirements: metadata may be served "At the path of the server's MCP
  > endpoint" or "At the root: https://example.com/.well-known/oauth-protected-resource".
  > RFC 9728 §3: "Protected resources supporting metadata MUST make a JSON
  > document containing metadata as specified in Section 2 available at a URL
  > formed by inserting a well-known URI string into the protected resource's
  > resource identifier between the host component and the path and/or query
  > components, if any."
  > RFC 9728 §3.2: "A successful response MUST use the 200 OK HTTP status code
  > and return a JSON object using the application/json content type".
  > RFC 9728 §3.3: "The resource value returned MUST be identical to the
  > protected resource's resource identifier value into which the well-known
  > URI path suffix was inserted to create the URL used to retrieve the
  > metadata."
  > MCP 2025-11-25 authorization: "The `scopes_supported` field is intended
  > to represent the minimal set of scopes necessary for basic functionality".
  > RFC 9728 §2: scopes_supported is RECOMMENDED; bearer_methods_supported
  > lists the supported methods of sending a bearer token, among "header",
  > "body" and "query" (RFC 6750 §2.1-§2.3); resource_name is RECOMMENDED.
  > Target contract §2: both well-known paths, without authentication;
  > §3: "Tokens arrive only as `Authorization: Bearer <token>`."

  # Requirement: RFC 9728 §3.2: "A successful response MUST use the 200 OK HTTP status code and return a JSON object using the application/json content type"; MCP 2025-06-18: "MCP servers MUST implement OAuth 2.0 Protected Resource Metadata (RFC9728)."; target contract §2: the metadata at both well-known paths, without authentication.
  # Why must: the contract asks for both paths, without credentials, and RFC 9728 §3.2 leaves one successful answer: 200 with a JSON object as application/json (parameters such as charset pass).
  @must @auth-5.1 @rfc9728 @mcp-2025-06-18 @mcp-2025-11-25 @core-app
  Scenario Outline: The metadata is served without credentials at <path>
    When the client fetches "<path>"
    Then the response status is 200
    And the response body is JSON

    Examples:
      | path                                      |
      | /.well-known/oauth-protected-resource/mcp |
      | /.well-known/oauth-protected-resource     |

  # Requirement: RFC 9728 §3.3: "The resource value returned MUST be identical to the protected resource's resource identifier value into which the well-known URI path suffix was inserted to create the URL used to retrieve the metadata."; target contract §2: `resource` is `MCP_RESOURCE_URL` (or the profile's resource).
  # Why must: at the path-suffixed location only the MCP resource URL is the identifier the URL was built from; at the root the step accepts both the origin (the literal reading) and the MCP resource URL (MCP 2025-11-25 serves the endpoint's metadata there), so every reading passes and only another value fails.
  @must @auth-5.2 @rfc9728 @mcp-2025-11-25 @core-app
  Scenario Outline: The metadata at <path> names the MCP endpoint as its resource
    When the client fetches "<path>"
    Then the metadata "resource" is the MCP URL

    Examples:
      | path                                      |
      | /.well-known/oauth-protected-resource/mcp |
      | /.well-known/oauth-protected-resource     |

  # Requirement: MCP 2025-06-18 authorization: "The Protected Resource Metadata document returned by the MCP server MUST include the `authorization_servers` field containing at least one authorization server."
  # Why must: the sentence itself is the check: a document without the field, or with an empty list, breaks it, and any non-empty list passes.
  @must @auth-5.3 @mcp-2025-06-18 @mcp-2025-11-25 @rfc9728
  Scenario Outline: The metadata at <path> names an authorization server
    When the client fetches "<path>"
    Then the metadata "authorization_servers" is not empty

    Examples:
      | path                                      |
      | /.well-known/oauth-protected-resource/mcp |
      | /.well-known/oauth-protected-resource     |

  # Requirement: RFC 9728 §2: scopes_supported "RECOMMENDED. JSON array containing a list of scope values, as defined in OAuth 2.0 [RFC6749], that are used in authorization requests to request access to this protected resource. Protected resources MAY choose not to advertise some scope values supported even when this parameter is used."; MCP 2025-11-25 calls it "the minimal set of scopes necessary for basic functionality", so it need not list every scope a tool needs.
  @should @auth-5.4 @rfc9728 @mcp-2025-11-25
  Scenario Outline: The metadata at <path> lists supported scopes
    When the client fetches "<path>"
    Then the metadata "scopes_supported" is not empty

    Examples:
      | path                                      |
      | /.well-known/oauth-protected-resource/mcp |
      | /.well-known/oauth-protected-resource     |

  # Requirement: RFC 9728 §2: bearer_methods_supported is OPTIONAL; target contract §3: "Tokens arrive only as `Authorization: Bearer <token>`", so a document that has the member is worth seeing advertise exactly ["header"].
  @may @auth-5.5 @rfc9728 @rfc6750 @core-app
  Scenario Outline: The metadata at <path> offers the Authorization header as the only bearer method
    When the client fetches "<path>"
    Then the metadata "bearer_methods_supported" is exactly "header"

    Examples:
      | path                                      |
      | /.well-known/oauth-protected-resource/mcp |
      | /.well-known/oauth-protected-resource     |

  # Requirement: RFC 9728 §2: "It is RECOMMENDED that protected resource metadata include" resource_name, a human-readable name of the protected resource.
  @should @auth-5.6 @rfc9728
  Scenario Outline: The metadata at <path> gives the resource a name
    When the client fetches "<path>"
    Then the metadata "resource_name" is not empty

    Examples:
      | path                                      |
      | /.well-known/oauth-protected-resource/mcp |
      | /.well-known/oauth-protected-resource     |
