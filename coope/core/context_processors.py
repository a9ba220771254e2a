from coope.core.permissions import PERMISSIONS


class _Perms:
    """`{% if perms_coope.people_view_sensitive %}` in templates."""

    def __init__(self, user):
        self.user = user

    def __getattr__(self, name: str) -> bool:
        permission = name.replace("_", ".", 1)
        if permission not in PERMISSIONS:
            raise AttributeError(name)
        return self.user.has_coope_perm(permission)


def coope(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or user.cooperation_id is None:
        return {"cooperation": None}
    return {"cooperation": request.cooperation, "perms_coope": _Perms(user)}
