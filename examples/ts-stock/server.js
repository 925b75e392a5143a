// ts-stock: the target contract's MCP server on the official TypeScript SDK
// (@modelcontextprotocol/sdk), written the way the SDK's own examples show
// (dist/esm/examples/server/simpleStreamableHttp.js): createMcpExpressApp,
// requireBearerAuth with a token verifier, mcpAuthMetadataRouter for the
// RFC 9728 metadata, one StreamableHTTPServerTransport per session. The
// verifier is jose's jwtVerify as jose's README shows it.
//
// It is deliberately NOT hardened against the conformance suite: it is the
// suite's second opinion (docs/stock-servers.md in the repository).
//
// Configuration (target contract §2): MCP_LISTEN_ADDR, JWT_SECRET_KEY,
// JWT_ISSUER, JWT_AUDIENCE, BACKEND_API_URL, BACKEND_TOKEN_URL,
// MCP_CLIENT_ID, MCP_CLIENT_SECRET; optional MCP_RESOURCE_URL,
// JWT_JWKS_URL and BACKEND_TIMEOUT.
import { randomUUID } from 'node:crypto';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { createMcpExpressApp } from '@modelcontextprotocol/sdk/server/express.js';
import { requireBearerAuth } from '@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js';
import { getOAuthProtectedResourceMetadataUrl, mcpAuthMetadataRouter } from '@modelcontextprotocol/sdk/server/auth/router.js';
import { metadataHandler } from '@modelcontextprotocol/sdk/server/auth/handlers/metadata.js';
import { InvalidTokenError } from '@modelcontextprotocol/sdk/server/auth/errors.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import * as jose from 'jose';
import * as z from 'zod/v4';

function required(name) {
  const v = process.env[name];
  if (!v) {
    console.error(`ts-stock: ${name} is required`);
    process.exit(2);
  }
  return v;
}

const listenAddr = required('MCP_LISTEN_ADDR');
const issuer = required('JWT_ISSUER');
const audience = required('JWT_AUDIENCE');
const backendURL = required('BACKEND_API_URL').replace(/\/$/, '');
const tokenURL = required('BACKEND_TOKEN_URL');
const clientID = required('MCP_CLIENT_ID');
const clientSecret = required('MCP_CLIENT_SECRET');
const jwksURL = process.env.JWT_JWKS_URL;
const secret = jwksURL ? undefined : new TextEncoder().encode(required('JWT_SECRET_KEY'));
const timeoutMs = parseTimeout(process.env.BACKEND_TIMEOUT);

const sep = listenAddr.lastIndexOf(':');
const host = listenAddr.slice(0, sep);
const port = Number(listenAddr.slice(sep + 1));
const resourceURL = new URL(process.env.MCP_RESOURCE_URL || `http://${listenAddr}/mcp`);

function parseTimeout(s) {
  if (!s) return 10_000;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(s);
  if (!m) {
    console.error('ts-stock: BACKEND_TIMEOUT is not a duration such as 1s');
    process.exit(2);
  }
  return Number(m[1]) * { ms: 1, s: 1000, m: 60_000 }[m[2]];
}

// --- Token verification (jose README: jwtVerify with a secret or a remote JWKS) ---

const key = jwksURL ? jose.createRemoteJWKSet(new URL(jwksURL)) : secret;

const verifier = {
  async verifyAccessToken(token) {
    let payload;
    try {
      ({ payload } = await jose.jwtVerify(token, key, { issuer, audience }));
    } catch (err) {
      throw new InvalidTokenError(err.message);
    }
    return {
      token,
      clientId: String(payload.azp ?? payload.client_id ?? ''),
      scopes: typeof payload.scope === 'string' ? payload.scope.split(' ').filter(Boolean) : [],
      expiresAt: payload.exp,
      extra: { userId: payload.sub, orgId: payload.org_id, email: payload.email, name: payload.name }
    };
  }
};

// --- Backend calls, with an RFC 8693 token exchange for each ---

