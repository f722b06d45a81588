"""Seed Portico's benchmark database. Run with Portico's production settings in the environment:

    python bench/seed_portico.py base OUTDIR              demo user (seed_demo) and two clients (oidc_client)
    python bench/seed_portico.py codes OUTDIR COUNT       single-use authorization codes, plaintexts to a file
    python bench/seed_portico.py refresh OUTDIR COUNT     single-use refresh tokens (each with its access token)
    python bench/seed_portico.py access OUTDIR COUNT      reusable access tokens for userinfo and introspection
    python bench/seed_portico.py filler OUTDIR COUNT      COUNT stored access tokens (10% expired), grants and
                                                          id tokens, generated inside PostgreSQL (growth runs)

Users, clients and keys come from the project's own commands. Token pools are written with COPY, stored the
way Portico stores them: SHA-256 hex digests of the plaintext (oidc/secrets.py digest(), DOT's
TokenChecksumField), never the plaintext itself.
"""

import base64
import hashlib
import io
import json
import os
import secrets
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from accounts.models import User  # noqa: E402
from oidc.models import Client  # noqa: E402
from oidc.secrets import digest  # noqa: E402

REDIRECT_URI = "http://127.0.0.1:9/callback"
CODE_SCOPE = "openid profile email offline_access"
ACCESS_SCOPE = "openid profile email"
# One PKCE verifier for every seeded code: the token request proves it like any client would.
CODE_VERIFIER = "bench-code-verifier-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEF"
CODE_CHALLENGE = (
    base64.urlsafe_b64encode(hashlib.sha256(CODE_VERIFIER.encode()).digest()).rstrip(b"=").decode()
)
# Seeded codes outlive the run (PORTICO_CODE_TTL is a minute); the redemption path is the same.
SEEDED_CODE_TTL = timedelta(hours=2)


def _client_create(*args: str) -> dict:
    out = io.StringIO()
    call_command("oidc_client", "create", *args, "--format", "json", stdout=out)
    return json.loads(out.getvalue())


def base(outdir: Path) -> None:
    out = io.StringIO()
    call_command("seed_demo", "--format", "json", stdout=out)  # user `demo` with every claim, signing keys
    demo = json.loads(out.getvalue())
    cc = _client_create("--name", "Bench service", "--grant-type", "client_credentials")
    web = _client_create(
        "--name",
        "Bench web app",
        "--redirect-uri",
        REDIRECT_URI,
        "--grant-type",
        "authorization_code",
        "--grant-type",
        "refresh_token",
        "--skip-consent",
    )
    info = {
        "username": demo["username"],
        "password": demo["password"],
        "redirect_uri": REDIRECT_URI,
        "code_verifier": CODE_VERIFIER,
        "code_challenge": CODE_CHALLENGE,
        "cc": {"client_id": cc["client_id"], "client_secret": cc["client_secret"]},
        "web": {"client_id": web["client_id"], "client_secret": web["client_secret"]},
    }
    (outdir / "portico-clients.json").write_text(json.dumps(info, indent=2))


def _context(outdir: Path) -> tuple[int, int]:
    info = json.loads((outdir / "portico-clients.json").read_text())
    user = User.objects.get(username=info["username"])
    web = Client.objects.get(client_id=info["web"]["client_id"])
    return user.pk, web.pk


def _copy(table: str, columns: list[str], rows) -> None:
    with connection.cursor() as cursor, cursor.connection.cursor() as raw:
        with raw.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


def _plaintexts(count: int) -> list[str]:
    return [secrets.token_urlsafe(32) for _ in range(count)]


def codes(outdir: Path, count: int) -> None:
    user_id, web_id = _context(outdir)
    now = datetime.now(UTC)
    values = _plaintexts(count)
    columns = [
        "code", "expires", "redirect_uri", "scope", "created", "updated", "code_challenge",
        "code_challenge_method", "nonce", "claims", "resource", "auth_time", "sid", "acr", "amr",
        "application_id", "user_id",
    ]  # fmt: skip
    _copy(
        "oidc_grant",
        columns,
        (
            (
                digest(v),
                now + SEEDED_CODE_TTL,
                REDIRECT_URI,
                CODE_SCOPE,
                now,
                now,
                CODE_CHALLENGE,
                "S256",
                f"n-{i}",
                "{}",
                "[]",
                now,
                f"bench-sid-{i}",
                "1",
                '["pwd"]',
                web_id,
                user_id,
            )  # fmt: skip
            for i, v in enumerate(values)
        ),
    )
    (outdir / "portico-codes.txt").write_text("\n".join(values) + "\n")


def _access_rows(values, *, user_id: int, web_id: int, scope: str, expires: datetime, now: datetime):
    for v in values:
        yield (
            "", hashlib.sha256(v.encode()).hexdigest(), expires, scope, "[]", now, now, "", user_id, web_id,
            "{}",
        )  # fmt: skip


ACCESS_COLUMNS = [
    "token", "token_checksum", "expires", "scope", "resource", "created", "updated", "grant_code",
    "user_id", "application_id", "claims",
]  # fmt: skip


