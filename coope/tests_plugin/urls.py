from django.shortcuts import render
from django.urls import path

from coope.core.views import require_perm
from coope.tests_plugin.models import TrialVisit

app_name = "tests_plugin"


@require_perm("tests_plugin.view")
def index(request):
    return render(request, "tests_plugin/index.html", {"visits": TrialVisit.objects.count()})


urlpatterns = [path("", index, name="index")]
