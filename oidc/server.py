"""The oauthlib server Portico runs: the stock OpenID Connect server, with PKCE restricted to S256."""

from oauthlib.oauth2.rfc6749.grant_types.authorization_code import code_challenge_method_s256
from oauthlib.openid import Server


class PorticoServer(Server):
    def __init__(self, request_validator, *args, **kwargs):
        super().__init__(request_validator, *args, **kwargs)
        # RFC 9700 2.1.1: only S256. A request without code_challenge_method defaults to "plain"
        # (RFC 7636 4.3) and is therefore refused with unsupported-method rather than silently accepted.
        s256_only = {"S256": code_challenge_method_s256}
        for grant in (
            self.auth_grant,
            self.openid_connect_auth.proxy_target,
            self.openid_connect_hybrid.proxy_target,
        ):
            grant._code_challenge_methods = s256_only
