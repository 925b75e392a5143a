// The official TypeScript SDK's MCP client against a target started by
// journeys/tsclient_test.go: from a cold 401 it discovers the authorization
// server (resource metadata, then RFC 8414 metadata), signs alice in with
// the scope the challenge names, calls a tool, gets a 403
// insufficient_scope on a write, steps up, and calls it again.
//
//   node journey.mjs <MCP URL>
//
// The "browser" of the OAuth flow is one HTTP request: the fake core app
// signs in the user named in login_hint and redirects with a code. Prints
// one line per step; exits non-zero with the reason on the first failure.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';

const mcpURL = new URL(process.argv[2] ?? '');
const redirectUrl = 'http://127.0.0.1:9/callback'; // never contacted
let pendingCode;
const authorizationRequests = [];

const provider = {
  get redirectUrl() { return redirectUrl; },
  get clientMetadata() {
    return {
      client_name: 'mcpauthspec ts journey',
      redirect_uris: [redirectUrl],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
  },
  clientInformation() { return { client_id: 'ts-journey' }; },
  _tokens: undefined,
  tokens() { return this._tokens; },
  saveTokens(t) { this._tokens = t; },
  _verifier: undefined,
  saveCodeVerifier(v) { this._verifier = v; },
  codeVerifier() { return this._verifier; },
  // The user's browser: alice signs in and consents; the code comes back in
  // the redirect's Location.
  async redirectToAuthorization(url) {
    authorizationRequests.push({ origin: url.origin, scope: url.searchParams.get('scope') });
    url.searchParams.set('login_hint', 'user-alice');
    const resp = await fetch(url, { redirect: 'manual' });
    const loc = new URL(resp.headers.get('location') ?? '', url);
    pendingCode = loc.searchParams.get('code');
    if (resp.status !== 302 || !pendingCode) {
      throw new Error(`authorization endpoint: HTTP ${resp.status} ${loc.searchParams.get('error_description') ?? ''}`);
    }
  },
};

function scopeOf(tokens) {
  const payload = JSON.parse(Buffer.from(tokens.access_token.split('.')[1], 'base64url').toString());
  return payload.scope;
}

async function connect() {
  const transport = new StreamableHTTPClientTransport(mcpURL, { authProvider: provider });
  const client = new Client({ name: 'mcpauthspec-ts-journey', version: '1' });
  try {
    await client.connect(transport);
    return { client, transport };
  } catch (err) {
    if (!(err instanceof UnauthorizedError)) throw err;
    await transport.finishAuth(pendingCode);
    console.log(`signed in through ${authorizationRequests.at(-1).origin} with scope "${scopeOf(provider.tokens())}"`);
  }
  const retry = new StreamableHTTPClientTransport(mcpURL, { authProvider: provider });
  const client2 = new Client({ name: 'mcpauthspec-ts-journey', version: '1' });
  await client2.connect(retry);
  return { client: client2, transport: retry };
}

function text(result) {
  return (result.content ?? []).filter((c) => c.type === 'text').map((c) => c.text).join(' ');
}

async function main() {
  const { client, transport } = await connect();
  if (authorizationRequests.length !== 1) throw new Error('no authorization from the cold 401');
  const who = await client.callTool({ name: 'whoami', arguments: {} });
  if (who.isError || !text(who).includes('"user-alice"')) throw new Error(`whoami: ${text(who)}`);
  console.log('whoami served as user-alice');

  let created;
  try {
    created = await client.callTool({ name: 'create_ticket', arguments: { title: 'ts step-up' } });
  } catch (err) {
    if (!(err instanceof UnauthorizedError)) throw err;
    await transport.finishAuth(pendingCode);
    console.log(`stepped up after 403 with scope "${scopeOf(provider.tokens())}"`);
    created = await client.callTool({ name: 'create_ticket', arguments: { title: 'ts step-up' } });
  }
  if (created.isError || !text(created).includes('ts step-up')) throw new Error(`create_ticket: ${text(created)}`);
  const asked = authorizationRequests.map((r) => r.scope);
  if (asked.length !== 2 || !(asked[1] ?? '').split(' ').includes('write')) {
    throw new Error(`authorization requests for scopes ${JSON.stringify(asked)}; want a second one for write`);
  }
  console.log('create_ticket served after step-up');
  await client.close();
  console.log('ok');
}

main().catch((err) => {
  console.error(`journey failed: ${err?.message ?? err}`);
  process.exit(1);
});
