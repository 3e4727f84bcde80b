"""A signing key standing in for Microsoft's, so tests can send Teams activities signed as
the Bot Framework signs them, with no network.

The SDK checks an inbound token against the keys named by its cloud's OpenID metadata URL
(TokenValidator.for_service: ``…/openidconfiguration`` becomes ``…/keys``, read by PyJWT's
PyJWKClient). Here a local HTTP server on 127.0.0.1 (free port) serves a fresh RSA key as
that JWKS, and ``cloud`` is the public cloud with only that URL changed: hand it to
``TeamsRuntime(..., cloud=signer.cloud)``. ``token(service_url)`` is what Microsoft's
connector would put in the Authorization header::

    with TeamsSigningKey() as signer:
        headers = {"Authorization": f"Bearer {signer.token(activity['serviceUrl'])}"}
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

ISSUER = "https://api.botframework.com"  # the public cloud's token issuer


class TeamsSigningKey:
    def __init__(self, app_id: str):
        self.app_id = app_id
        self.kid = f"test-key-{id(self):x}"
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self._key.public_key()))
        jwk.update(kid=self.kid, use="sig", alg="RS256")
        self._jwks = json.dumps({"keys": [jwk]}).encode()
        self.fetches = 0
        self._server: ThreadingHTTPServer | None = None

    def start(self) -> TeamsSigningKey:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's name
                if self.path.endswith("/keys"):
                    owner.fetches += 1
                    body = owner._jwks
                else:
                    body = json.dumps(
                        {"issuer": ISSUER, "jwks_uri": owner.base + "/v1/.well-known/keys"}
                    ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self) -> TeamsSigningKey:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def cloud(self):
        from microsoft_teams.api.auth.cloud_environment import PUBLIC, with_overrides

        return with_overrides(
            PUBLIC, openid_metadata_url=self.base + "/v1/.well-known/openidconfiguration"
        )

    def token(self, service_url: str, *, audience: str | None = None, **claims) -> str:
        """A Bot Framework connector token for an activity from ``service_url``."""
        now = int(time.time())
        payload = {
            "iss": ISSUER,
            "aud": audience or self.app_id,
            "serviceurl": service_url,
            "iat": now,
            "nbf": now,
            "exp": now + 3600,
            **claims,
        }
        return jwt.encode(payload, self._key, algorithm="RS256", headers={"kid": self.kid})

    def headers(self, activity: dict) -> dict:
        return {"Authorization": f"Bearer {self.token(activity.get('serviceUrl') or '')}"}