async function exchange(subjectToken) {
  const res = await fetch(tokenURL, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-www-form-urlencoded',
      Authorization: 'Basic ' + Buffer.from(`${encodeURIComponent(clientID)}:${encodeURIComponent(clientSecret)}`).toString('base64')
    },
    body: new URLSearchParams({
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      subject_token: subjectToken,
      subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      audience: 'core-api'
    }),
    signal: AbortSignal.timeout(timeoutMs)
  });
  if (!res.ok) throw new Error(`token exchange failed with status ${res.status}`);
  const body = await res.json();
  if (!body.access_token) throw new Error('token exchange returned no access token');
  return body.access_token;
}

async function callBackend(authInfo, method, path, body) {
  const token = await exchange(authInfo.token);
  const res = await fetch(backendURL + path, {
    method,
    headers: { Authorization: `Bearer ${token}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(timeoutMs)
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`backend returned ${res.status}: ${text}`);
  return text || '{}';
}

// --- Tools ---

const result = text => ({ content: [{ type: 'text', text }] });
const toolError = message => ({ content: [{ type: 'text', text: message }], isError: true });

// A tool that needs scope: checked against the request's AuthInfo
// (extra.authInfo), answered with a tool error when it is missing. The SDK
// calls a tool without inputSchema as cb(extra), any other as cb(args, extra).
function scoped(scope, fn) {
  return async (...params) => {
    const extra = params.at(-1);
    const args = params.length > 1 ? params[0] : {};
    const auth = extra.authInfo;
    if (!auth) return toolError('unauthenticated');
    if (scope && !auth.scopes.includes(scope)) return toolError(`insufficient permissions: ${scope} scope required`);
    try {
      return result(await fn(auth, args));
    } catch (err) {
      return toolError(err.message);
    }
  };
}

function getServer() {
  const server = new McpServer({ name: 'ts-stock', version: '0.1.0' });

  server.registerTool('whoami', { description: 'Who the caller is.' },
    scoped('', async auth => JSON.stringify({
      user_id: auth.extra.userId, org_id: auth.extra.orgId, scopes: auth.scopes,
      email: auth.extra.email, name: auth.extra.name
    })));

  server.registerTool('list_tickets', {
    description: 'List tickets. Scope: read.',
    inputSchema: {
      status: z.enum(['open', 'in_progress', 'closed']).optional(),
      page: z.number().int().min(1).default(1),
      page_size: z.number().int().min(1).max(100).default(10)
    }
  }, scoped('read', (auth, { status, page, page_size }) => {
    const q = new URLSearchParams({ page: String(page), page_size: String(page_size) });
    if (status) q.set('status', status);
    return callBackend(auth, 'GET', `/api/tickets?${q}`);
  }));

  server.registerTool('get_ticket', { description: 'Get a ticket. Scope: read.', inputSchema: { ticket_id: z.string() } },
    scoped('read', (auth, { ticket_id }) => callBackend(auth, 'GET', `/api/tickets/${encodeURIComponent(ticket_id)}`)));

  server.registerTool('create_ticket', {
    description: 'Create a ticket. Scope: write.',
    inputSchema: {
      title: z.string(),
      description: z.string().optional(),
      priority: z.enum(['low', 'medium', 'high']).default('medium')
    }
  }, scoped('write', (auth, { title, description, priority }) =>
    callBackend(auth, 'POST', '/api/tickets', { title, description: description ?? '', priority })));

  server.registerTool('update_ticket', {
    description: 'Update a ticket. Scope: write.',
    inputSchema: {
      ticket_id: z.string(),
      status: z.enum(['open', 'in_progress', 'closed']).optional(),
      title: z.string().optional(),
      priority: z.enum(['low', 'medium', 'high']).optional()
    }
  }, scoped('write', (auth, { ticket_id, ...changes }) =>
    callBackend(auth, 'PATCH', `/api/tickets/${encodeURIComponent(ticket_id)}`, changes)));

  server.registerTool('delete_ticket', { description: 'Delete a ticket. Scope: admin.', inputSchema: { ticket_id: z.string() } },
    scoped('admin', async (auth, { ticket_id }) => {
      await callBackend(auth, 'DELETE', `/api/tickets/${encodeURIComponent(ticket_id)}`);
      return JSON.stringify({ id: ticket_id, deleted: true });
    }));

  server.registerTool('list_integrations', { description: 'List integrations. Scope: read.' },
    scoped('read', auth => callBackend(auth, 'GET', '/api/integrations')));

  server.registerTool('sync_integration', { description: 'Sync an integration. Scope: write.', inputSchema: { integration_id: z.string() } },
    scoped('write', (auth, { integration_id }) =>
      callBackend(auth, 'POST', `/api/integrations/${encodeURIComponent(integration_id)}/sync`)));

  server.registerTool('system_status', { description: "The core app's status. Scope: admin." },
    scoped('admin', auth => callBackend(auth, 'GET', '/api/system/status')));

  return server;
}

// --- HTTP ---

const app = createMcpExpressApp({ host });

// RFC 9728 metadata. mcpAuthMetadataRouter serves it at the path-suffixed
// well-known URL; the contract also asks for the root one.
const prm = {
  resource: resourceURL.href,
  authorization_servers: [issuer],
  scopes_supported: ['read', 'write', 'admin'],
  resource_name: 'ts-stock'
};
if (URL.canParse(issuer)) {
  app.use(mcpAuthMetadataRouter({
    oauthMetadata: {
      issuer,
      authorization_endpoint: new URL('/authorize', issuer).href,
      token_endpoint: tokenURL,
      response_types_supported: ['code']
    },
    resourceServerUrl: resourceURL,
    scopesSupported: prm.scopes_supported,
    resourceName: prm.resource_name
  }));
} else {
  // mcpAuthMetadataRouter refuses an issuer that is not a URL (RFC 8414 §2).
  app.use('/.well-known/oauth-protected-resource/mcp', metadataHandler(prm));
}
app.use('/.well-known/oauth-protected-resource', metadataHandler(prm));

app.get('/healthz', (_req, res) => res.json({ status: 'ok' }));

const authMiddleware = requireBearerAuth({
  verifier,
  requiredScopes: [],
  resourceMetadataUrl: getOAuthProtectedResourceMetadataUrl(resourceURL)
});

const transports = new Map();

app.post('/mcp', authMiddleware, async (req, res) => {
  const sessionId = req.headers['mcp-session-id'];
  try {
    let transport = sessionId ? transports.get(sessionId) : undefined;
    if (!transport && !sessionId && isInitializeRequest(req.body)) {
      transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: id => transports.set(id, transport)
      });
      transport.onclose = () => {
        if (transport.sessionId) transports.delete(transport.sessionId);
      };
      await getServer().connect(transport);
    } else if (!transport) {
      res.status(sessionId ? 404 : 400).json({
        jsonrpc: '2.0',
        error: { code: sessionId ? -32001 : -32000, message: sessionId ? 'Session not found' : 'Bad Request: No valid session ID provided' },
        id: null
      });
      return;
    }
    await transport.handleRequest(req, res, req.body);
  } catch (err) {
    console.error('Error handling MCP request:', err.message);
    if (!res.headersSent) {
      res.status(500).json({ jsonrpc: '2.0', error: { code: -32603, message: 'Internal server error' }, id: null });
    }
  }
});

// GET (the SSE stream) and DELETE (end the session) for an existing session.
const sessionRequest = async (req, res) => {
  const transport = transports.get(req.headers['mcp-session-id']);
  if (!transport) {
    res.status(400).send('Invalid or missing session ID');
    return;
  }
  await transport.handleRequest(req, res);
};
app.get('/mcp', authMiddleware, sessionRequest);
app.delete('/mcp', authMiddleware, sessionRequest);

const httpServer = app.listen(port, host, err => {
  if (err) {
    console.error('ts-stock: cannot listen:', err.message);
    process.exit(2);
  }
  console.log(`ts-stock listening on ${host}:${port} (resource ${resourceURL.href})`);
});

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    httpServer.close();
    process.exit(0);
  });
}
