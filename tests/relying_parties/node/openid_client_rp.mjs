// A relying party built on openid-client (npm, OpenID-certified), driven by tests/relying_parties as a command line.
//
//   node openid_client_rp.mjs metadata --issuer URL --client-id ID [--client-secret S] [--auth basic|post|none]
//   node openid_client_rp.mjs start    ... --redirect-uri URI --state-file F [--scope S] [--prompt P]
//                                          [--max-age N] [--login-hint H] [--no-nonce]
//   node openid_client_rp.mjs finish   ... --state-file F --callback URL [--verifier V | --wrong-verifier]
//                                          [--token-redirect-uri URI]
//   node openid_client_rp.mjs userinfo ... --access-token T --subject SUB
//
// `start` discovers the provider, builds the authorization URL with PKCE S256, state and nonce, keeps them in the
// state file and prints {"authorization_url": ...}. `finish` hands the callback URL to authorizationCodeGrant with
// the expected state, nonce and verifier (the library checks the response's `iss`, the ID token's signature against
// the JWKS, iss, aud, exp, iat, nonce and auth_time), then calls userinfo, and prints the validated claims.
// Every failure the library reports is printed as JSON {"ok": false, "stage", "name", "code", "error", ...} with the
// exit status 2, so that the tests assert on the library's own verdict; any other exit status is a crash.
//
// Plain http is allowed (allowInsecureRequests) only because the provider is on loopback in the tests.

import { readFileSync, writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import * as client from 'openid-client'

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    issuer: { type: 'string' },
    'client-id': { type: 'string' },
    'client-secret': { type: 'string' },
    auth: { type: 'string', default: 'basic' },
    'redirect-uri': { type: 'string' },
    'state-file': { type: 'string' },
    scope: { type: 'string', default: 'openid profile email ent' },
    prompt: { type: 'string' },
    'max-age': { type: 'string' },
    'login-hint': { type: 'string' },
    'no-nonce': { type: 'boolean', default: false },
    callback: { type: 'string' },
    verifier: { type: 'string' },
    'wrong-verifier': { type: 'boolean', default: false },
    'token-redirect-uri': { type: 'string' },
    'access-token': { type: 'string' },
    subject: { type: 'string' },
  },
})

function required(name) {
  if (!values[name]) throw new UsageError(`--${name} is required`)
  return values[name]
}

class UsageError extends Error {}

function clientAuth() {
  switch (values.auth) {
    case 'basic':
      return client.ClientSecretBasic(required('client-secret'))
    case 'post':
      return client.ClientSecretPost(required('client-secret'))
    case 'none':
      return client.None()
    default:
      throw new UsageError(`--auth must be basic, post or none, not ${values.auth}`)
  }
}

async function discover() {
  return client.discovery(new URL(required('issuer')), required('client-id'), undefined, clientAuth(), {
    execute: [client.allowInsecureRequests],
    timeout: 20,
  })
}

async function start(config) {
  const verifier = client.randomPKCECodeVerifier()
  const parameters = {
    redirect_uri: required('redirect-uri'),
    scope: values.scope,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state: client.randomState(),
  }
  if (!values['no-nonce']) parameters.nonce = client.randomNonce()
  if (values.prompt) parameters.prompt = values.prompt
  if (values['max-age']) parameters.max_age = values['max-age']
  if (values['login-hint']) parameters.login_hint = values['login-hint']
  const kept = {
    verifier,
    state: parameters.state,
    nonce: parameters.nonce ?? null,
    max_age: values['max-age'] ? Number(values['max-age']) : null,
    redirect_uri: parameters.redirect_uri,
  }
  writeFileSync(required('state-file'), JSON.stringify(kept), { mode: 0o600 })
  return { ok: true, authorization_url: client.buildAuthorizationUrl(config, parameters).href }
}

