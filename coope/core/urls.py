"""The core's own screens, declared in its apps.py like any app's: the setup screens of a
cooperation (« Configuration »), the platform administrator's, one's own password and a
forgotten one."""

from django.contrib.auth import views as auth_views
from django.urls import path

from coope.core import views_auth, views_platform, views_setup

app_name = "core"
urlpatterns = [
    path("configuration/", views_setup.index, name="setup"),
    path("configuration/cooperation/", views_setup.cooperation, name="setup_cooperation"),
    path("configuration/associations/", views_setup.associations, name="associations"),
    path(
        "configuration/associations/<int:pk>/",
        views_setup.association_edit,
        name="association",
    ),
    path("configuration/maisons/", views_setup.houses, name="houses"),
    path("configuration/maisons/nouvelle/", views_setup.house_edit, name="house_new"),
    path("configuration/maisons/<int:pk>/", views_setup.house_edit, name="house"),
    path("configuration/agrements/", views_setup.agreements, name="agreements"),
    path(
        "configuration/agrements/<int:pk>/retirer/",
        views_setup.agreement_remove,
        name="agreement_remove",
    ),
    path("configuration/comptes/", views_setup.accounts, name="accounts"),
    path("configuration/comptes/nouveau/", views_setup.account_new, name="account_new"),
    path("configuration/comptes/<int:pk>/", views_setup.account, name="account"),
    path("configuration/comptes/<int:pk>/roles/", views_setup.role_grant, name="role_grant"),
    path(
        "configuration/comptes/<int:pk>/actif/", views_setup.account_active, name="account_active"
    ),
    path(
        "configuration/comptes/<int:pk>/mot-de-passe/",
        views_setup.account_password,
        name="account_password",
    ),
    path(
        "configuration/roles/<int:pk>/retirer/",
        views_setup.role_take_back,
        name="role_take_back",
    ),
    path("plateforme/", views_platform.cooperations, name="platform"),
    path("plateforme/nouvelle/", views_platform.cooperation_new, name="platform_new"),
    path(
        "plateforme/<int:pk>/",
        views_platform.cooperation_detail,
        name="platform_cooperation",
    ),
    path("compte/mot-de-passe/", views_auth.PasswordChangeView.as_view(), name="password_change"),
    path(
        "compte/mot-de-passe/change/",
        auth_views.PasswordChangeDoneView.as_view(template_name="core/password_changed.html"),
        name="password_changed",
    ),
    # A forgotten password: a link by e-mail (coope/core/views_auth.py).
    path("compte/oubli/", views_auth.PasswordResetView.as_view(), name="password_reset"),
    path(
        "compte/oubli/envoye/",
        views_auth.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "compte/oubli/<uidb64>/<token>/",
        views_auth.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "compte/oubli/fait/",
        views_auth.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]
