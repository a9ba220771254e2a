from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse

from coope.core.views import require_perm


@require_perm("mobility.view")
def index(request: HttpRequest) -> HttpResponse:
    return HttpResponse("")


@login_required
def free(request: HttpRequest) -> HttpResponse:
    return HttpResponse("")
