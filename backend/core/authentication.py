"""Session authentication that answers 401 (not 403) to a visitor who is not logged in.

DRF answers 403 when the first authenticator gives no WWW-Authenticate header; a header here
lets clients tell "log in first" (401) from "not allowed" (403).
"""

from rest_framework.authentication import SessionAuthentication


class SessionAuthentication401(SessionAuthentication):
    def authenticate_header(self, request) -> str:
        return 'Session realm="api"'
