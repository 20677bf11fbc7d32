"""FAB's user REST API (``/api/v1/security/users/``), answering 404 for a user that is not there."""

from __future__ import annotations

from flask import Response
from flask_appbuilder.api import expose, safe
from flask_appbuilder.security.decorators import permission_name, protect
from flask_appbuilder.security.sqla.apis import UserApi


class GraphCRMUserApi(UserApi):
    """FAB's ``UserApi``; its ``PUT`` edited whatever it found and failed with a 500 when
    the user did not exist."""

    @expose("/<pk>", methods=("PUT",))
    @protect()
    @safe
    @permission_name("put")
    def put(self, pk: str) -> Response:
        if self.datamodel.get(pk, self._base_filters) is None:
            return self.response_404()
        return super().put(pk)

    put.__doc__ = UserApi.put.__doc__
