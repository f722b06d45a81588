"""Sessions and logout: RP-Initiated Logout 1.0 (endpoint), Back-Channel Logout 1.0 (tokens, durable
delivery by a worker) and Front-Channel Logout 1.0 (the signed-out page's iframes). A sign-in ending anywhere
(accounts' `sign_in_ended` signal) goes through sessions.end_session."""