def access(outdir: Path, count: int) -> None:
    user_id, web_id = _context(outdir)
    now = datetime.now(UTC)
    values = _plaintexts(count)
    rows = _access_rows(
        values, user_id=user_id, web_id=web_id, scope=ACCESS_SCOPE, expires=now + timedelta(hours=2), now=now
    )
    _copy("oidc_accesstoken", ACCESS_COLUMNS, rows)
    (outdir / "portico-access.txt").write_text("\n".join(values) + "\n")


def refresh(outdir: Path, count: int) -> None:
    """Each refresh token with the access token it was issued with, as a code exchange leaves them."""
    user_id, web_id = _context(outdir)
    now = datetime.now(UTC)
    access_values = _plaintexts(count)
    values = _plaintexts(count)
    rows = _access_rows(
        access_values,
        user_id=user_id,
        web_id=web_id,
        scope=CODE_SCOPE,
        expires=now + timedelta(hours=1),
        now=now,
    )
    _copy("oidc_accesstoken", ACCESS_COLUMNS, rows)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE bench_pairs (access_checksum varchar(64), refresh_checksum varchar(64))"
        )
    _copy(
        "bench_pairs",
        ["access_checksum", "refresh_checksum"],
        (
            (hashlib.sha256(a.encode()).hexdigest(), digest(r))
            for a, r in zip(access_values, values, strict=True)
        ),
    )
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO oidc_refreshtoken (token, token_checksum, token_family, resource, created, updated,
                access_token_id, application_id, user_id, acr, amr, auth_time, family_started, sid, claims)
            SELECT '', p.refresh_checksum, gen_random_uuid(), '[]', %s, %s, a.id, %s, %s, '1', '["pwd"]', %s,
                %s, 'bench-sid', '{}'
            FROM bench_pairs p JOIN oidc_accesstoken a ON a.token_checksum = p.access_checksum
            """,
            [now, now, web_id, user_id, now, now],
        )
        cursor.execute("DROP TABLE bench_pairs")
    (outdir / "portico-refresh.txt").write_text("\n".join(values) + "\n")


def filler(outdir: Path, count: int) -> None:
    """COUNT more stored access tokens (every tenth already expired, for the purge), COUNT/10 expired codes
    and COUNT/10 expired id tokens. Digests are computed by PostgreSQL: sha256 of the UTF-8 plaintext,
    hex-encoded, exactly what Portico computes (checked below on a sample)."""
    user_id, web_id = _context(outdir)
    sample = "filler-42"
    with connection.cursor() as cursor:
        cursor.execute("SELECT encode(sha256(convert_to(%s, 'UTF8')), 'hex')", [sample])
        assert cursor.fetchone()[0] == digest(sample), "PostgreSQL and Portico digests differ"
        cursor.execute("SELECT coalesce(max(id), 0) FROM oidc_accesstoken")
        start = cursor.fetchone()[0] + 1
        cursor.execute("SET synchronous_commit = off")
        cursor.execute("SET maintenance_work_mem = '512MB'")
        batch = 1_000_000
        for first in range(start, start + count, batch):
            last = min(first + batch, start + count) - 1
            cursor.execute(
                """
                INSERT INTO oidc_accesstoken (token, token_checksum, expires, scope, resource, created, updated,
                    grant_code, user_id, application_id, claims)
                SELECT '', encode(sha256(convert_to('filler-' || g, 'UTF8')), 'hex'),
                    CASE WHEN g %% 10 = 0 THEN now() - interval '2 days' ELSE now() + interval '1 hour' END,
                    %s, '[]', now(), now(), '', %s, %s, '{}'
                FROM generate_series(%s, %s) AS g
                """,
                [ACCESS_SCOPE, user_id, web_id, first, last],
            )
        tenth = max(1, count // 10)
        cursor.execute(
            """
            INSERT INTO oidc_grant (code, expires, redirect_uri, scope, created, updated, code_challenge,
                code_challenge_method, nonce, claims, resource, sid, acr, amr, application_id, user_id)
            SELECT encode(sha256(convert_to('filler-code-' || g || '-' || %s, 'UTF8')), 'hex'),
                now() - interval '1 day', %s, %s, now(), now(), '', '', '', '{}', '[]', '', '1', '["pwd"]', %s, %s
            FROM generate_series(1, %s) AS g
            """,
            [start, REDIRECT_URI, CODE_SCOPE, web_id, user_id, tenth],
        )
        cursor.execute(
            """
            INSERT INTO oidc_idtoken (jti, expires, scope, created, updated, application_id, user_id)
            SELECT gen_random_uuid(), now() - interval '1 day', 'openid', now(), now(), %s, %s
            FROM generate_series(1, %s)
            """,
            [web_id, user_id, tenth],
        )
        for table in ("oidc_accesstoken", "oidc_grant", "oidc_idtoken", "oidc_refreshtoken"):
            cursor.execute(f"VACUUM ANALYZE {table}")


def _main() -> None:
    kind, outdir = sys.argv[1], Path(sys.argv[2])
    outdir.mkdir(parents=True, exist_ok=True)
    count = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    if kind == "base":
        base(outdir)
    else:
        {"codes": codes, "access": access, "refresh": refresh, "filler": filler}[kind](outdir, count)


if __name__ == "__main__":
    _main()
