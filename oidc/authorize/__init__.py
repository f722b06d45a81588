"""The authorization endpoint (RFC 6749 3.1, Core 3.1.2) as an explicit pipeline: oidc/authorize/steps.py
lists its rules in order, oidc/authorize/pipeline.py runs them."""
