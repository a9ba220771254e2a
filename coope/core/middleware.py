from django_scopes import scope, scopes_disabled

from coope.core import once


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


class OnceMiddleware:
    """Runs the view of a POST that brings a one-time form key once per key
    (`coope.core.once`). After the CSRF, authentication, session and messages middleware; its
    `process_view` calls the view itself, so it comes after any other middleware with a
    `process_view`."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method != "POST" or once.FIELD not in request.POST:
            return None
        key, owner = once.posted_key(request), once.owner_of(request)
        if key is None:
            return once.malformed(request)
        if owner is None:
            return None
        return once.run_once(
            request,
            owner=owner,
            key=key,
            view=lambda: view_func(request, *view_args, **view_kwargs),
        )
