"""OpenAPI details drf-spectacular cannot infer from our own permission classes.

drf-spectacular marks an operation as open to anonymous clients only for DRF's
`AllowAny` and `IsAuthenticatedOrReadOnly`. Views whose permission class lets anonymous
clients read (`PostPermission`, `DjangoModelPermissionsOrAnonReadOnly`) use
`AnonymousReadsSchema`, so their GET operations are documented as needing no token.
"""

from drf_spectacular.openapi import AutoSchema
from rest_framework.permissions import SAFE_METHODS


class AnonymousReadsSchema(AutoSchema):
    """Safe methods need no credentials; writes keep the token or session requirement."""

    def get_auth(self) -> list[dict]:
        auths = super().get_auth()
        if self.method in SAFE_METHODS and {} not in auths:
            auths.append({})
        return auths
