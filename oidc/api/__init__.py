"""The management API (/api/v1): clients, initial access tokens and signing keys for automation.

Callers are management clients (Client.can_manage) holding an access token for the portico:admin scope,
obtained with client_credentials at the token endpoint. Client writes go through the same metadata rules as
dynamic registration (oidc/registration.py, oidc/metadata.py). The OpenAPI document is served at
/api/v1/schema.
"""
