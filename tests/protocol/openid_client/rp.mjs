// A relying party on openid-client (OpenID certified). It knows the provider only through discovery.
// Protocol with the test: prints {"authorization_url"} on one line, reads the callback URL on stdin,
// then prints the results of the code exchange, userinfo and refresh as one JSON line.
import * as client from "openid-client";
import { createInterface } from "node:readline";

const [issuer, clientId, clientSecret, redirectUri] = process.argv.slice(2);
const lines = createInterface({ input: process.stdin });
const nextLine = () => new Promise((resolve) => lines.once("line", resolve));

// The library's defaults (client_secret_post, as it picks when given a secret), as docs/integrations/node.md.
const config = await client.discovery(new URL(issuer), clientId, clientSecret, undefined, {
  // The test provider listens on plain http on loopback.
  execute: [client.allowInsecureRequests],
});

const codeVerifier = client.randomPKCECodeVerifier();
const nonce = client.randomNonce();
const state = client.randomState();
const authorizationUrl = client.buildAuthorizationUrl(config, {
  redirect_uri: redirectUri,
  scope: "openid email profile offline_access", // a refresh token once the person consents (no prompt)
  code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
  code_challenge_method: "S256",
  nonce,
  state,
});
console.log(JSON.stringify({ authorization_url: authorizationUrl.href }));

const callback = await nextLine();
const tokens = await client.authorizationCodeGrant(config, new URL(callback), {
  pkceCodeVerifier: codeVerifier,
  expectedNonce: nonce,
  expectedState: state,
  idTokenExpected: true,
});
const claims = tokens.claims();
const userinfo = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token);
console.log(
  JSON.stringify({
    claims,
    userinfo,
    refreshed_claims: refreshed.claims(),
    rotated: refreshed.refresh_token !== tokens.refresh_token,
  }),
);
lines.close();
