"""The site's URLs: the core's own pages, then every app's declared `urls` (coope/core/plugins.py)."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from coope.core import views as core_views
from coope.core import views_health
from coope.core.plugins import url_includes

admin.site.site_header = "Coopé — administration"
admin.site.site_title = "Coopé"

urlpatterns = [
    path("", core_views.home, name="home"),
    path("chiffres/", core_views.figures, name="figures"),
    path("sante/", views_health.health, name="health"),
    path("connexion/", auth_views.LoginView.as_view(), name="login"),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    # The data pages: the import framework (every declared import kind) and the lists out.
    path("donnees/", include("coope.imports.urls")),
    *(path(prefix, include(urlconf)) for prefix, urlconf in url_includes()),
    path("admin/", admin.site.urls),
]

# A busy database answers 503 « rien n'a été enregistré, renvoyez dans une minute »; any other
# failure Django's 500 page (coope/core/views_errors.py).
handler500 = "coope.core.views_errors.server_error"
