from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from coope.core import views as core_views

admin.site.site_header = "Coopé — administration"
admin.site.site_title = "Coopé"

urlpatterns = [
    path("", core_views.home, name="home"),
    path("chiffres/", core_views.figures, name="figures"),
    path("connexion/", auth_views.LoginView.as_view(), name="login"),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    path("accueil/", include("coope.people.urls")),
    path("adhesions/", include("coope.membership.urls")),
    path("donnees/", include("coope.people.urls_data")),
    path("rgpd/", include("coope.people.urls_privacy")),
    path("activites/", include("coope.activities.urls")),
    path("agenda/", include("coope.activities.urls_public")),
    path("tic-tac/", include("coope.timebank.urls")),
    path("conserverie/", include("coope.cannery.urls")),
    path("rapports/", include("coope.reports.urls")),
    path("admin/", admin.site.urls),
]
