// node-oidc-provider configured like Portico for the load benchmark: the same PostgreSQL server, opaque
// access tokens, client_secret_basic, RS256 id_tokens, the same lifetimes, rotating refresh tokens.
//
//   node server.js serve   PORT DATABASE_URL KEYFILE [CLIENTS]     (CLIENTS: db, the default, or static)
//   node server.js seed    DATABASE_URL KEYFILE OUTDIR KIND COUNT   (KIND: base, codes, refresh, access)
//
// Models are stored as JSONB rows keyed by (model, id) through a small PostgreSQL adapter; the account
// (claims) is one indexed row read per findAccount, as Portico reads its user row. Clients are rows too
// (model 'Client', written by `seed base`), read through the adapter on each request as Portico reads its
// client row; CLIENTS=static serves them from the provider's configuration (memory) instead.

import { createHash, generateKeyPairSync } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import Provider from 'oidc-provider';
import pg from 'pg';

const [mode, ...args] = process.argv.slice(2);

const TTL = {
  AccessToken: 3600,
  ClientCredentials: 3600,
  IdToken: 3600,
  AuthorizationCode: 60,
  RefreshToken: 30 * 24 * 3600,
  Grant: 30 * 24 * 3600,
  Session: 14 * 24 * 3600,
  Interaction: 3600,
};

// The PKCE verifier of every seeded code (the same as Portico's bench codes).
const CODE_VERIFIER = 'bench-code-verifier-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEF';
const CODE_CHALLENGE = createHash('sha256').update(CODE_VERIFIER).digest('base64url');

// Seeded codes outlive the benchmark run (the code TTL is a minute); the redemption path is unchanged.
const SEED_CODE_TTL = 3600;

export const CLIENTS = [
  {
    client_id: 'bench-cc',
    client_secret: 'bench-cc-secret-0123456789abcdefghijklmnopqrstuvwxyz-0123456789ab',
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
    token_endpoint_auth_method: 'client_secret_basic',
  },
  {
    client_id: 'bench-web',
    client_secret: 'bench-web-secret-0123456789abcdefghijklmnopqrstuvwxyz-0123456789a',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: ['http://127.0.0.1:9/callback'],
    token_endpoint_auth_method: 'client_secret_basic',
  },
];

const ACCOUNT_ID = 'bench-user';
const CLAIMS = {
  sub: ACCOUNT_ID,
  name: 'Dana M. Example',
  given_name: 'Dana',
  middle_name: 'M.',
  family_name: 'Example',
  nickname: 'Dee',
  preferred_username: 'dana',
  profile: 'https://example.com/dana',
  picture: 'https://example.com/dana.png',
  website: 'https://dana.example.com',
  gender: 'female',
  birthdate: '1990-04-01',
  zoneinfo: 'Europe/Paris',
  locale: 'en-GB',
  email: 'demo@example.com',
  email_verified: true,
};

