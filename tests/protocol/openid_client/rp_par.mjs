// A relying party on openid-client (OpenID certified) that pushes its authorization request (RFC 9126)
// with the client authentication method named on the command line. It knows the provider only through
// discovery. Protocol with the test: prints {"authorization_url"} on one line, reads the callback URL on
// stdin, then prints the verified id_token claims as one JSON line.
import * as client from "openid-client";
import { webcrypto } from "node:crypto";
import { createInterface } from "node:readline";

const [issuer, clientId, method, credential, redirectUri] = process.argv.slice(2);
const lines = createInterface({ input: process.stdin });
const nextLine = () => new Promise((resolve) => lines.once("line", resolve));

async function privateKey(pem) {
  const der = Buffer.from(pem.replace(/-----[^-]+-----/g, "").replace(/\s+/g, ""), "base64");
  const algorithm = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" };
  return webcrypto.subtle.importKey("pkcs8", der, algorithm, false, ["sign"]);
}

const authentication = {
  client_secret_basic: () => client.ClientSecretBasic(credential),
  client_secret_post: () => client.ClientSecretPost(credential),
  client_secret_jwt: () => client.ClientSecretJwt(credential),
  private_key_jwt: async () => client.PrivateKeyJwt(await privateKey(credential)),
  none: () => client.None(),
}[method];

const config = await client.discovery(new URL(issuer), clientId, undefined, await authentication(), {
  // The test provider listens on plain http on loopback.
  execute: [client.allowInsecureRequests],
});

const codeVerifier = client.randomPKCECodeVerifier();
const nonce = client.randomNonce();
const state = client.randomState();
const authorizationUrl = await client.buildAuthorizationUrlWithPAR(config, {
  redirect_uri: redirectUri,
  scope: "openid email",
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
console.log(JSON.stringify({ claims: tokens.claims() }));
lines.close();
