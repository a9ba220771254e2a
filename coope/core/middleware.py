from django_scopes import scope, scopes_disabled


class CooperationScopeMiddleware:
    """Opens the scope of the signed-in account's cooperation for the whole request.

    A request with no staff account opens no scope, so any tenant query fails unless the
    view opens one itself (public pages resolve the cooperation from the URL). A platform
    superuser with no cooperation works across tenants, explicitly.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            if user.cooperation_id is not None:
                request.cooperation = user.cooperation
                with scope(cooperation=user.cooperation_id):
                    return self.get_response(request)
            if user.is_superuser:
                request.cooperation = None
                with scopes_disabled():
                    return self.get_response(request)
        request.cooperation = None
        return self.get_response(request)