function keys(keyfile) {
  if (!existsSync(keyfile)) {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const jwk = { ...privateKey.export({ format: 'jwk' }), alg: 'RS256', use: 'sig', kid: 'bench-rs256' };
    writeFileSync(keyfile, JSON.stringify({ keys: [jwk] }), { mode: 0o600 });
  }
  return JSON.parse(readFileSync(keyfile, 'utf8'));
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS oidc_models (
  model text NOT NULL,
  id text NOT NULL,
  payload jsonb NOT NULL,
  grant_id text,
  uid text,
  user_code text,
  expires_at timestamptz,
  PRIMARY KEY (model, id)
);
CREATE INDEX IF NOT EXISTS oidc_models_grant_id ON oidc_models (grant_id);
CREATE INDEX IF NOT EXISTS oidc_models_uid ON oidc_models (model, uid);
CREATE INDEX IF NOT EXISTS oidc_models_user_code ON oidc_models (model, user_code);
CREATE INDEX IF NOT EXISTS oidc_models_expires_at ON oidc_models (expires_at);
CREATE TABLE IF NOT EXISTS accounts (id text PRIMARY KEY, claims jsonb NOT NULL);
`;

function makeAdapter(pool) {
  return class PostgresAdapter {
    constructor(model) {
      this.model = model;
    }

    async upsert(id, payload, expiresIn) {
      const expires = expiresIn ? new Date(Date.now() + expiresIn * 1000) : null;
      await pool.query(
        `INSERT INTO oidc_models (model, id, payload, grant_id, uid, user_code, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (model, id) DO UPDATE SET payload = EXCLUDED.payload, grant_id = EXCLUDED.grant_id,
           uid = EXCLUDED.uid, user_code = EXCLUDED.user_code, expires_at = EXCLUDED.expires_at`,
        [this.model, id, payload, payload.grantId, payload.uid, payload.userCode, expires],
      );
    }

    async #findBy(column, value) {
      const { rows } = await pool.query(
        `SELECT payload FROM oidc_models WHERE model = $1 AND ${column} = $2
         AND (expires_at IS NULL OR expires_at > now())`,
        [this.model, value],
      );
      return rows[0]?.payload;
    }

    find(id) {
      return this.#findBy('id', id);
    }

    findByUid(uid) {
      return this.#findBy('uid', uid);
    }

    findByUserCode(userCode) {
      return this.#findBy('user_code', userCode);
    }

    async consume(id) {
      await pool.query(
        `UPDATE oidc_models SET payload = payload || jsonb_build_object('consumed', extract(epoch from now())::int)
         WHERE model = $1 AND id = $2`,
        [this.model, id],
      );
    }

    async destroy(id) {
      await pool.query('DELETE FROM oidc_models WHERE model = $1 AND id = $2', [this.model, id]);
    }

    async revokeByGrantId(grantId) {
      await pool.query('DELETE FROM oidc_models WHERE grant_id = $1', [grantId]);
    }
  };
}

// Seeding: the provider's own models build every artifact; a buffering adapter writes them in bulk.
function makeBufferingAdapter(rows) {
  return class BufferingAdapter {
    constructor(model) {
      this.model = model;
    }

    async upsert(id, payload, expiresIn) {
      rows.push({
        model: this.model,
        id,
        payload,
        grant_id: payload.grantId ?? null,
        expires_at: new Date(Date.now() + expiresIn * 1000).toISOString(),
      });
    }

    async find() {
      return undefined;
    }
  };
}

function configuration(adapter, pool, jwks, clients = CLIENTS) {
  return {
    adapter,
    clients,
    jwks,
    cookies: { keys: ['bench-cookie-key-0123456789abcdef'] },
    claims: {
      openid: ['sub'],
      profile: [
        'name', 'given_name', 'middle_name', 'family_name', 'nickname', 'preferred_username', 'profile',
        'picture', 'website', 'gender', 'birthdate', 'zoneinfo', 'locale',
      ],
      email: ['email', 'email_verified'],
      offline_access: [],
    },
    scopes: ['openid', 'offline_access', 'profile', 'email'],
    features: {
      devInteractions: { enabled: false },
      introspection: { enabled: true },
      revocation: { enabled: true },
      clientCredentials: { enabled: true },
      userinfo: { enabled: true },
    },
    async findAccount(_ctx, id) {
      const { rows } = await pool.query('SELECT claims FROM accounts WHERE id = $1', [id]);
      if (!rows[0]) return undefined;
      const { claims } = rows[0];
      return { accountId: id, claims: async () => claims };
    },
    ttl: { ...TTL },
    rotateRefreshToken: true,
    pkce: { required: () => false },
    enabledJWA: { idTokenSigningAlgValues: ['RS256'] },
  };
}

async function serve([port, databaseUrl, keyfile, clients = 'db']) {
  if (!['db', 'static'].includes(clients)) throw new Error(`CLIENTS is db or static, not ${clients}`);
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 16 });
  await pool.query(SCHEMA);
  const issuer = `http://127.0.0.1:${port}`;
  const config = configuration(makeAdapter(pool), pool, keys(keyfile), clients === 'db' ? [] : CLIENTS);
  const provider = new Provider(issuer, config);
  provider.on('server_error', (_ctx, error) => console.error('server_error', error));
  const server = provider.listen(Number(port), '127.0.0.1', () => {
    console.log(`peer listening on ${issuer}`);
  });
  const stop = () => server.close(() => pool.end().then(() => process.exit(0)));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

async function seed([databaseUrl, keyfile, outdir, kind, count]) {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  await pool.query(SCHEMA);
  const rows = [];
  const provider = new Provider('http://127.0.0.1:1', configuration(makeBufferingAdapter(rows), pool, keys(keyfile)));
  const n = Number(count || 0);
  const web = await provider.Client.find('bench-web');
  const values = [];
  const scope = 'openid profile email offline_access';

  const newGrant = async () => {
    const grant = new provider.Grant({ accountId: ACCOUNT_ID, clientId: 'bench-web' });
    grant.addOIDCScope(scope);
    return grant.save();
  };

  if (kind === 'base') {
    await pool.query('TRUNCATE oidc_models');
    await pool.query(
      'INSERT INTO accounts (id, claims) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET claims = EXCLUDED.claims',
      [ACCOUNT_ID, CLAIMS],
    );
    // The clients as the provider's adapter stores dynamically registered ones (no expiry).
    for (const client of CLIENTS) {
      await pool.query(
        "INSERT INTO oidc_models (model, id, payload) VALUES ('Client', $1, $2)",
        [client.client_id, client],
      );
    }
    writeFileSync(path.join(outdir, 'peer-clients.json'), JSON.stringify(CLIENTS));
  } else {
    // One grant per artifact, as each sign-in has its own grant.
    for (let i = 0; i < n; i += 1) {
      const grantId = await newGrant();
      if (kind === 'codes') {
        const code = new provider.AuthorizationCode({
          accountId: ACCOUNT_ID,
          client: web,
          grantId,
          redirectUri: web.redirectUris[0],
          codeChallenge: CODE_CHALLENGE,
          codeChallengeMethod: 'S256',
          scope,
          nonce: `nonce-${i}`,
          authTime: Math.floor(Date.now() / 1000),
          acr: '1',
          amr: ['pwd'],
          sid: `bench-sid-${i}`,
          expiresIn: SEED_CODE_TTL,
        });
        values.push(await code.save());
      } else if (kind === 'refresh') {
        const rt = new provider.RefreshToken({
          accountId: ACCOUNT_ID,
          client: web,
          grantId,
          scope,
          gty: 'authorization_code',
          authTime: Math.floor(Date.now() / 1000),
          rotations: 0,
          sid: `bench-sid-${i}`,
        });
        values.push(await rt.save());
      } else if (kind === 'access') {
        const at = new provider.AccessToken({
          accountId: ACCOUNT_ID,
          client: web,
          grantId,
          scope: 'openid profile email',
          gty: 'authorization_code',
        });
        values.push(await at.save());
      } else {
        throw new Error(`unknown seed kind ${kind}`);
      }
    }
    writeFileSync(path.join(outdir, `peer-${kind}.txt`), values.join('\n') + '\n');
  }
  for (let i = 0; i < rows.length; i += 5000) {
    const batch = rows.slice(i, i + 5000);
    await pool.query(
      `INSERT INTO oidc_models (model, id, payload, grant_id, expires_at)
       SELECT model, id, payload, grant_id, expires_at
       FROM jsonb_to_recordset($1::jsonb) AS r(model text, id text, payload jsonb, grant_id text, expires_at timestamptz)`,
      [JSON.stringify(batch)],
    );
  }
  await pool.query('ANALYZE oidc_models');
  await pool.end();
}

if (mode === 'serve') {
  await serve(args);
} else if (mode === 'seed') {
  await seed(args);
} else {
  console.error('usage: node server.js serve PORT DATABASE_URL KEYFILE | seed DATABASE_URL KEYFILE OUTDIR KIND COUNT');
  process.exit(2);
}