async function finish(config) {
  const kept = JSON.parse(readFileSync(required('state-file'), 'utf8'))
  let callback = new URL(required('callback'))
  if (values['token-redirect-uri']) {
    // openid-client sends as redirect_uri the callback URL without its query: put the response's parameters on
    // another URL to make it send that one.
    const other = new URL(values['token-redirect-uri'])
    other.search = callback.search
    callback = other
  }
  let verifier = values.verifier ?? kept.verifier
  if (values['wrong-verifier']) verifier = client.randomPKCECodeVerifier()
  const checks = { pkceCodeVerifier: verifier, expectedState: kept.state, idTokenExpected: true }
  if (kept.nonce) checks.expectedNonce = kept.nonce
  if (kept.max_age !== null) checks.maxAge = kept.max_age
  let tokens
  try {
    tokens = await client.authorizationCodeGrant(config, callback, checks)
  } catch (error) {
    throw Object.assign(error, { stage: 'grant' })
  }
  const claims = tokens.claims()
  let userinfo
  try {
    userinfo = await client.fetchUserInfo(config, tokens.access_token, claims.sub)
  } catch (error) {
    throw Object.assign(error, { stage: 'userinfo' })
  }
  return {
    ok: true,
    id_token_claims: claims,
    id_token_header: JSON.parse(Buffer.from(tokens.id_token.split('.')[0], 'base64url').toString()),
    userinfo,
    token_type: tokens.token_type,
    expires_in: tokens.expires_in ?? null,
    scope: tokens.scope ?? null,
    refresh_token: tokens.refresh_token ?? null,
    access_token: tokens.access_token,
  }
}

async function userinfo(config) {
  try {
    return { ok: true, userinfo: await client.fetchUserInfo(config, required('access-token'), required('subject')) }
  } catch (error) {
    throw Object.assign(error, { stage: 'userinfo' })
  }
}

// A 401 with a WWW-Authenticate challenge (RFC 6749 §5.2 for invalid_client) comes as WWWAuthenticateChallengeError,
// whose answer's body, unread by the library, still says which OAuth error it was.
async function bodyOf(error) {
  const response = error.response
  if (!response || response.bodyUsed) return undefined
  try {
    return await response.json()
  } catch {
    return undefined
  }
}

function describe(error, body) {
  const described = {
    ok: false,
    stage: error.stage ?? 'unknown',
    name: error.name,
    code: error.code ?? null,
    message: error.message,
  }
  // ResponseBodyError (an OAuth error answer) and AuthorizationResponseError (an error in the redirect).
  if (error.error !== undefined) described.error = error.error
  if (error.error_description !== undefined) described.error_description = error.error_description
  if (error.status !== undefined) described.status = error.status
  if (body && typeof body === 'object' && described.error === undefined && typeof body.error === 'string') {
    described.error = body.error
    if (body.error_description !== undefined) described.error_description = body.error_description
  }
  // WWWAuthenticateChallengeError: a 401 from userinfo says why in its challenge.
  if (Array.isArray(error.cause) && error.cause[0]?.parameters) {
    described.challenges = error.cause.map((c) => ({ scheme: c.scheme, parameters: c.parameters }))
  } else if (error.cause instanceof Response) {
    described.status = error.cause.status
  } else if (error.cause instanceof Error) {
    described.cause = { name: error.cause.name, code: error.cause.code ?? null, message: error.cause.message }
  } else if (error.cause instanceof URLSearchParams) {
    described.cause = Object.fromEntries(error.cause)
  } else if (error.cause && typeof error.cause === 'object') {
    described.cause = error.cause
  }
  return described
}

const commands = { metadata: async (config) => ({ ok: true, metadata: config.serverMetadata() }), start, finish, userinfo }

try {
  const command = commands[positionals[0]]
  if (!command) throw new UsageError(`the command must be one of ${Object.keys(commands).join(', ')}`)
  let config
  try {
    config = await discover()
  } catch (error) {
    throw Object.assign(error, { stage: 'discovery' })
  }
  process.stdout.write(JSON.stringify(await command(config)) + '\n')
} catch (error) {
  if (error instanceof UsageError) {
    process.stderr.write(`openid_client_rp.mjs: ${error.message}\n`)
    process.exit(64)
  }
  process.stdout.write(JSON.stringify(describe(error, await bodyOf(error))) + '\n')
  process.exit(2)
}
