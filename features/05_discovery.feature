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
  > RFC 9728 §2: scopes_supported is RECOMMENDED; bearer_methods_supported
  > lists the supported methods of sending a bearer token, among "header",
  > "body" and "query" (RFC 6750 §2.1-§2.3); resource_name is RECOMMENDED.
  > Target contract §2: both well-known paths, without authentication;
  > §3: "Tokens arrive only as `Authorization: Bearer <token>`."

  # Requirement: RFC 9728 §3.2: the metadata is served with "200 OK" as "a JSON object using the application/json content type", without credentials, at both well-known paths (MCP 2025-06-18; target contract §2).
  @must @auth-5.1 @rfc9728 @mcp-2025-06-18 @mcp-2025-11-25 @core-app
  Scenario Outline: The metadata is served without credentials at <path>
    When the client fetches "<path>"
    Then the response status is 200
    And the response body is JSON

    Examples:
      | path                                      |
      | /.well-known/oauth-protected-resource/mcp |
      | /.well-known/oauth-protected-resource     |

  # Requirement: RFC 9728 §3.3: "The resource value returned MUST be identical to the protected resource's resource identifier"; here the MCP endpoint URL (target contract §2, MCP_RESOURCE_URL).
  @must @auth-5.2 @rfc9728 @mcp-2025-11-25 @core-app
  Scenario Outline: The metadata at <path> names the MCP endpoint as its resource
    When the client fetches "<path>"
    Then the metadata "resource" is the MCP URL

    Examples:
      | path                                      |
      | /.well-known/oauth-protected-resource/mcp |
      | /.well-known/oauth-protected-resource     |

  # Requirement: MCP 2025-06-18: the metadata "MUST include the authorization_servers field containing at least one authorization server".
  @must @auth-5.3 @mcp-2025-06-18 @mcp-2025-11-25 @rfc9728
  Scenario Outline: The metadata at <path> names an authorization server
    When the client fetches "<path>"
    Then the metadata "authorization_servers" is not empty

    Examples:
      | path                                      |
      | /.well-known/oauth-protected-resource/mcp |
      | /.well-known/oauth-protected-resource     |

  # Requirement: RFC 9728 §2: scopes_supported is RECOMMENDED; it should list the scopes the tools need: read, write and admin.
  @should @auth-5.4 @rfc9728 @core-app
  Scenario Outline: The metadata at <path> lists the supported scopes
    When the client fetches "<path>"
    Then the metadata "scopes_supported" contains "read"
    And the metadata "scopes_supported" contains "write"
    And the metadata "scopes_supported" contains "admin"

    Examples:
      | path                                      |
      | /.well-known/oauth-protected-resource/mcp |
      | /.well-known/oauth-protected-resource     |

  # Requirement: RFC 9728 §2 bearer_methods_supported with RFC 6750 §2.1: the header is the only method the contract allows, so the metadata should advertise exactly ["header"].
  @should @auth-5.5 @rfc9728 @rfc6750 @core-app
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
