"""An OpenID Connect identity provider for the tests, and for trying single sign-on by
hand: discovery, the authorization endpoint, the token endpoint (client secret, PKCE)
and the signing keys, over real HTTP on 127.0.0.1, with ID tokens signed RS256.

It logs in whoever it is told to (``provider.identity``) without asking, so that a test
(or a browser) goes straight back to the application. ``provider.claims`` overrides
claims of the next ID tokens (a wrong audience, an old expiry, another nonce), and
``provider.signing_key`` may be a key it does not publish (a forged token).

By hand (then set the förbund's issuer to the address printed)::

    .venv/bin/python -m tests.oidc_provider --port 9000 --email kansli@samspelet.example
"""

import argparse
import base64
import contextlib
import hashlib
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote_plus, urlencode, urlsplit

from joserfc import jwt
from joserfc.jwk import RSAKey


def new_key(kid: str) -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": kid, "use": "sig", "alg": "RS256"})


class LocalIdentityProvider:
    def __init__(self, *, client_id="finsam", client_secret="hemligt", port=0):
        self.client_id = client_id
        self.client_secret = client_secret
        self.key = new_key("test-key")
        self.signing_key = self.key
        self.identity = {"sub": "person-1", "email": "person@example.se"}
        self.claims: dict = {}
        self.deny = False
        self.codes: dict[str, dict] = {}
        self.token_requests = 0
        self.server = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> "LocalIdentityProvider":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def reset(self) -> None:
        self.signing_key = self.key
        self.identity = {"sub": "person-1", "email": "person@example.se"}
        self.claims = {}
        self.deny = False
        self.codes.clear()
        self.token_requests = 0

    # What the endpoints answer ---------------------------------------------------

    def metadata(self) -> dict:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic"],
            "code_challenge_methods_supported": ["S256"],
            "scopes_supported": ["openid", "email", "profile"],
        }

    def authorize(self, query: dict) -> str:
        """The address the browser is sent back to."""
        redirect_uri = query["redirect_uri"]
        state = query.get("state", "")
        if query.get("client_id") != self.client_id or query.get("response_type") != "code":
            return f"{redirect_uri}?{urlencode({'error': 'unauthorized_client', 'state': state})}"
        if self.deny:
            return f"{redirect_uri}?{urlencode({'error': 'access_denied', 'state': state})}"
        code = secrets.token_urlsafe(16)
        self.codes[code] = {
            "redirect_uri": redirect_uri,
            "nonce": query.get("nonce"),
            "challenge": query.get("code_challenge"),
            "identity": dict(self.identity),
        }
        return f"{redirect_uri}?{urlencode({'code': code, 'state': state})}"

    def token(self, form: dict, authorization: str) -> tuple[int, dict]:
        self.token_requests += 1
        client_id, client_secret = _basic_credentials(authorization)
        if (client_id, client_secret) != (self.client_id, self.client_secret):
            return 401, {"error": "invalid_client"}
        grant = self.codes.pop(form.get("code", ""), None)
        if grant is None or grant["redirect_uri"] != form.get("redirect_uri"):
            return 400, {"error": "invalid_grant"}
        verifier = form.get("code_verifier", "")
        challenge = (
            base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
            .rstrip(b"=")
            .decode()
        )
        if grant["challenge"] != challenge:
            return 400, {"error": "invalid_grant", "error_description": "PKCE"}
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": self.client_id,
            "iat": now,
            "exp": now + 300,
            "nonce": grant["nonce"],
            **grant["identity"],
            **self.claims,
        }
        header = {"alg": "RS256", "kid": self.signing_key.kid}
        id_token = jwt.encode(header, claims, self.signing_key)
        return 200, {
            "access_token": secrets.token_urlsafe(16),
            "token_type": "Bearer",
            "expires_in": 300,
            "id_token": id_token,
        }

    def _handler(self):
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def _json(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                url = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                if url.path == "/.well-known/openid-configuration":
                    self._json(200, provider.metadata())
                elif url.path == "/jwks":
                    self._json(200, {"keys": [provider.key.as_dict(private=False)]})
                elif url.path == "/authorize" and "redirect_uri" in query:
                    self.send_response(302)
                    self.send_header("Location", provider.authorize(query))
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                else:
                    self._json(404, {"error": "not_found"})

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                if urlsplit(self.path).path != "/token":
                    self._json(404, {"error": "not_found"})
                    return
                status, body = provider.token(form, self.headers.get("Authorization", ""))
                self._json(status, body)

        return Handler


def _basic_credentials(authorization: str) -> tuple[str, str]:
    if not authorization.startswith("Basic "):
        return "", ""
    try:
        decoded = base64.b64decode(authorization[6:]).decode()
    except ValueError:
        return "", ""
    client_id, _, secret = decoded.partition(":")

    return unquote_plus(client_id), unquote_plus(secret)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=9000)
    parser.add_argument("--email", required=True, help="whom it logs in")
    parser.add_argument("--client-id", default="finsam")
    parser.add_argument("--client-secret", default="hemligt")
    options = parser.parse_args()
    provider = LocalIdentityProvider(
        client_id=options.client_id, client_secret=options.client_secret, port=options.port
    )
    provider.identity = {"sub": options.email, "email": options.email}
    print(f"Issuer: {provider.issuer}")
    print(f"Client id: {options.client_id}, secret: {options.client_secret}")
    print(f"Logs in: {options.email}. Stop with Ctrl-C.")
    with contextlib.suppress(KeyboardInterrupt):
        provider.server.serve_forever()


if __name__ == "__main__":
    main()
